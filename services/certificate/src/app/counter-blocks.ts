/**
 * Counter values handed out from blocks reserved ahead (ADR 017): licence numbers per number scope and status-list
 * slots per issuer. A reservation is one statement that advances each counter it names by a whole block and commits;
 * the values of the block are then handed out from memory, in arrival order, so that most issues send no statement
 * for their number and slot. Values stay unique and are never reused: a block is the process's alone. Values reserved
 * and never handed out (the process stops or crashes) are gaps, which licence numbers and slots allow (ADR 008).
 *
 * Blocks adapt to the rate: a counter's block starts at one value; a block used up within `windowMs` of its
 * reservation doubles the next one (up to `maxBlock`), a block that lasted longer halves it. At a few issues a minute
 * every reservation is one value (no gap on a restart); under load at most about `windowMs` worth of values is lost
 * per counter when the process dies. Pure logic: the statement is the `reserve` function given.
 */
export interface CounterBlocksOptions {
  /**
   * Advances each counter by its count in one committed statement; resolves with the first value of each reserved
   * range (`first`, `first + 1`, ..., `first + count - 1`), by counter.
   */
  readonly reserve: (counts: ReadonlyMap<string, number>) => Promise<ReadonlyMap<string, number>>;
  /** Largest block (default 64). */
  readonly maxBlock?: number;
  /** A block used up within this time makes the next one twice as large (default 1,000 ms). */
  readonly windowMs?: number;
  /** Monotonic milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

interface Counter {
  /** Reserved values not handed out yet, oldest range first: `[next, end)` each. */
  readonly ranges: { next: number; end: number }[];
  /** The size of the last reservation, and when it was made. */
  size: number;
  reservedAt: number;
}

interface Asking {
  readonly counters: readonly string[];
  readonly resolve: (values: number[]) => void;
  readonly reject: (err: unknown) => void;
}

/** A function taking one value of each named counter: resolves with them in order; rejects with the reservation's error. */
export function counterBlocks(options: CounterBlocksOptions): (counters: readonly string[]) => Promise<number[]> {
  const maxBlock = options.maxBlock ?? 64;
  const windowMs = options.windowMs ?? 1_000;
  const now = options.now ?? (() => performance.now());
  if (!(maxBlock >= 1 && windowMs >= 0)) throw new RangeError('maxBlock must be at least 1, windowMs not negative');
  const counters = new Map<string, Counter>();
  const queue: Asking[] = [];
  let reserving = false;

  const available = (name: string) =>
    (counters.get(name)?.ranges ?? []).reduce((sum, range) => sum + (range.end - range.next), 0);

  const take = (name: string): number => {
    const ranges = counters.get(name)!.ranges;
    const range = ranges[0]!;
    const value = range.next++;
    if (range.next === range.end) ranges.shift();
    return value;
  };

  const servable = (asking: Asking) =>
    asking.counters.every((c) => available(c) >= asking.counters.filter((d) => d === c).length);

  /** Serves the waiting requests in arrival order while their counters have values; true when one must wait. */
  const serve = (): boolean => {
    while (queue.length > 0) {
      const head = queue[0]!;
      if (!servable(head)) return true;
      queue.shift();
      head.resolve(head.counters.map(take));
    }
    return false;
  };

  /** The next block of a counter: twice the last when that was used up within the window, else half. */
  const blockSize = (name: string, at: number): number => {
    const counter = counters.get(name);
    if (counter === undefined) return 1;
    const size = at - counter.reservedAt <= windowMs ? counter.size * 2 : counter.size / 2;
    return Math.min(maxBlock, Math.max(1, Math.floor(size)));
  };

  const pump = () => {
    if (!serve() || reserving) return;
    // every waiting request's shortfall, at least the counter's next block
    const demand = new Map<string, number>();
    for (const asking of queue) for (const c of asking.counters) demand.set(c, (demand.get(c) ?? 0) + 1);
    const at = now();
    const counts = new Map<string, number>();
    for (const [name, wanted] of demand) {
      const short = wanted - available(name);
      if (short > 0) counts.set(name, Math.max(short, blockSize(name, at)));
    }
    reserving = true;
    void reserve(counts, at);
  };

  const reserve = async (counts: ReadonlyMap<string, number>, at: number) => {
    try {
      const firsts = await options.reserve(counts);
      for (const name of counts.keys()) {
        const first = firsts.get(name);
        if (first === undefined || !Number.isSafeInteger(first)) {
          throw new Error(`counter blocks: no values reserved for ${name}`);
        }
      }
      for (const [name, count] of counts) {
        const first = firsts.get(name)!;
        const counter = counters.get(name) ?? { ranges: [], size: count, reservedAt: at };
        counter.ranges.push({ next: first, end: first + count });
        counter.size = count;
        counter.reservedAt = at;
        counters.set(name, counter);
      }
    } catch (err) {
      // the requests waiting now fail with the reservation's error (nothing of theirs was taken); later ones retry
      for (const asking of queue.splice(0, queue.length)) asking.reject(err);
    } finally {
      reserving = false;
      pump();
    }
  };

  return (names) =>
    new Promise<number[]>((resolve, reject) => {
      queue.push({ counters: names, resolve, reject });
      pump();
    });
}
