import { AppError } from '@onceonly/errors';
import { type Backoff, backoffDelay, sleep } from './internal.js';
import type { DeliveryContext, ReceivedRecord, SubscribeOptions } from './transport.js';

/**
 * Hands a record to `handle` until it resolves, waiting a back-off after each failure (heartbeating meanwhile) and
 * telling `onError`. The partition does not move on in the meantime, so per-key order holds. Throws only when the
 * subscription is stopping, so that the caller commits nothing for this record.
 */
export async function deliverUntilHandled(
  options: Pick<SubscribeOptions, 'handle' | 'onError'>,
  record: ReceivedRecord,
  context: DeliveryContext,
  backoff: Backoff,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (context.signal.aborted) throw new AppError('SHUTTING_DOWN', 'the subscription is stopping');
    try {
      await options.handle(record, context);
      return;
    } catch (err) {
      if (context.signal.aborted) throw err;
      options.onError?.(err, record);
      await sleepWithHeartbeat(backoffDelay(backoff, attempt), context);
    }
  }
}

/**
 * The batch form of {@link deliverUntilHandled}: hands `records` (one partition's, in offset order) to
 * `handleBatch` until it resolves, with the same back-off, heartbeats and stop rule.
 */
export async function deliverBatchUntilHandled(
  options: Pick<SubscribeOptions, 'handleBatch' | 'onError'>,
  records: readonly ReceivedRecord[],
  context: DeliveryContext,
  backoff: Backoff,
): Promise<void> {
  const handleBatch = options.handleBatch;
  if (!handleBatch) throw new AppError('INTERNAL', 'deliverBatchUntilHandled without handleBatch');
  for (let attempt = 1; ; attempt++) {
    if (context.signal.aborted) throw new AppError('SHUTTING_DOWN', 'the subscription is stopping');
    try {
      await handleBatch(records, context);
      return;
    } catch (err) {
      if (context.signal.aborted) throw err;
      options.onError?.(err, records[0]);
      await sleepWithHeartbeat(backoffDelay(backoff, attempt), context);
    }
  }
}

/** Splits records into batches of at most `size` (at least 1). */
export function chunked<T>(records: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += step) out.push(records.slice(i, i + step));
  return out;
}

/** Sleeps in slices of at most a second, heartbeating between them, so that a long wait keeps the partition. */
export async function sleepWithHeartbeat(ms: number, context: DeliveryContext): Promise<void> {
  const until = Date.now() + ms;
  while (!context.signal.aborted && Date.now() < until) {
    await sleep(Math.min(1_000, until - Date.now()), context.signal);
    await context.heartbeat().catch(() => undefined);
  }
}
