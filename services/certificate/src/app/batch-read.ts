/**
 * Read batching (ADR 012): concurrent callers each ask for one key; the keys asked for while the reads in flight are
 * busy are gathered and read together, in one statement, by the next read that starts (a lone key is read at once).
 * A caller never joins a read that had already started when it asked, so it sees whatever committed before it asked.
 * Pure logic: the statement is the `load` function given.
 */
export interface BatchReadOptions<K, V> {
  /** Reads the values of `keys` in one statement; a key without a value is left out of the map. */
  readonly load: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>;
  /** Most keys in one read (default 256). */
  readonly maxBatch?: number;
  /** Reads in flight at once (default 4). */
  readonly maxInFlight?: number;
}

interface Asking<K, V> {
  readonly key: K;
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/** A function reading one key through batches: resolves with its value, or undefined; rejects with the read's error. */
export function batchRead<K, V>(options: BatchReadOptions<K, V>): (key: K) => Promise<V | undefined> {
  const maxBatch = options.maxBatch ?? 256;
  const maxInFlight = options.maxInFlight ?? 4;
  if (!(maxBatch >= 1 && maxInFlight >= 1)) throw new RangeError('maxBatch and maxInFlight must be at least 1');
  const queue: Asking<K, V>[] = [];
  let inFlight = 0;

  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      void read(batch);
    }
  };

  const read = async (batch: Asking<K, V>[]) => {
    try {
      const values = await options.load([...new Set(batch.map((a) => a.key))]);
      for (const a of batch) a.resolve(values.get(a.key));
    } catch (err) {
      for (const a of batch) a.reject(err);
    } finally {
      inFlight--;
      pump();
    }
  };

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      if (queue.length === 1) queueMicrotask(pump);
      else if (queue.length >= maxBatch) pump();
    });
}
