import type { HashReader } from '@onceonly/merkle';
import type { Queryable } from '@onceonly/store';
import { bytes } from './columns.js';

const HASH_BYTES = 32;

/** Options of {@link UpperNodes}. */
export interface UpperNodesOptions {
  /** The lowest level kept in memory (default 6: a proof then reads at most 6 hashes from the database). */
  readonly fromLevel?: number;
  /**
   * Memory the hashes may take (default 32 MiB). When the log outgrows it, the lowest level kept is dropped (its
   * hashes are read from the database again): about 32 bytes × size / 2^(fromLevel − 1), 1 MiB per 1,000,000
   * entries at level 6.
   */
  readonly maxBytes?: number;
}

/**
 * The upper levels of the audit tree, kept in memory for proofs (ADR 013). A complete aligned subtree's hash never
 * changes once its last leaf is appended (RFC 9162 §2.1: the log is append-only), so the cache is only ever
 * extended, never invalidated: no appender has to tell it anything. It holds, per level ≥ `fromLevel`, the
 * contiguous run of complete nodes from index 0 that it has read, and reads the ones completed since in one query
 * when a proof asks for a node beyond that run. One instance per process and database.
 */
export class UpperNodes {
  #from: number;
  readonly #maxBytes: number;
  /** Per level (index = level − #from): the hashes of nodes 0 … count − 1, back to back. */
  #levels: { bytes: Buffer; count: number }[] = [];
  #refreshing: Promise<void> | undefined;
  #loads = 0;

  constructor(options: UpperNodesOptions = {}) {
    this.#from = options.fromLevel ?? 6;
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    if (!Number.isInteger(this.#from) || this.#from < 1 || this.#from > 63) {
      throw new RangeError(`fromLevel must be an integer in [1, 63], got ${this.#from}`);
    }
  }

  /** The lowest level kept. */
  get fromLevel(): number {
    return this.#from;
  }

  /** Hashes held, bytes they take, and how many refresh queries ran: for the bench and metrics. */
  stats(): { nodes: number; bytes: number; loads: number; fromLevel: number } {
    const nodes = this.#levels.reduce((n, l) => n + l.count, 0);
    return { nodes, bytes: nodes * HASH_BYTES, loads: this.#loads, fromLevel: this.#from };
  }

  /** Whether `level` is one this cache answers for. */
  covers(level: number): boolean {
    return level >= this.#from;
  }

  /** The hash of the complete node, when read already. */
  get(level: number, index: number): Uint8Array | undefined {
    const run = this.#levels[level - this.#from];
    if (run === undefined || level < this.#from || index >= run.count) return undefined;
    return run.bytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  /**
   * Reads the nodes completed since the last read, one query for every level; concurrent callers share it. Only a
   * contiguous run from each level's known end is taken, so a hole (which the append transaction rules out) could
   * never be papered over.
   */
  refresh(db: Queryable): Promise<void> {
    this.#refreshing ??= this.#read(db).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #read(db: Queryable): Promise<void> {
    this.#loads++;
    const levels = Array.from({ length: 64 - this.#from }, (_, i) => this.#from + i);
    const { rows } = await db.query<{ level: number; index: string; hash: Uint8Array }>(
      `SELECT n.level, n."index", n.hash FROM audit.nodes n
       JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, from_index)
         ON n.level = k.level AND n."index" >= k.from_index
       ORDER BY n.level, n."index"`,
      [levels, levels.map((level) => this.#levels[level - this.#from]?.count ?? 0)],
    );
    for (const row of rows) {
      const level = Number(row.level);
      const index = Number(row.index);
      const slot = level - this.#from;
      const run = this.#levels[slot] ?? { bytes: Buffer.alloc(0), count: 0 };
      this.#levels[slot] = run;
      if (index !== run.count) continue; // not contiguous: leave it to the database
      if ((run.count + 1) * HASH_BYTES > run.bytes.length) {
        const grown = Buffer.alloc(Math.max(HASH_BYTES * 64, run.bytes.length * 2));
        run.bytes.copy(grown, 0, 0, run.count * HASH_BYTES);
        run.bytes = grown;
      }
      Buffer.from(bytes(row.hash)).copy(run.bytes, run.count * HASH_BYTES);
      run.count++;
    }
    for (let i = 0; i < this.#levels.length; i++) this.#levels[i] ??= { bytes: Buffer.alloc(0), count: 0 };
    // over budget: give up the lowest level (the one with the most nodes) until it fits
    while (this.stats().bytes > this.#maxBytes && this.#levels.length > 1) {
      this.#levels.shift();
      this.#from++;
    }
  }
}

/** Hashes read beside something else (an entry's siblings, a checkpoint's right edge), by `${level}/${index}`. */
export type KnownHashes = ReadonlyMap<string, Uint8Array>;

/** The key of a hash in {@link KnownHashes}. */
export const hashKey = (level: number, index: number): string => `${level}/${index}`;

type Want = {
  level: number;
  index: number;
  resolve: (h: Uint8Array | undefined) => void;
  reject: (e: unknown) => void;
};

/**
 * The tree's hashes for proofs: leaf hashes from `leaves`, interior nodes from `nodes`, the upper levels from
 * `upper` when given. Every complete subtree is stored, so a proof needs O(log n) hashes. The proof functions ask
 * for all their hashes at once; the reader gathers the requests of one tick and answers them with one query of a
 * fixed shape (leaves and nodes together; a transaction is one connection: its queries must not overlap, and one
 * round trip beats forty). With `upper`, that query holds only the levels below the cache's (at most
 * `fromLevel` hashes), plus a refresh of the cache when a node was completed after its last read. The `known`
 * hashes (read beside the entry and the checkpoint, ADR 016) are not read again: with an entry's siblings below
 * the cache and the checkpoint's right edge, a proof reads nothing.
 */
export function hashReader(
  db: Queryable,
  size: number,
  upper?: UpperNodes,
  known: KnownHashes = new Map(),
): HashReader {
  let batch: Want[] = [];
  let chain: Promise<void> = Promise.resolve();
  const flush = async (wants: Want[]) => {
    try {
      let rest = wants;
      if (upper) {
        const missing = (w: Want) => upper.covers(w.level) && upper.get(w.level, w.index) === undefined;
        if (wants.some(missing)) await upper.refresh(db);
        rest = [];
        for (const w of wants) {
          const hash = upper.covers(w.level) ? upper.get(w.level, w.index) : undefined;
          if (hash) w.resolve(hash);
          else rest.push(w);
        }
      }
      if (rest.length === 0) return;
      const found = await readHashes(db, rest);
      for (const w of rest) w.resolve(found.get(hashKey(w.level, w.index)));
    } catch (err) {
      for (const w of wants) w.reject(err);
    }
  };
  const want = (level: number, index: number) =>
    new Promise<Uint8Array | undefined>((resolve, reject) => {
      if (batch.length === 0) {
        queueMicrotask(() => {
          const wants = batch;
          batch = [];
          chain = chain.then(() => flush(wants));
        });
      }
      batch.push({ level, index, resolve, reject });
    });
  return {
    size,
    // a missing leaf row is corrupt storage: the proof functions turn the undefined into READER_INCONSISTENT
    leaf: (index) => {
      const hash = known.get(hashKey(0, index));
      return hash ? Promise.resolve(hash) : (want(0, index) as Promise<Uint8Array>);
    },
    node: (level, index) => {
      const hash = known.get(hashKey(level, index));
      return hash ? Promise.resolve(hash) : want(level, index);
    },
  };
}

/** The hashes at these positions (leaves at level 0), in one statement of a fixed shape; missing ones absent. */
export async function readKnownHashes(
  db: Queryable,
  positions: ReadonlyArray<{ level: number; index: number }>,
): Promise<Map<string, Uint8Array>> {
  if (positions.length === 0) return new Map();
  return readHashes(db, positions);
}

/** Leaf and node hashes in one statement of a fixed shape (three array parameters, whatever is asked). */
async function readHashes(
  db: Queryable,
  wants: ReadonlyArray<{ level: number; index: number }>,
): Promise<Map<string, Uint8Array>> {
  const leaves = [...new Set(wants.filter((w) => w.level === 0).map((w) => w.index))];
  const nodes = wants.filter((w) => w.level > 0);
  const { rows } = await db.query<{ level: number; index: string; hash: Uint8Array }>(
    `SELECT 0::smallint AS level, leaf_index AS "index", leaf_hash AS hash FROM audit.leaves
       WHERE leaf_index = ANY($1::bigint[])
     UNION ALL
     SELECT n.level, n."index", n.hash FROM audit.nodes n
       JOIN unnest($2::smallint[], $3::bigint[]) AS w(level, "index") ON n.level = w.level AND n."index" = w."index"`,
    [leaves, nodes.map((w) => w.level), nodes.map((w) => w.index)],
  );
  const found = new Map<string, Uint8Array>();
  for (const r of rows) found.set(hashKey(Number(r.level), Number(r.index)), bytes(r.hash));
  return found;
}
