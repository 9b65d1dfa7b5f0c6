import {
  emptySubjectChain,
  extendSubjectChain,
  type MapNodeId,
  type MapReader,
  type MapUpdate,
  mapProof,
  type SubjectChain,
  type SubjectMapClaim,
  subjectMapValue,
} from '@onceonly/merkle';
import type { Database, Queryable } from '@onceonly/store';
import type { KeyedChain, SubjectMapPort } from '../../app/ports.js';
import { subjectKeyOf } from '../../domain/subject-key.js';
import { bytes, toChain } from './audit-store.js';

// The subject map of ADR 006 in PostgreSQL (or PGlite): versioned, append-only rows (migration 002). Hashes travel
// to the database as hex text arrays and are decoded there, which both drivers take the same way.

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * The map as of checkpoint size `size`: for each node, the row with the greatest size at or below it. One SQL
 * statement per batch of node ids, however many (an update of 64 subjects asks for about 16,000 at once).
 */
export function subjectMapReader(db: Queryable, size: number): MapReader {
  return {
    async nodes(ids: readonly MapNodeId[]) {
      if (ids.length === 0) return [];
      const { rows } = await db.query<{ ord: string; hash: unknown }>(
        `SELECT q.ord, n.hash
         FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS q(depth, prefix, ord)
         JOIN LATERAL (
           SELECT m.hash FROM audit.subject_map_nodes m
           WHERE m.depth = q.depth AND m.prefix = decode(q.prefix, 'hex') AND m.size <= $3
           ORDER BY m.size DESC LIMIT 1
         ) n ON true`,
        [ids.map((id) => id.depth), ids.map((id) => hexOf(id.prefix)), size],
      );
      const out: (Uint8Array | undefined)[] = new Array(ids.length).fill(undefined);
      for (const row of rows) out[Number(row.ord) - 1] = bytes(row.hash);
      return out;
    },
    async value(key: Uint8Array) {
      const chain = await chainAt(db, key, size);
      return chain ? subjectMapValue(chain) : undefined;
    },
  };
}

/** The chain the map held for `key` at checkpoint size `size` (undefined: the subject is absent from the map). */
export async function chainAt(db: Queryable, key: Uint8Array, size: number): Promise<SubjectChain | undefined> {
  const { rows } = await db.query(
    `SELECT count, head, last_index FROM audit.subject_map_values
     WHERE subject_key = decode($1, 'hex') AND size <= $2 ORDER BY size DESC LIMIT 1`,
    [hexOf(key), size],
  );
  return rows[0] ? toChain(rows[0]) : undefined;
}

/** The subject map's port over the checkpoint's transaction. */
export function subjectMapPort(tx: Queryable): SubjectMapPort {
  return {
    async latestSize() {
      const { rows } = await tx.query<{ size: string | null }>('SELECT max(size) AS size FROM audit.subject_map_roots');
      const size = rows[0]?.size;
      return size === null || size === undefined ? undefined : Number(size);
    },
    async rootAt(size) {
      const { rows } = await tx.query('SELECT root FROM audit.subject_map_roots WHERE size = $1', [size]);
      return rows[0] ? bytes(rows[0].root) : undefined;
    },
    async chainsSince(since) {
      const { rows } = await tx.query(
        'SELECT subject_key, count, head, last_index FROM audit.subject_chains WHERE last_index >= $1',
        [since],
      );
      return rows.map((row) => ({ key: bytes(row.subject_key), chain: toChain(row) }));
    },
    reader: (size) => subjectMapReader(tx, size),
    save: (size, update, chains) => saveVersion(tx, size, update, chains),
  };
}

/** Writes one map version: every node of the update, the chains behind its values, and its root. */
async function saveVersion(
  tx: Queryable,
  size: number,
  update: MapUpdate,
  chains: readonly KeyedChain[],
): Promise<void> {
  // ON CONFLICT DO NOTHING: two checkpointers that raced to one size computed the same deterministic rows
  if (update.nodes.length > 0) {
    await tx.query(
      `INSERT INTO audit.subject_map_nodes (depth, prefix, size, hash)
       SELECT d, decode(p, 'hex'), $3, decode(h, 'hex') FROM unnest($1::int[], $2::text[], $4::text[]) AS t(d, p, h)
       ON CONFLICT DO NOTHING`,
      [
        update.nodes.map((n) => n.depth),
        update.nodes.map((n) => hexOf(n.prefix)),
        size,
        update.nodes.map((n) => hexOf(n.hash)),
      ],
    );
  }
  if (chains.length > 0) {
    await tx.query(
      `INSERT INTO audit.subject_map_values (subject_key, size, count, head, last_index)
       SELECT decode(k, 'hex'), $2, c, decode(h, 'hex'), l FROM unnest($1::text[], $3::bigint[], $4::text[], $5::bigint[]) AS t(k, c, h, l)
       ON CONFLICT DO NOTHING`,
      [
        chains.map((c) => hexOf(c.key)),
        size,
        chains.map((c) => c.chain.count),
        chains.map((c) => hexOf(c.chain.head)),
        chains.map((c) => c.chain.lastIndex),
      ],
    );
  }
  await tx.query(
    "INSERT INTO audit.subject_map_roots (size, root) VALUES ($1, decode($2, 'hex')) ON CONFLICT DO NOTHING",
    [size, hexOf(update.root)],
  );
}

const BACKFILL_PAGE = 5_000;

/**
 * Rebuilds every subject's chain from the stored leaves, once, for a log that had leaves before migration 002 (the
 * flag it set). Runs under the tree-head lock, so no append interleaves; the first checkpoint after it then puts
 * every subject in the map. A log migrated empty has nothing to do.
 */
export async function backfillSubjectChains(db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ pending: boolean }>(
      'SELECT pending FROM audit.subject_chain_backfill WHERE id FOR UPDATE',
    );
    if (!rows[0]?.pending) return 0;
    await tx.query('SELECT size FROM audit.tree_head WHERE id FOR UPDATE');
    const chains = await foldLeaves(tx);
    await tx.query('DELETE FROM audit.subject_chains');
    for (let i = 0; i < chains.length; i += BACKFILL_PAGE) {
      const page = chains.slice(i, i + BACKFILL_PAGE);
      await tx.query(
        `INSERT INTO audit.subject_chains (subject_key, count, head, last_index)
         SELECT decode(k, 'hex'), c, decode(h, 'hex'), l FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS t(k, c, h, l)`,
        [
          page.map((c) => hexOf(c.key)),
          page.map((c) => c.chain.count),
          page.map((c) => hexOf(c.chain.head)),
          page.map((c) => c.chain.lastIndex),
        ],
      );
    }
    await tx.query('UPDATE audit.subject_chain_backfill SET pending = false WHERE id');
    return chains.length;
  });
}

/** Every subject's chain over the leaves, in log order (read in pages). */
async function foldLeaves(tx: Queryable): Promise<KeyedChain[]> {
  const chains = new Map<string, KeyedChain>();
  for (let after = -1; ; ) {
    const { rows } = await tx.query<{ leaf_index: string; subject: string; leaf_hash: unknown }>(
      'SELECT leaf_index, subject, leaf_hash FROM audit.leaves WHERE leaf_index > $1 ORDER BY leaf_index LIMIT $2',
      [after, BACKFILL_PAGE],
    );
    for (const row of rows) {
      const key = subjectKeyOf(row.subject);
      if (!key) continue;
      const id = hexOf(key);
      const chain = chains.get(id)?.chain ?? emptySubjectChain();
      chains.set(id, { key, chain: extendSubjectChain(chain, Number(row.leaf_index), bytes(row.leaf_hash)) });
    }
    if (rows.length < BACKFILL_PAGE) return [...chains.values()];
    after = Number(rows.at(-1)!.leaf_index);
  }
}

/**
 * The subject's chain in the map at checkpoint size `size` and its proof, read from the versioned tables (ADR 006);
 * undefined when the log keeps no map version of that size, or the subject cannot be a map key (empty).
 */
export async function subjectMapClaim(
  db: Queryable,
  subject: string,
  size: number,
): Promise<SubjectMapClaim | undefined> {
  if ((await subjectMapPort(db).rootAt(size)) === undefined) return undefined;
  const key = subjectKeyOf(subject);
  if (key === undefined) return undefined;
  const [{ proof }, chain] = await Promise.all([mapProof(subjectMapReader(db, size), key), chainAt(db, key, size)]);
  return { chain, proof };
}
