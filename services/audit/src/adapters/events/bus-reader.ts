import { randomUUID } from 'node:crypto';
import { auditEventsV1 } from '@onceonly/contracts';
import { type EventTransport, fromKafkaRecord, type ReceivedRecord } from '@onceonly/events';
import type { BusRecord, ReplayBusSource } from '../../app/replay.js';
import { CHECKPOINT_TOPIC } from '../../topics.js';
import { AUDIT_GROUP } from './ingest.js';

/** Options of {@link transportBusSource}. */
export interface BusSourceOptions {
  /** The throwaway consumer group (default `onceonly-audit-replay-<uuid>`): it never disturbs the log's own group. */
  readonly group?: string;
  /** Give up when no record arrived for this long while some were still expected (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** The log's own consumer group, whose committed offsets tell in-flight events from missing ones. */
  readonly logGroup?: string;
}

/**
 * Re-reads topics from the beginning through the event transport (Kafka, or the embedded log) with a fresh consumer
 * group, up to each partition's end as it was when the read began: records published during the replay are left
 * for the next one. The checkpoint topic is read too, not as events but as the bus's signature: its signed notes say
 * whose bus this is (see `checkpointNotes`).
 */
export function transportBusSource(transport: EventTransport, options: BusSourceOptions = {}): ReplayBusSource {
  return {
    async read(topics, onRecord, onProgress, signal) {
      signal?.throwIfAborted();
      const group = options.group ?? `onceonly-audit-replay-${randomUUID()}`;
      const withCheckpoints = [...topics.filter((t) => t !== CHECKPOINT_TOPIC.name), CHECKPOINT_TOPIC.name];
      const read = (subscribed: readonly string[]) =>
        readUpToEnds({ transport, options, group, topics, subscribed, onRecord, onProgress, signal });
      try {
        return await read(withCheckpoints);
      } catch (err) {
        // a bus without the checkpoint topic (no audit log ever ran on it) names no hub: read the topics alone
        if (!(err instanceof EndsUnknown)) throw err;
        return await read([...topics]);
      }
    },
  };
}

/** The ends of the partitions could not be asked (the checkpoint topic is missing, say): the read did not start. */
class EndsUnknown extends Error {}

/**
 * One read of `subscribed` up to each partition's end. The ends and the log group's offsets are asked while the
 * consumer connects and joins (ADR 043): three round trips to the broker at once instead of one after the other;
 * records fetched before the ends are known wait for them. The read answers at its last record: the throwaway group
 * is left in the background (the transport's `close` awaits it), on failure before the read answers.
 */
async function readUpToEnds(read: {
  transport: EventTransport;
  options: BusSourceOptions;
  group: string;
  topics: readonly string[];
  subscribed: readonly string[];
  onRecord: (record: BusRecord) => void;
  onProgress: ((read: number, total: number) => void) | undefined;
  signal: AbortSignal | undefined;
}): ReturnType<ReplayBusSource['read']> {
  const { transport, group, topics, onRecord, onProgress, signal } = read;
  const ends = transport.lag(group, read.subscribed);
  // the log group's offsets, asked after the ends: an offset the log committed meanwhile is of an event it appended
  // beyond the replay's snapshot, which the replay forgets as in flight
  const logReadUpTo = ends.then(async () => {
    const partitions = await transport.lag(read.options.logGroup ?? AUDIT_GROUP, topics);
    return new Map(partitions.map((p) => [`${p.topic}/${p.partition}`, Math.max(0, p.committed)]));
  });
  logReadUpTo.catch(() => undefined); // awaited below; a failure is thrown there, not unhandled
  const remaining = new Map<string, number>();
  let total = 0;
  const known = ends.then((lags) => {
    for (const p of lags) {
      if (p.lag > 0) remaining.set(`${p.topic}/${p.partition}`, p.end);
      if (p.topic !== CHECKPOINT_TOPIC.name) total += p.lag;
    }
    onProgress?.(0, total);
  });
  known.catch(() => undefined); // awaited below
  const checkpointNotes: string[] = [];
  let records = 0;
  let malformed = 0;
  let settle!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let lastSeen = Date.now();
  const handle = (record: ReceivedRecord) => {
    const key = `${record.topic}/${record.partition}`;
    const end = remaining.get(key);
    if (end === undefined || Number(record.offset) >= end) return;
    lastSeen = Date.now();
    if (record.topic === CHECKPOINT_TOPIC.name) {
      const note = checkpointNoteOf(record);
      if (note !== undefined) checkpointNotes.push(note);
    } else {
      records++;
      try {
        const event = fromKafkaRecord(record);
        onRecord({ event, topic: record.topic, partition: record.partition, offset: record.offset });
      } catch {
        malformed++;
      }
      if (records % 500 === 0) onProgress?.(records, total);
    }
    if (Number(record.offset) + 1 >= end) remaining.delete(key);
    if (remaining.size === 0) settle();
  };
  // in batches: one call per fetched batch rather than one delivery (promise, offset bookkeeping) per record
  const subscribing = transport.subscribe({
    group,
    topics: read.subscribed,
    fromBeginning: true,
    handle: async (record) => {
      await known;
      handle(record);
    },
    handleBatch: async (batch) => {
      await known;
      for (const record of batch) handle(record);
    },
    maxBatchSize: 10_000,
  });
  const [asked, subscribed] = await Promise.allSettled([known, subscribing]);
  if (asked.status === 'rejected') {
    if (subscribed.status === 'fulfilled') await subscribed.value.stop();
    throw new EndsUnknown('the ends of the partitions could not be asked', { cause: asked.reason });
  }
  if (subscribed.status === 'rejected') throw subscribed.reason;
  const subscription = subscribed.value;
  if (remaining.size === 0) settle();
  // the replay stopped (the log read failed): stop reading, and release the consumer below
  const abort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('the replay stopped'));
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });
  const idle = read.options.idleTimeoutMs ?? 60_000;
  const watchdog = setInterval(() => {
    if (Date.now() - lastSeen > idle) {
      fail(new Error(`the bus stopped delivering with ${remaining.size} partition(s) unread`));
    }
  }, 1_000);
  try {
    await done;
  } catch (err) {
    await subscription.stop();
    throw err;
  } finally {
    clearInterval(watchdog);
    signal?.removeEventListener('abort', abort);
  }
  void subscription.stop().catch(() => undefined);
  onProgress?.(records, total);
  return { records, malformed, logReadUpTo: await logReadUpTo, checkpointNotes };
}

/** The signed note of a checkpoint record (undefined when it does not decode: it then names no hub). */
function checkpointNoteOf(record: ReceivedRecord): string | undefined {
  try {
    return auditEventsV1.CheckpointSigned.decode(fromKafkaRecord(record).data).signedNote || undefined;
  } catch {
    return undefined;
  }
}
