import { type Queryable, sqlStateOf } from '@onceonly/store';
import { quoteSchema } from './internal.js';
import type { TopicSpec } from './topics.js';

/**
 * Retention of the outbox and the inbox (ADR 047): deletes in bounded batches, each batch one autocommitted
 * statement (no long transaction, row locks held for one statement), so that a pass never blocks the relay, the
 * writers or the consumers for long. Two replicas running a pass at once delete each row once (the second waits for
 * the first's row lock, then finds the row gone): nothing is coordinated, and nothing needs to be.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows one DELETE statement removes at most (default of {@link PruneOptions.batchSize}). */
export const PRUNE_BATCH_ROWS = 1000;
/**
 * How much longer than a topic's `retention.ms` Kafka may still serve a record: the broker deletes whole segments
 * once their newest record is older than the retention, and a segment rolls after `segment.ms` (7 days by default,
 * which the topics here keep: `ensureTopics` sets only `retention.ms` and `cleanup.policy`), plus a day of clock skew.
 */
export const KAFKA_SEGMENT_SLACK_MS = 8 * DAY_MS;

/** Options of {@link pruneOutbox} and {@link pruneInbox}. */
export interface PruneOptions {
  /** Rows per DELETE statement (default {@link PRUNE_BATCH_ROWS}). */
  batchSize?: number;
  /** Checked between batches: a pass stops early once it is aborted (at shutdown), keeping what it deleted. */
  signal?: AbortSignal;
  /** Called after each batch with the rows deleted so far by this call (for a command's progress). */
  onProgress?: (deleted: number) => void;
}

/**
 * Deletes published outbox rows written more than `olderThanMs` ago, in batches (the relay never deletes); returns
 * how many. A row is published once its number is at most its source's watermark (ADR 021); rows not numbered yet,
 * or numbered above the watermark (stamped and not yet published, or published and not yet marked), are never
 * deleted, and `outbox_sequence` (the last number and the watermark of each source) is never touched, so the numbering
 * goes on gap-free whatever was deleted. The pass works below one boundary found first: the position of the oldest
 * row that is not old enough (the primary key, walked from the start, so no index on `created_at` is needed and the
 * writers pay nothing for retention). A row committed late by a long transaction, above the boundary, waits for the
 * next pass.
 */
export async function pruneOutbox(
  db: Queryable,
  schema: string,
  olderThanMs: number,
  options: PruneOptions = {},
): Promise<number> {
  const s = quoteSchema(schema);
  const limit = options.batchSize ?? PRUNE_BATCH_ROWS;
  const { rows } = await db.query<{ cutoff: Date; boundary: string | null }>(
    `WITH c AS (SELECT now() - $1::bigint * interval '1 millisecond' AS cutoff)
     SELECT c.cutoff, coalesce(
       (SELECT position FROM ${s}.outbox WHERE created_at >= c.cutoff ORDER BY position LIMIT 1),
       (SELECT max(position) + 1 FROM ${s}.outbox)) AS boundary
     FROM c`,
    [Math.round(olderThanMs)],
  );
  const { cutoff, boundary } = rows[0]!;
  if (boundary === null) return 0;
  let deleted = 0;
  // `= ANY(ARRAY(...))`: the batch's rows are found by the primary key (`IN (...)` was planned as a scan of the whole
  // table per batch); each batch starts after the previous one's last position, not at the entries it just deleted
  let after = '0';
  while (!options.signal?.aborted) {
    const { rows: done } = await db.query<{ n: number; last: string | null }>(
      `WITH d AS (
         DELETE FROM ${s}.outbox WHERE position = ANY(ARRAY(
           SELECT o.position FROM ${s}.outbox o JOIN ${s}.outbox_sequence q ON q.source = o.source
           WHERE o.position > $1::bigint AND o.position < $2::bigint AND o.created_at < $3 AND o.sequence <= q.published
           ORDER BY o.position LIMIT $4))
         RETURNING position
       )
       SELECT count(*)::int AS n, max(position)::text AS last FROM d`,
      [after, boundary, cutoff, limit],
    );
    const { n, last } = done[0]!;
    deleted += n;
    options.onProgress?.(deleted);
    if (n < limit || last === null) break;
    after = last;
  }
  return deleted;
}

/** How long the inbox keeps the rows of one topic. */
export interface InboxKeep {
  readonly topic: string;
  readonly keepMs: number;
}

/**
 * How long an inbox must keep the rows of events read from `topic`, at least `floorMs`: as long as a duplicate of
 * the event can still arrive. A consumer group whose committed offsets are lost (Kafka drops a group's offsets
 * `offsets.retention.minutes` after its last member left: 7 days by default) reads its topics again from the
 * beginning (`fromBeginning`, the consumers' default), so every record the broker still holds may come again: the
 * topic's retention plus {@link KAFKA_SEGMENT_SLACK_MS}. Undefined for a topic kept for ever (`retentionMs` -1):
 * its inbox rows are never deleted.
 */
export function inboxKeepMs(topic: TopicSpec, floorMs: number): number | undefined {
  if (topic.retentionMs < 0) return undefined;
  return Math.max(floorMs, topic.retentionMs + KAFKA_SEGMENT_SLACK_MS);
}

/** {@link inboxKeepMs} of every topic of `topics` that is not kept for ever. */
export function inboxRetention(topics: readonly TopicSpec[], floorMs: number): InboxKeep[] {
  return topics.flatMap((topic) => {
    const keepMs = inboxKeepMs(topic, floorMs);
    return keepMs === undefined ? [] : [{ topic: topic.name, keepMs }];
  });
}

/** Batches of {@link PruneOptions.batchSize} rows found by one read of the inbox in {@link pruneInbox}. */
const INBOX_BATCHES_PER_READ = 50;
/** Heap pages per block range of the inbox's BRIN index (migration 9052). */
const INBOX_BRIN_PAGES_PER_RANGE = 32;
/**
 * How long the re-summarizing of the block ranges a read emptied may wait for its lock (ADR 051): the lock is the one
 * VACUUM takes, and a statement waiting for it longer than `deadlock_timeout` (1 s) cancels an autovacuum of the
 * inbox; past this the ranges are left as they are (still correct, only wider) and the pass goes on.
 */
const NARROW_LOCK_TIMEOUT = '200ms';
/**
 * How long the re-summarizing waits at most for the transactions of the database begun before the last DELETE to
 * end, and how often it looks (ADR 051): a snapshot older than the deletes keeps the deleted rows in the summary.
 */
const SETTLE_MAX_MS = 500;
/** Tries at the end of a pass for ranges still kept locked, this far apart. */
const NARROW_LAST_TRIES = 3;
const NARROW_RETRY_MS = 250;
const SETTLE_POLL_MS = 20;

/**
 * Deletes inbox rows of the topics in `keep`, each handled more than its `keepMs` ago, in batches; returns how many.
 * Rows of topics not in `keep` (a topic kept for ever, or one this process does not know) are never deleted: an
 * inbox row is what drops a duplicate, so it stays while one can still arrive (see {@link inboxKeepMs}).
 *
 * Topic after topic, one read finds the `ctid`s of up to 50 batches of old rows (through the BRIN index on
 * `handled_at`: the block ranges that may hold a row that old, the topic filtered on the heap; no order, so no sort),
 * then each batch is one DELETE by `ctid` (a TID scan) that checks the topic and the age again: a `ctid` whose row
 * another pass deleted, and whose slot vacuum gave to a newer row, deletes nothing. After the batches of a read, the
 * block ranges they deleted from are summarized again without the deleted rows (ADR 051), so that neither the next
 * read nor a later pass reads them again for rows already gone or for the old rows whose space new claims reuse: a
 * pass reads the ranges that still hold a row older than the cutoff, not every range that ever did. The read is
 * repeated while it came back full.
 */
export async function pruneInbox(
  db: Queryable,
  schema: string,
  keep: readonly InboxKeep[],
  options: PruneOptions = {},
): Promise<number> {
  if (keep.length === 0) return 0;
  const s = quoteSchema(schema);
  const limit = options.batchSize ?? PRUNE_BATCH_ROWS;
  const perRead = limit * INBOX_BATCHES_PER_READ;
  const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
  const now = rows[0]!.now;
  let deleted = 0;
  // the ranges emptied and not summarized again yet: kept over the reads (and the topics) while VACUUM holds the lock
  const ranges = new Set<number>();
  for (const { topic, keepMs } of keep) {
    const cutoff = new Date(now.getTime() - Math.round(keepMs));
    while (!options.signal?.aborted) {
      const { rows: found } = await db.query<{ id: string }>(
        `SELECT ctid::text AS id FROM ${s}.inbox WHERE topic = $1 AND handled_at < $2 LIMIT $3`,
        [topic, cutoff, perRead],
      );
      for (let i = 0; i < found.length && !options.signal?.aborted; i += limit) {
        const ids = found.slice(i, i + limit).map((r) => r.id);
        // `(handled_at < $3) IS TRUE`: the same test, but not one the BRIN index can answer, so the planner takes the
        // TID scan (with a plain `handled_at < $3` it read every old block range again to find 1,000 ctids)
        const done = await db.query(
          `DELETE FROM ${s}.inbox WHERE ctid = ANY($1::tid[]) AND topic = $2 AND (handled_at < $3) IS TRUE`,
          [ids, topic, cutoff],
        );
        deleted += done.rowCount;
        options.onProgress?.(deleted);
        if (done.rowCount > 0) for (const id of ids) ranges.add(rangeOf(id));
      }
      if (await narrowRanges(db, schema, ranges)) ranges.clear();
      if (found.length < perRead) break;
    }
    if (options.signal?.aborted) break;
  }
  // last tries for ranges a VACUUM (or autosummarize) kept locked; also after an abort: the rows are gone either way
  for (let tries = 0; ranges.size > 0 && tries < NARROW_LAST_TRIES; tries++) {
    await new Promise((resolve) => setTimeout(resolve, NARROW_RETRY_MS));
    if (await narrowRanges(db, schema, ranges)) break;
  }
  return deleted;
}

/** The first heap block of the BRIN block range holding the row at `ctid` (`(block,offset)`). */
function rangeOf(ctid: string): number {
  const block = Number(ctid.slice(1, ctid.indexOf(',')));
  return block - (block % INBOX_BRIN_PAGES_PER_RANGE);
}

/**
 * Summarizes the block ranges starting at `ranges` again (ADR 051): a BRIN summary only widens, so a range keeps the
 * time of its oldest row ever, and once its space is reused every later read `handled_at < cutoff` reads it whole.
 * `brin_desummarize_range` forgets the summary and `brin_summarize_range` reads the range's live rows again (rows
 * deleted by transactions that no snapshot can still see are not counted, so the rows the batches just deleted are
 * left out unless a transaction older than them is open; then the range stays as wide as it was). The range holding
 * the table's last page is left unsummarized, as a new range is until it is full: a claim into an unsummarized range
 * writes nothing to the index, a claim into a summarized one may widen it. One statement, in its own transaction,
 * waiting for the lock at most {@link NARROW_LOCK_TIMEOUT}; false if it could not have it (the ranges stay as they
 * were, and {@link pruneInbox} tries them again after its next read and at its end).
 */
async function narrowRanges(db: Queryable, schema: string, ranges: ReadonlySet<number>): Promise<boolean> {
  if (ranges.size === 0) return true;
  await settle(db);
  // CTEs: the lock timeout is set (for this statement's transaction only) before the first lock is asked for, and
  // every range is forgotten before any is summarized again
  try {
    await db.query(
      `WITH t AS MATERIALIZED (SELECT set_config('lock_timeout', $4, true) AS lt),
            i AS MATERIALIZED (SELECT to_regclass($1) AS idx, pg_relation_size(to_regclass($2)) / current_setting('block_size')::int AS pages FROM t),
            d AS MATERIALIZED (SELECT brin_desummarize_range(i.idx, b) FROM i, unnest($3::bigint[]) b WHERE i.idx IS NOT NULL)
       SELECT count(brin_summarize_range(i.idx, b))::int AS n
       FROM (SELECT count(*) FROM d) f, i, unnest($3::bigint[]) b
       WHERE i.idx IS NOT NULL AND b + ${INBOX_BRIN_PAGES_PER_RANGE} <= i.pages`,
      [`${quoteSchema(schema)}.inbox_handled_brin`, `${quoteSchema(schema)}.inbox`, [...ranges], NARROW_LOCK_TIMEOUT],
    );
  } catch (err) {
    // 55P03 lock_not_available: a VACUUM of the inbox holds the lock; the ranges are re-read, not wrong
    if (sqlStateOf(err) === '55P03') return false;
    throw err;
  }
  return true;
}

/**
 * Waits, at most {@link SETTLE_MAX_MS}, until no other session of this database is in a transaction begun before
 * now (a claim, a poll, an ANALYZE): rows deleted by a statement that committed before are then dead to every
 * snapshot, and summarizing leaves them out. Sessions of other roles show no `xact_start` without
 * `pg_read_all_stats` and are not waited for; PGlite has no other session.
 */
async function settle(db: Queryable): Promise<void> {
  let since: Date | undefined;
  const deadline = Date.now() + SETTLE_MAX_MS;
  for (;;) {
    const { rows } = await db.query<{ at: Date; busy: boolean }>(
      `SELECT coalesce($1::timestamptz, statement_timestamp()) AS at,
              EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                      AND xact_start < coalesce($1::timestamptz, statement_timestamp())) AS busy`,
      [since ?? null],
    );
    since = rows[0]!.at;
    if (!rows[0]!.busy || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** The schemas of a database holding event tables: outboxes (with their `outbox_sequence`) and inboxes. */
export interface EventTableSchemas {
  readonly outboxes: string[];
  readonly inboxes: string[];
}

/**
 * Finds the outboxes and inboxes of `db` from its catalog (for a command run beside the services, which has no relay
 * nor consumer of its own to ask, see `liveOutboxes`): the schemas holding `outbox` and `outbox_sequence`, and those
 * holding an `inbox` with a `handled_at` column. Reads the catalog only.
 */
export async function findEventTables(db: Queryable): Promise<EventTableSchemas> {
  const { rows } = await db.query<{ schema: string; kind: 'outbox' | 'inbox' }>(
    `SELECT table_schema AS schema, CASE table_name WHEN 'inbox' THEN 'inbox' ELSE 'outbox' END AS kind
     FROM information_schema.columns
     WHERE (table_name = 'outbox_sequence' AND column_name = 'published'
            AND EXISTS (SELECT 1 FROM information_schema.tables t
                        WHERE t.table_schema = columns.table_schema AND t.table_name = 'outbox'))
        OR (table_name = 'inbox' AND column_name = 'handled_at')
     ORDER BY 1`,
  );
  return {
    outboxes: rows.filter((r) => r.kind === 'outbox').map((r) => r.schema),
    inboxes: rows.filter((r) => r.kind === 'inbox').map((r) => r.schema),
  };
}

/** One source of an outbox, as {@link outboxRetentionStatus} finds it. */
export interface OutboxSourceStatus {
  readonly source: string;
  readonly rows: number;
  /** Numbered at most the source's watermark: published (ADR 021). */
  readonly published: number;
  readonly oldest: Date;
  /** What a pass with the same retention would delete now. */
  readonly deletable: number;
}

/**
 * What {@link pruneOutbox} with `olderThanMs` would find in `schema`'s outbox now, per source (no `olderThanMs`, or
 * 0: nothing is deletable): the same tests, in one read of the whole table. Writes nothing.
 */
export async function outboxRetentionStatus(
  db: Queryable,
  schema: string,
  olderThanMs: number,
): Promise<OutboxSourceStatus[]> {
  const s = quoteSchema(schema);
  const { rows } = await db.query<{
    source: string;
    rows: number;
    published: number;
    oldest: Date;
    deletable: number;
  }>(
    `WITH c AS (SELECT now() - $1::bigint * interval '1 millisecond' AS cutoff),
          b AS (SELECT coalesce(
                  (SELECT position FROM ${s}.outbox, c WHERE created_at >= c.cutoff ORDER BY position LIMIT 1),
                  (SELECT max(position) + 1 FROM ${s}.outbox)) AS boundary)
     SELECT o.source, count(*)::float8 AS rows, count(*) FILTER (WHERE o.sequence <= q.published)::float8 AS published,
            min(o.created_at) AS oldest,
            count(*) FILTER (WHERE $1::bigint > 0 AND o.sequence <= q.published AND o.position < b.boundary
                             AND o.created_at < c.cutoff)::float8 AS deletable
     FROM ${s}.outbox o LEFT JOIN ${s}.outbox_sequence q ON q.source = o.source, b, c
     GROUP BY o.source ORDER BY o.source`,
    [Math.round(olderThanMs)],
  );
  return rows.map((r) => ({ ...r, oldest: new Date(r.oldest) }));
}

/** One topic of an inbox, as {@link inboxRetentionStatus} finds it. */
export interface InboxTopicStatus {
  readonly topic: string;
  readonly rows: number;
  readonly oldest: Date;
  /** How long its rows are kept; undefined: for ever (a topic kept for ever, or one `keep` does not name). */
  readonly keepMs: number | undefined;
  /** What a pass with the same `keep` would delete now. */
  readonly deletable: number;
}

/**
 * What {@link pruneInbox} with `keep` would find in `schema`'s inbox now, per topic: the same tests, in one read of
 * the whole table. Writes nothing.
 */
export async function inboxRetentionStatus(
  db: Queryable,
  schema: string,
  keep: readonly InboxKeep[],
): Promise<InboxTopicStatus[]> {
  const s = quoteSchema(schema);
  const keepOf = new Map(keep.map((k) => [k.topic, Math.round(k.keepMs)]));
  const { rows } = await db.query<{ topic: string; rows: number; oldest: Date; deletable: number }>(
    `SELECT i.topic, count(*)::float8 AS rows, min(i.handled_at) AS oldest,
            count(*) FILTER (WHERE i.handled_at < now() - k.keep_ms * interval '1 millisecond')::float8 AS deletable
     FROM ${s}.inbox i LEFT JOIN unnest($1::text[], $2::bigint[]) AS k(topic, keep_ms) ON k.topic = i.topic
     GROUP BY i.topic, k.keep_ms ORDER BY i.topic`,
    [[...keepOf.keys()], [...keepOf.values()]],
  );
  return rows.map((r) => ({ ...r, oldest: new Date(r.oldest), keepMs: keepOf.get(r.topic) }));
}
