import { AppError, isAppError } from '@onceonly/errors';

/**
 * Group commit (ADR 012): concurrent callers each hand in one item and wait until it is committed; the items that
 * arrive while the transactions in flight are busy are gathered and written together, in one transaction, by the
 * next one that frees up (or as soon as a batch is full and a slot is free). At low load an item is written at once,
 * alone: nothing waits for a timer. Each caller's promise settles only when its own group's transaction has settled:
 * resolved after the commit, rejected with {@link GroupCommitOptions.failure} when it failed (every caller of that
 * group, none of another group). Pure logic: the transaction is the `write` function given.
 */
export interface GroupCommitOptions<T, R = void> {
  /**
   * Writes a group in one transaction; resolves once it committed, with one result per item in the order given
   * (what each caller's {@link GroupCommit.add} resolves with), or nothing when there is nothing to tell (void).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a write with nothing to tell is a plain Promise<void>
  readonly write: (items: readonly T[]) => Promise<readonly R[] | void>;
  /** Largest group (default 256). */
  readonly maxBatch?: number;
  /** Transactions in flight at once (default 2): while they are busy, the next group gathers. */
  readonly maxInFlight?: number;
  /**
   * Smallest group that starts a write while another is in flight (default 1: any). Above 1, a smaller group waits
   * for the write in flight and goes with what arrives meanwhile, so that a commit's fixed cost (round trip,
   * statement, WAL flush) is shared; a burst that fills a group this large still gets a write of its own at once.
   * Nothing ever waits when no write is in flight.
   */
  readonly minBatchBeside?: number;
  /** Called after each commit (the relay's kick). */
  readonly committed?: (count: number) => void;
  /** The error each caller of a failed group gets; its cause is the write's error. */
  readonly failure: (cause: unknown, groupSize: number) => Error;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: Error) => void;
}

export interface GroupCommit<T, R = void> {
  /**
   * Resolves when `item` is committed, with its result from `write`; rejects with the options' failure when its
   * group's transaction failed.
   */
  add(item: T): Promise<R>;
  /** Resolves when nothing is waiting or in flight (for a stop hook). */
  idle(): Promise<void>;
  /** Groups written so far, and items in them (for tests and the bench). */
  stats(): { groups: number; items: number; failedGroups: number };
}

export function groupCommit<T, R = void>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const maxBatch = options.maxBatch ?? 256;
  const maxInFlight = options.maxInFlight ?? 2;
  const minBatchBeside = options.minBatchBeside ?? 1;
  if (!(maxBatch >= 1 && maxInFlight >= 1 && minBatchBeside >= 1)) {
    throw new RangeError('maxBatch, maxInFlight and minBatchBeside must be at least 1');
  }
  const queue: Waiting<T, R>[] = [];
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const stats = { groups: 0, items: 0, failedGroups: 0 };

  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0 && (inFlight === 0 || queue.length >= minBatchBeside)) {
      const group = queue.splice(0, maxBatch);
      inFlight++;
      void flush(group);
    }
    if (inFlight === 0 && queue.length === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const flush = async (group: Waiting<T, R>[]) => {
    try {
      const results = await options.write(group.map((w) => w.item));
      if (results && results.length !== group.length) {
        throw new Error(`group commit: ${results.length} results for ${group.length} items`);
      }
      stats.groups++;
      stats.items += group.length;
      options.committed?.(group.length);
      for (const [i, w] of group.entries()) w.resolve(results ? results[i]! : (undefined as R));
    } catch (cause) {
      stats.failedGroups++;
      for (const w of group) w.reject(options.failure(cause, group.length));
    } finally {
      inFlight--;
      pump();
    }
  };

  return {
    add(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // a microtask later: the callers of the same tick join one group (also when the group waiting beside a
        // write in flight has just grown large enough for a write of its own)
        if (queue.length === 1 || queue.length === minBatchBeside) queueMicrotask(pump);
        else if (queue.length >= maxBatch) pump();
      });
    },
    idle() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ ...stats }),
  };
}

/** The coded error of a verification whose `certificate.verified` event could not be committed. */
export function verificationNotRecorded(cause: unknown, groupSize: number): AppError {
  return new AppError(
    'CERT_VERIFICATION_NOT_RECORDED',
    'the verification could not be recorded (its certificate.verified event was not committed); nothing was answered: retry',
    {
      cause,
      details: { meta: { causeCode: isAppError(cause) ? cause.code : 'UNKNOWN', groupSize: String(groupSize) } },
    },
  );
}

/** The coded error of an issue whose group's transaction failed: nothing of it was written (a retry is safe). */
export function issueNotCommitted(cause: unknown, groupSize: number): AppError {
  return new AppError(
    'CERT_ISSUE_NOT_COMMITTED',
    'the certificate could not be committed (its transaction failed); nothing was issued: retry, with the same idempotency key',
    {
      cause,
      details: { meta: { causeCode: isAppError(cause) ? cause.code : 'UNKNOWN', groupSize: String(groupSize) } },
    },
  );
}
