import type { SubjectChain, SubtreeNode } from '@onceonly/merkle';
import type { Database, Queryable } from '@onceonly/store';
import {
  type AppendPort,
  type BatchAppendPort,
  type EntryAtLatest,
  type KeyedChain,
  type LeafRecord,
  type LeafRef,
  type LogReader,
  type NewGapRecord,
  type SearchFilter,
  type SequenceGapRecord,
  type SourceSequence,
  type StoredCheckpoint,
  type StoredCosignature,
  sequenceKey,
  type TreeHead,
} from '../../app/ports.js';
import { KEY_ROTATION_EXTENSION } from '../../domain/key-rotation.js';
import type { CachedCheckpoint, LatestCheckpoint } from './checkpoint-cache.js';
import { buf, bytes } from './columns.js';
import { hashReader, readKnownHashes, type UpperNodes } from './hash-reader.js';

export { LatestCheckpoint } from './checkpoint-cache.js';
export { buf, bytes } from './columns.js';
export { hashReader, UpperNodes } from './hash-reader.js';

/** The schema the audit log keeps its tables in. */
export const AUDIT_SCHEMA = 'audit';

const HASH = 32;

type Row = Record<string, unknown>;

function splitRange(concatenated: Uint8Array): Uint8Array[] {
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < concatenated.length; i += HASH) hashes.push(concatenated.subarray(i, i + HASH));
  return hashes;
}

const LEAF_COLUMNS = `leaf_index, event_id, topic, partition, "offset", source, type, subject, "time", sequence,
  body_sha256, leaf_hash, canonical, appended_at, actor, issuer, secret_until, causation_id`;

function leafColumns(withData: boolean): string {
  return withData ? `${LEAF_COLUMNS}, data` : LEAF_COLUMNS;
}

function toLeaf(row: Row): LeafRecord {
  return {
    leafIndex: Number(row.leaf_index),
    eventId: String(row.event_id),
    topic: String(row.topic),
    partition: Number(row.partition),
    offset: String(row.offset),
    source: String(row.source),
    type: String(row.type),
    subject: String(row.subject),
    time: row.time as Date,
    sequence: String(row.sequence),
    bodySha256: bytes(row.body_sha256),
    leafHash: bytes(row.leaf_hash),
    canonical: bytes(row.canonical),
    data: row.data === undefined ? new Uint8Array(0) : bytes(row.data),
    appendedAt: row.appended_at as Date,
    ...(row.actor == null ? {} : { actor: String(row.actor) }),
    ...(row.issuer == null ? {} : { issuer: String(row.issuer) }),
    ...(row.secret_until == null ? {} : { secretUntil: row.secret_until as Date }),
    ...(row.causation_id == null ? {} : { causationId: String(row.causation_id) }),
  };
}

/** A subject chain from a row with `count`, `head` and `last_index`. */
export function toChain(row: Row): SubjectChain {
  return { count: Number(row.count), head: bytes(row.head), lastIndex: Number(row.last_index) };
}

function toSequence(row: Row): SourceSequence {
  return {
    source: String(row.source),
    contiguous: BigInt(String(row.contiguous)),
    maxSeen: BigInt(String(row.max_seen)),
    events: BigInt(String(row.events)),
  };
}

function toGap(row: Row): SequenceGapRecord {
  return {
    id: String(row.id),
    source: String(row.source),
    kind: row.kind === 'repeat' ? 'repeat' : 'gap',
    expected: BigInt(String(row.expected)),
    got: BigInt(String(row.got)),
    eventId: String(row.event_id),
    detectedAt: row.detected_at as Date,
    ...(row.resolved_at ? { resolvedAt: row.resolved_at as Date } : {}),
  };
}

/** The append port over one transaction. */
export function appendPort(tx: Queryable): AppendPort {
  return {
    async lockHead(subjectKey?: Uint8Array) {
      const { rows } = await tx.query('SELECT size, range_hashes, root FROM audit.tree_head WHERE id FOR UPDATE');
      const row = rows[0];
      if (!row) throw new Error('audit.tree_head is missing');
      const head = { size: Number(row.size), range: splitRange(bytes(row.range_hashes)), root: bytes(row.root) };
      if (!subjectKey) return head;
      // a statement of its own, after the lock: a statement that waited for the lock would read the chain as of
      // before the wait, missing what the append that held the lock committed (ADR 011)
      const chain = await tx.query('SELECT count, head, last_index FROM audit.subject_chains WHERE subject_key = $1', [
        buf(subjectKey),
      ]);
      return chain.rows[0] ? { ...head, chain: toChain(chain.rows[0]) } : head;
    },
    async saveSubjectChain(subjectKey: Uint8Array, chain: SubjectChain) {
      const { rowCount } = await tx.query(
        `INSERT INTO audit.subject_chains (subject_key, count, head, last_index) VALUES ($1, $2, $3, $4)
         ON CONFLICT (subject_key) DO UPDATE SET count = EXCLUDED.count, head = EXCLUDED.head,
           last_index = EXCLUDED.last_index
         WHERE audit.subject_chains.last_index < EXCLUDED.last_index`,
        [buf(subjectKey), chain.count, buf(chain.head), chain.lastIndex],
      );
      if (rowCount !== 1) throw new Error('a subject chain moved backwards: the tree head lock was not held');
    },
    async saveHead(head: TreeHead) {
      await tx.query(
        'UPDATE audit.tree_head SET size = $1, range_hashes = $2, root = $3, updated_at = now() WHERE id',
        [head.size, Buffer.concat(head.range.map(buf)), buf(head.root)],
      );
    },
    async insertLeaf(leaf: LeafRecord) {
      const { rowCount } = await tx.query(
        `INSERT INTO audit.leaves (leaf_index, event_id, topic, partition, "offset", source, type, subject, "time",
           sequence, body_sha256, leaf_hash, canonical, data, actor, issuer, secret_until, causation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (event_id) DO NOTHING`,
        leafParams(leaf),
      );
      return rowCount === 1;
    },
    async insertNodes(nodes: readonly SubtreeNode[]) {
      if (nodes.length === 0) return;
      const values = nodes.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`).join(', ');
      await tx.query(
        `INSERT INTO audit.nodes (level, "index", hash) VALUES ${values}`,
        nodes.flatMap((n) => [n.level, n.index, buf(n.hash)]),
      );
    },
    async sequenceOf(source: string) {
      const { rows } = await tx.query('SELECT * FROM audit.source_sequences WHERE source = $1', [source]);
      return rows[0] ? toSequence(rows[0]) : undefined;
    },
    async sequenceLogged(source: string, sequence: bigint, eventId: string) {
      const { rows } = await tx.query(
        'SELECT 1 FROM audit.leaves WHERE source = $1 AND sequence = $2 AND event_id <> $3 LIMIT 1',
        [source, String(sequence), eventId],
      );
      return rows.length > 0;
    },
    async sequencesAbove(source: string, after: bigint, limit: number) {
      const { rows } = await tx.query<{ sequence: string }>(
        'SELECT sequence FROM audit.leaves WHERE source = $1 AND sequence > $2 ORDER BY sequence LIMIT $3',
        [source, String(after), limit],
      );
      return rows.map((r) => BigInt(r.sequence));
    },
    async saveSequence(state: SourceSequence) {
      await tx.query(
        `INSERT INTO audit.source_sequences (source, contiguous, max_seen, events) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source) DO UPDATE SET contiguous = EXCLUDED.contiguous, max_seen = EXCLUDED.max_seen,
           events = EXCLUDED.events, updated_at = now()`,
        [state.source, String(state.contiguous), String(state.maxSeen), String(state.events)],
      );
    },
    async recordGap(gap) {
      await tx.query(
        `INSERT INTO audit.gaps (source, kind, expected, got, event_id, detected_at, resolved_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL)`,
        [gap.source, gap.kind, String(gap.expected), String(gap.got), gap.eventId, gap.detectedAt],
      );
    },
    async resolveGaps(source: string, contiguous: bigint, at: Date) {
      await tx.query(
        `UPDATE audit.gaps SET resolved_at = $3
         WHERE source = $1 AND kind = 'gap' AND resolved_at IS NULL AND got - 1 <= $2`,
        [source, String(contiguous), at],
      );
    },
  };
}

/** Rows per multi-row INSERT of leaves: 18 parameters each, well below PostgreSQL's 65,535. */
const LEAVES_PER_INSERT = 1_000;

function hexOf(bytes: Uint8Array): string {
  return buf(bytes).toString('hex');
}

/** The batch append port over one transaction (ADR 011): a fixed number of statements per batch. */
export function batchAppendPort(tx: Queryable): BatchAppendPort {
  return {
    async lockHeadWithChains(subjectKeys) {
      const { rows } = await tx.query('SELECT size, range_hashes, root FROM audit.tree_head WHERE id FOR UPDATE');
      const row = rows[0];
      if (!row) throw new Error('audit.tree_head is missing');
      const head = { size: Number(row.size), range: splitRange(bytes(row.range_hashes)), root: bytes(row.root) };
      const chains = new Map<string, SubjectChain>();
      if (subjectKeys.length === 0) return { head, chains };
      // a statement of its own, after the lock: a statement that waited for the lock would read the chains as of
      // before the wait, missing what the batch that held the lock committed (ADR 011)
      const found = await tx.query(
        `SELECT subject_key, count, head, last_index FROM audit.subject_chains
         WHERE subject_key IN (SELECT decode(k, 'hex') FROM unnest($1::text[]) AS k)`,
        [subjectKeys.map(hexOf)],
      );
      for (const r of found.rows) chains.set(hexOf(bytes(r.subject_key)), toChain(r));
      return { head, chains };
    },
    async loggedEventIds(eventIds) {
      if (eventIds.length === 0) return new Set();
      const { rows } = await tx.query<{ event_id: string }>(
        'SELECT event_id FROM audit.leaves WHERE event_id = ANY($1::text[])',
        [eventIds],
      );
      return new Set(rows.map((r) => r.event_id));
    },
    async sequencesOf(sources) {
      const { rows } = await tx.query('SELECT * FROM audit.source_sequences WHERE source = ANY($1::text[])', [
        [...sources],
      ]);
      return new Map(rows.map((r) => [String(r.source), toSequence(r)]));
    },
    async sequencesLogged(pairs) {
      if (pairs.length === 0) return new Set();
      const { rows } = await tx.query<{ source: string; sequence: string }>(
        `SELECT DISTINCT l.source, l.sequence FROM unnest($1::text[], $2::bigint[]) AS p(source, sequence)
         JOIN audit.leaves l ON l.source = p.source AND l.sequence = p.sequence`,
        [pairs.map((p) => p.source), pairs.map((p) => String(p.sequence))],
      );
      return new Set(rows.map((r) => sequenceKey(r.source, BigInt(r.sequence))));
    },
    async sequencesAbove(source, after, limit) {
      const { rows } = await tx.query<{ sequence: string }>(
        'SELECT sequence FROM audit.leaves WHERE source = $1 AND sequence > $2 ORDER BY sequence LIMIT $3',
        [source, String(after), limit],
      );
      return rows.map((r) => BigInt(r.sequence));
    },
    async insertLeaves(leaves) {
      for (let i = 0; i < leaves.length; i += LEAVES_PER_INSERT) {
        const chunk = leaves.slice(i, i + LEAVES_PER_INSERT);
        const params: unknown[] = [];
        const values = chunk.map((leaf) => {
          const n = params.length;
          params.push(...leafParams(leaf));
          return `(${Array.from({ length: 18 }, (_, k) => `$${n + k + 1}`).join(', ')})`;
        });
        // no ON CONFLICT: the caller appends only ids that are not leaves, under the head lock
        await tx.query(
          `INSERT INTO audit.leaves (leaf_index, event_id, topic, partition, "offset", source, type, subject, "time",
             sequence, body_sha256, leaf_hash, canonical, data, actor, issuer, secret_until, causation_id)
           VALUES ${values.join(', ')}`,
          params,
        );
      }
    },
    async insertNodes(nodes) {
      if (nodes.length === 0) return;
      await tx.query(
        `INSERT INTO audit.nodes (level, "index", hash)
         SELECT l, i, decode(h, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS t(l, i, h)`,
        [nodes.map((n) => n.level), nodes.map((n) => String(n.index)), nodes.map((n) => hexOf(n.hash))],
      );
    },
    async saveHead(head) {
      await tx.query(
        'UPDATE audit.tree_head SET size = $1, range_hashes = $2, root = $3, updated_at = now() WHERE id',
        [head.size, Buffer.concat(head.range.map(buf)), buf(head.root)],
      );
    },
    async saveSubjectChains(chains: readonly KeyedChain[]) {
      if (chains.length === 0) return;
      const { rowCount } = await tx.query(
        `INSERT INTO audit.subject_chains (subject_key, count, head, last_index)
         SELECT decode(k, 'hex'), c, decode(h, 'hex'), l FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS t(k, c, h, l)
         ON CONFLICT (subject_key) DO UPDATE SET count = EXCLUDED.count, head = EXCLUDED.head,
           last_index = EXCLUDED.last_index
         WHERE audit.subject_chains.last_index < EXCLUDED.last_index`,
        [
          chains.map((c) => hexOf(c.key)),
          chains.map((c) => c.chain.count),
          chains.map((c) => hexOf(c.chain.head)),
          chains.map((c) => c.chain.lastIndex),
        ],
      );
      if (rowCount !== chains.length)
        throw new Error('a subject chain moved backwards: the tree head lock was not held');
    },
    async saveSequences(states) {
      if (states.length === 0) return;
      await tx.query(
        `INSERT INTO audit.source_sequences (source, contiguous, max_seen, events)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (source) DO UPDATE SET contiguous = EXCLUDED.contiguous, max_seen = EXCLUDED.max_seen,
           events = EXCLUDED.events, updated_at = now()`,
        [
          states.map((s) => s.source),
          states.map((s) => String(s.contiguous)),
          states.map((s) => String(s.maxSeen)),
          states.map((s) => String(s.events)),
        ],
      );
    },
    async recordGaps(gaps: readonly NewGapRecord[]) {
      if (gaps.length === 0) return;
      // ids (bigserial) in the batch's order, as one insert per gap would give them
      await tx.query(
        `INSERT INTO audit.gaps (source, kind, expected, got, event_id, detected_at, resolved_at)
         SELECT s, k, e, g, i, d, r
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[])
           WITH ORDINALITY AS t(s, k, e, g, i, d, r, n)
         ORDER BY n`,
        [
          gaps.map((g) => g.source),
          gaps.map((g) => g.kind),
          gaps.map((g) => String(g.expected)),
          gaps.map((g) => String(g.got)),
          gaps.map((g) => g.eventId),
          gaps.map((g) => g.detectedAt.toISOString()),
          gaps.map((g) => g.resolvedAt?.toISOString() ?? null),
        ],
      );
    },
    async resolveGaps(resolved, at) {
      if (resolved.length === 0) return;
      await tx.query(
        `UPDATE audit.gaps g SET resolved_at = $3
         FROM unnest($1::text[], $2::bigint[]) AS r(source, contiguous)
         WHERE g.source = r.source AND g.kind = 'gap' AND g.resolved_at IS NULL AND g.got - 1 <= r.contiguous`,
        [resolved.map((r) => r.source), resolved.map((r) => String(r.contiguous)), at],
      );
    },
  };
}

/** The 18 columns of a leaf row, in the order of `audit.leaves` (one leaf or one row of a multi-row INSERT). */
function leafParams(leaf: LeafRecord): unknown[] {
  return [
    leaf.leafIndex,
    leaf.eventId,
    leaf.topic,
    leaf.partition,
    leaf.offset,
    leaf.source,
    leaf.type,
    leaf.subject,
    leaf.time,
    leaf.sequence,
    buf(leaf.bodySha256),
    buf(leaf.leafHash),
    buf(leaf.canonical),
    buf(leaf.data),
    leaf.actor ?? null,
    leaf.issuer ?? null,
    leaf.secretUntil ?? null,
    leaf.causationId ?? null,
  ];
}

/** The most levels of siblings read beside an entry (the default lowest level kept in memory is 6). */
const MAX_SIBLING_LEVELS = 6;

/**
 * The entry (by index or event id) with its body; in the same statement its siblings below level `$2` (the leaf
 * next to it, then one node per level: what its proof needs below the levels in memory, as keys and concatenated
 * hashes), and the latest checkpoint's size and number of cosignatures (ADR 016). Primary-key probes only.
 */
function entryAtLatestSql(byEventId: boolean): string {
  const entryColumns = leafColumns(true)
    .split(',')
    .map((c) => `e.${c.trim()}`)
    .join(', ');
  return `SELECT ${entryColumns}, s.keys AS sibling_keys, s.hashes AS sibling_hashes,
    c.size AS latest_size, c.cosignatures AS latest_cosignatures
  FROM audit.leaves e
  LEFT JOIN LATERAL (
    SELECT string_agg(x.level::text || '/' || x."index"::text, ',' ORDER BY x.level) AS keys,
      string_agg(x.hash, ''::bytea ORDER BY x.level) AS hashes
    FROM (
      SELECT 0 AS level, l.leaf_index AS "index", l.leaf_hash AS hash
        FROM audit.leaves l WHERE l.leaf_index = e.leaf_index # 1::bigint
      UNION ALL
      SELECT g.level, n."index", n.hash FROM generate_series(1, $2::int - 1) AS g(level)
        JOIN audit.nodes n ON n.level = g.level AND n."index" = (e.leaf_index >> g.level) # 1::bigint) x) s ON true
  LEFT JOIN LATERAL (
    SELECT k.size, (SELECT count(*) FROM audit.cosignatures s WHERE s.size = k.size) AS cosignatures
    FROM audit.checkpoints k ORDER BY k.size DESC LIMIT 1) c ON true
  WHERE ${byEventId ? 'e.event_id = $1::text' : 'e.leaf_index = $1::bigint'}`;
}
const ENTRY_AT_LATEST_BY_INDEX = entryAtLatestSql(false);
const ENTRY_AT_LATEST_BY_ID = entryAtLatestSql(true);

/** The hashes of a row's `keys` (`level/index,…`) and concatenated `hashes`, in the same order. */
function knownFrom(keys: unknown, hashes: unknown): Map<string, Uint8Array> {
  const known = new Map<string, Uint8Array>();
  if (typeof keys !== 'string' || keys === '' || hashes === null || hashes === undefined) return known;
  const list = keys.split(',');
  const all = bytes(hashes);
  if (all.length !== list.length * HASH) return known;
  for (const [i, key] of list.entries()) known.set(key, all.subarray(i * HASH, (i + 1) * HASH));
  return known;
}

/** The complete subtrees below `level` that the tree of `size` leaves decomposes into (its right edge). */
function edgeBelow(size: number, level: number): Array<{ level: number; index: number }> {
  const out: Array<{ level: number; index: number }> = [];
  let start = 0;
  for (let b = Math.floor(Math.log2(Math.max(size, 1))); b >= 0; b--) {
    const width = 2 ** b;
    if (Math.floor(size / width) % 2 === 1) {
      if (b < level) out.push({ level: b, index: start / width });
      start += width;
    }
  }
  return out;
}

/**
 * Reads of the log, over the database (or a transaction). With `upper`, proofs take the tree's upper levels from
 * memory (one {@link UpperNodes} per process and database); with `upper` and `latest` as well, GetInclusionProof at
 * the latest checkpoint takes that checkpoint from memory, checked in the statement that reads the entry
 * (`entryAtLatest`, ADR 016).
 */
export function logReader(db: Queryable, upper?: UpperNodes, latest?: LatestCheckpoint): LogReader {
  const latestCheckpoint = async () => (await checkpointsWhere(db, 'ORDER BY size DESC LIMIT 1', []))[0];
  const reader: LogReader = {
    async head() {
      const { rows } = await db.query('SELECT size, root FROM audit.tree_head WHERE id');
      const row = rows[0];
      if (!row) throw new Error('audit.tree_head is missing');
      return { size: Number(row.size), root: bytes(row.root) };
    },
    hashReader: (size) => hashReader(db, size, upper),
    latestCheckpoint,
    async checkpoint(size) {
      return (await checkpointsWhere(db, 'WHERE size = $1', [size]))[0];
    },
    checkpoints(afterSize, limit) {
      return checkpointsWhere(db, 'WHERE size > $1 ORDER BY size LIMIT $2', [afterSize ?? -1, limit]);
    },
    async entries(start, end, withData) {
      const { rows } = await db.query(
        `SELECT ${leafColumns(withData)} FROM audit.leaves WHERE leaf_index >= $1 AND leaf_index < $2
         ORDER BY leaf_index`,
        [start, end],
      );
      return rows.map(toLeaf);
    },
    async entryByEventId(eventId, withData) {
      const { rows } = await db.query(`SELECT ${leafColumns(withData)} FROM audit.leaves WHERE event_id = $1`, [
        eventId,
      ]);
      return rows[0] ? toLeaf(rows[0]) : undefined;
    },
    async search(filter, afterIndex, limit, withData) {
      const { where, params } = searchWhere(filter);
      params.push(afterIndex, limit);
      const { rows } = await db.query(
        `SELECT ${leafColumns(withData)} FROM audit.leaves
         WHERE ${[...where, `leaf_index > $${params.length - 1}`].join(' AND ')}
         ORDER BY leaf_index LIMIT $${params.length}`,
        params,
      );
      return rows.map(toLeaf);
    },
    async gaps(source, openOnly, afterId, limit) {
      const where = ['id > $1'];
      const params: unknown[] = [afterId ?? '0'];
      if (source) {
        params.push(source);
        where.push(`source = $${params.length}`);
      }
      if (openOnly) where.push(`resolved_at IS NULL AND kind = 'gap'`);
      params.push(limit);
      const { rows } = await db.query(
        `SELECT * FROM audit.gaps WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
        params,
      );
      return rows.map(toGap);
    },
    async sources() {
      const { rows } = await db.query('SELECT * FROM audit.source_sequences ORDER BY source');
      return rows.map(toSequence);
    },
    async topics() {
      const { rows } = await db.query<{ name: string }>(
        'SELECT name FROM audit.topics UNION SELECT DISTINCT topic FROM audit.leaves ORDER BY 1',
      );
      return rows.map((r) => r.name);
    },
  };
  if (upper !== undefined && latest !== undefined) {
    reader.entryAtLatest = (ref) => entryAtLatest(db, upper, latest, latestCheckpoint, ref);
  }
  return reader;
}

/** {@link LogReader.entryAtLatest} over the caches. */
async function entryAtLatest(
  db: Queryable,
  upper: UpperNodes,
  latest: LatestCheckpoint,
  latestCheckpoint: () => Promise<StoredCheckpoint | undefined>,
  ref: LeafRef,
): Promise<EntryAtLatest> {
  const below = Math.min(upper.fromLevel, MAX_SIBLING_LEVELS);
  const byId = 'eventId' in ref;
  const { rows } = await db.query(byId ? ENTRY_AT_LATEST_BY_ID : ENTRY_AT_LATEST_BY_INDEX, [
    byId ? ref.eventId : ref.leafIndex,
    below,
  ]);
  const row = rows[0];
  if (row === undefined) return { entry: undefined, checkpoint: undefined, hashes: undefined };
  const entry = toLeaf(row);
  const latestSize = row.latest_size === null || row.latest_size === undefined ? null : Number(row.latest_size);
  const cosignatures = Number(row.latest_cosignatures ?? 0);
  let cached = latest.matches(latestSize, cosignatures) ? latest.current : undefined;
  if (cached === undefined) {
    if (latestSize === null) return { entry, checkpoint: undefined, hashes: undefined };
    // a new checkpoint or cosignature since the cache was filled: read it (and the nodes completed since) again
    const read = async (): Promise<CachedCheckpoint | undefined> => {
      const [checkpoint] = await Promise.all([latestCheckpoint(), upper.refresh(db)]);
      if (checkpoint === undefined) return undefined;
      const edge = await readKnownHashes(db, edgeBelow(checkpoint.size, below));
      return { checkpoint, edge, edgeLevel: below };
    };
    const reached = (c: CachedCheckpoint | undefined) =>
      c !== undefined &&
      (c.checkpoint.size > latestSize ||
        (c.checkpoint.size === latestSize && c.checkpoint.cosignatures.length >= cosignatures));
    cached = await latest.reload(read);
    // a reload already under way when this statement ran may predate what it saw: then one more, started after it
    if (!reached(cached)) cached = await latest.reload(read);
    if (cached === undefined) return { entry, checkpoint: undefined, hashes: undefined };
  }
  const known = knownFrom(row.sibling_keys, row.sibling_hashes);
  if (cached.edgeLevel === below) for (const [key, hash] of cached.edge) known.set(key, hash);
  return { entry, checkpoint: cached.checkpoint, hashes: hashReader(db, cached.checkpoint.size, upper, known) };
}

function searchWhere(filter: SearchFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.subject) add('subject = ?', filter.subject);
  if (filter.type) add('type = ?', filter.type);
  if (filter.source) add('source = ?', filter.source);
  if (filter.timeFrom) add('"time" >= ?', filter.timeFrom);
  if (filter.timeTo) add('"time" < ?', filter.timeTo);
  return { where, params };
}

async function checkpointsWhere(db: Queryable, tail: string, params: unknown[]): Promise<StoredCheckpoint[]> {
  const { rows } = await db.query(`SELECT size, root, note, created_at FROM audit.checkpoints ${tail}`, params);
  if (rows.length === 0) return [];
  const sizes = rows.map((r) => String(r.size));
  const cosigned = await db.query(
    `SELECT size, witness_name, key_id, "timestamp", line, added_at FROM audit.cosignatures
     WHERE size IN (${sizes.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY added_at, witness_name`,
    sizes,
  );
  const bySize = new Map<string, StoredCosignature[]>();
  for (const c of cosigned.rows) {
    const list = bySize.get(String(c.size)) ?? [];
    list.push({
      witnessName: String(c.witness_name),
      keyId: String(c.key_id),
      timestamp: Number(c.timestamp),
      line: String(c.line),
      addedAt: c.added_at as Date,
    });
    bySize.set(String(c.size), list);
  }
  return rows.map((r) => ({
    size: Number(r.size),
    root: bytes(r.root),
    note: String(r.note),
    createdAt: r.created_at as Date,
    cosignatures: bySize.get(String(r.size)) ?? [],
  }));
}

/** The writes of the checkpointer and of witnesses. */
export const checkpointStore = {
  async insert(tx: Queryable, cp: { size: number; root: Uint8Array; note: string; createdAt: Date }): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO audit.checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (size) DO NOTHING`,
      [cp.size, buf(cp.root), cp.note, cp.createdAt],
    );
    return rowCount === 1;
  },
  async addCosignature(db: Queryable, size: number, c: Omit<StoredCosignature, 'addedAt'>, at: Date): Promise<void> {
    await db.query(
      `INSERT INTO audit.cosignatures (size, witness_name, key_id, "timestamp", line, added_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (size, witness_name, key_id) DO NOTHING`,
      [size, c.witnessName, c.keyId, c.timestamp, c.line, at],
    );
  },
  /** Open gaps older than the grace period that were not warned about yet: marks and returns them. */
  async claimStaleGaps(db: Database, graceMs: number, now: Date): Promise<SequenceGapRecord[]> {
    const { rows } = await db.query(
      `UPDATE audit.gaps SET warned_at = $1
       WHERE kind = 'gap' AND resolved_at IS NULL AND warned_at IS NULL
         AND detected_at <= $1::timestamptz - $2::bigint * interval '1 millisecond'
       RETURNING *`,
      [now, graceMs],
    );
    return rows.map(toGap);
  },
  /** Records a log key; `fromSize`: the size of the first checkpoint it signs (null: not known, a key before 004). */
  async recordKey(db: Queryable, verifierKey: string, origin: string, fromSize?: number): Promise<void> {
    await db.query(
      `INSERT INTO audit.log_keys (verifier_key, origin, from_size) VALUES ($1, $2, $3)
       ON CONFLICT (verifier_key) DO UPDATE SET from_size = coalesce(audit.log_keys.from_size, excluded.from_size)`,
      [verifierKey, origin, fromSize ?? null],
    );
  },
  /** The log's keys, oldest first; the last one signs the log's checkpoints now. */
  async keys(db: Queryable): Promise<Array<{ verifierKey: string; origin: string; fromSize: number | null }>> {
    const { rows } = await db.query<{ verifier_key: string; origin: string; from_size: string | null }>(
      'SELECT verifier_key, origin, from_size FROM audit.log_keys ORDER BY from_size NULLS FIRST, first_used_at',
    );
    return rows.map((r) => ({
      verifierKey: r.verifier_key,
      origin: r.origin,
      fromSize: r.from_size === null ? null : Number(r.from_size),
    }));
  },
  /** The signed checkpoints that announce a new log key, oldest first, up to `size`. */
  async keyAnnouncements(db: Queryable, size: number): Promise<string[]> {
    const { rows } = await db.query<{ note: string }>(
      `SELECT note FROM audit.checkpoints WHERE size <= $1 AND position($2 in note) > 0 ORDER BY size`,
      [size, `\n${KEY_ROTATION_EXTENSION} `],
    );
    return rows.map((r) => r.note);
  },
  async recordTopics(db: Database, topics: readonly string[]): Promise<void> {
    for (const name of topics) {
      await db.query('INSERT INTO audit.topics (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
    }
  },
};
