import { consistencyProof } from '@onceonly/merkle';
import type { Queryable } from '@onceonly/store';
import type { ReplayLogSource } from '../../app/replay.js';
import type { VerifiableEntry } from '../../domain/log-verifier.js';
import { checkpointStore, hashReader, logReader } from './audit-store.js';
import { bytes } from './columns.js';

const PAGE = 1000;
/** Entries per page of the log's read: large, so that few round trips carry it (about 1 MiB each with bodies). */
const ENTRY_PAGE = 2000;

/**
 * The stored log read straight from the database: for a replay while the hub is stopped (the embedded data folder
 * is locked while it runs), and for tests. Reads the entries in pages of 2000 (keyset on the leaf index), the next
 * page asked for while the current one is checked, so that PostgreSQL works while the replay does; the replay takes
 * them a page at a time (`pages`, ADR 055).
 */
export function databaseLogSource(db: Queryable): ReplayLogSource {
  const reader = logReader(db);
  return {
    async info() {
      // three reads that do not depend on each other, asked at once
      const [keys, head, topics] = await Promise.all([checkpointStore.keys(db), reader.head(), reader.topics()]);
      return {
        origin: keys.at(-1)?.origin ?? '',
        verifierKeys: keys.map((k) => k.verifierKey),
        size: head.size,
        topics,
      };
    },
    async checkpoints() {
      const all = [];
      for (let after: number | undefined; ; ) {
        const page = await reader.checkpoints(after, PAGE);
        all.push(...page.map((c) => ({ size: c.size, signedNote: c.note })));
        if (page.length < PAGE) return all;
        after = page.at(-1)!.size;
      }
    },
    pages: (size, options) => pagesOf(db, size, options?.bodies ?? true),
    async *entries(size, options) {
      for await (const page of pagesOf(db, size, options?.bodies ?? true)) yield* page;
    },
    consistencyProof: async (first, second) => consistencyProof(hashReader(db, second), first, second),
    findEvent: async (eventId) => (await reader.entryByEventId(eventId, false))?.leafIndex,
  };
}

/**
 * The log's entries below `size` in pages of {@link ENTRY_PAGE} (keyset on the leaf index), the next page asked for
 * while the current one is checked.
 */
async function* pagesOf(db: Queryable, size: number, bodies: boolean): AsyncGenerator<VerifiableEntry[]> {
  const page = (start: number) =>
    start < size ? replayPage(db, start, Math.min(size, start + ENTRY_PAGE), bodies) : undefined;
  let next = page(0);
  try {
    for (let start = 0; next !== undefined; start += ENTRY_PAGE) {
      const leaves = await next;
      next = page(start + ENTRY_PAGE);
      yield leaves;
    }
  } finally {
    // a replay that stopped early (the bus failed) leaves a page in flight: let it settle, unobserved
    next?.catch(() => undefined);
  }
}

/**
 * One page of the log as the replay checks it: the leaf, the stored hash and columns it is compared with, where it
 * was read, and the body or (without bodies) its SHA-256 computed by PostgreSQL (`sha256(data)`: 32 bytes on the wire
 * and no hashing here instead of the whole body; the check is the same, against the leaf's `datasha256`). Not the
 * columns the replay does not check (time, the read-access columns).
 */
async function replayPage(db: Queryable, start: number, end: number, bodies: boolean): Promise<VerifiableEntry[]> {
  const { rows } = await db.query(
    `SELECT leaf_index, event_id, topic, partition, "offset", source, type, subject, sequence, leaf_hash, canonical,
       causation_id,
       ${bodies ? 'data' : 'sha256(data) AS data_sha256'}
     FROM audit.leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index`,
    [start, end],
  );
  return rows.map((row) => ({
    leafIndex: Number(row.leaf_index),
    canonical: bytes(row.canonical),
    leafHash: bytes(row.leaf_hash),
    ...(bodies ? { data: bytes(row.data) } : { dataSha256: bytes(row.data_sha256) }),
    columns: {
      id: String(row.event_id),
      source: String(row.source),
      type: String(row.type),
      subject: String(row.subject),
      sequence: String(row.sequence),
    },
    topic: String(row.topic),
    partition: Number(row.partition),
    offset: String(row.offset),
    ...(row.causation_id == null ? {} : { causationId: String(row.causation_id) }),
  }));
}
