import { type Database, type Migration, migrate } from '@onceonly/store';
import { quoteSchema } from './internal.js';

/**
 * Migration versions 9000–9099 of every service schema are reserved for this package (outbox 9001–9049, inbox
 * 9051–9099), so that they can be merged with a service's own list without clashing: see {@link withEventTables}.
 */
export const EVENTS_MIGRATION_VERSIONS = { first: 9000, last: 9099 } as const;

/**
 * The outbox tables in a service's schema:
 * - `outbox`: events written in the same transaction as the state change, published by the relay in `position`
 *   order; `sequence` is NULL until the relay stamps it, right before publishing (9002; before it, writers stamped
 *   it); `published_at` is set only on rows published before 9003;
 * - `outbox_sequence`: the last `sequence` given to each source (only the relay's stamping statement takes it), and
 *   since 9003 `published`, the watermark: every row of the source numbered at most it was published;
 * - `outbox_relay`: the lease that lets one relay publish at a time.
 *
 * Applied migrations are never edited: a change is a new version appended here.
 */
export function outboxMigrations(schema: string): Migration[] {
  const s = quoteSchema(schema);
  return [
    {
      version: 9001,
      name: 'events_outbox',
      sql: `
CREATE TABLE ${s}.outbox (
  position bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  topic text NOT NULL,
  key text NOT NULL,
  source text NOT NULL,
  type text NOT NULL,
  sequence bigint NOT NULL,
  headers jsonb NOT NULL,
  body bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  UNIQUE (source, sequence)
);
CREATE INDEX outbox_pending ON ${s}.outbox (position) WHERE published_at IS NULL;
CREATE TABLE ${s}.outbox_sequence (
  source text PRIMARY KEY,
  last bigint NOT NULL CHECK (last >= 0)
);
CREATE TABLE ${s}.outbox_relay (
  name text PRIMARY KEY,
  owner text NOT NULL,
  lease_until timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
);
`,
    },
    {
      // ADR 010: writers insert without a sequence; the relay stamps it in one statement before it publishes.
      // Rows written before keep theirs (all below outbox_sequence.last, so the numbering simply continues).
      version: 9002,
      name: 'events_outbox_relay_stamped_sequence',
      sql: `
ALTER TABLE ${s}.outbox ALTER COLUMN sequence DROP NOT NULL;
ALTER TABLE ${s}.outbox ADD CONSTRAINT outbox_published_has_sequence
  CHECK (published_at IS NULL OR sequence IS NOT NULL);
`,
    },
    {
      // ADR 021: a row is published when its number is at most its source's watermark
      // (outbox_sequence.published); the relay no longer rewrites each row to mark it. Rows published before keep
      // published_at; the watermark starts below the lowest number still pending (the numbers above it that were
      // published are published once more: consumers de-duplicate). Numbers stay unique per source through a
      // partial unique index: a writer's row, not numbered yet, no longer gets an entry in it.
      version: 9003,
      name: 'events_outbox_published_watermark',
      sql: `
ALTER TABLE ${s}.outbox_sequence ADD COLUMN published bigint NOT NULL DEFAULT 0 CHECK (published >= 0);
UPDATE ${s}.outbox_sequence q SET published = coalesce(
  (SELECT min(o.sequence) - 1 FROM ${s}.outbox o
   WHERE o.source = q.source AND o.sequence IS NOT NULL AND o.published_at IS NULL),
  q.last);
CREATE INDEX outbox_unstamped ON ${s}.outbox (position) WHERE sequence IS NULL;
DROP INDEX ${s}.outbox_pending;
CREATE UNIQUE INDEX outbox_numbered ON ${s}.outbox (source, sequence) WHERE sequence IS NOT NULL;
ALTER TABLE ${s}.outbox DROP CONSTRAINT outbox_source_sequence_key;
`,
    },
  ];
}

/**
 * The inbox table in a consumer's schema: one row per (consumer group, event id) handled; since 9052 a BRIN index on
 * `handled_at` (rows are inserted in `handled_at` order), through which retention finds each topic's old rows without
 * a per-row index entry on the claim (ADR 047).
 */
export function inboxMigrations(schema: string): Migration[] {
  const s = quoteSchema(schema);
  return [
    {
      version: 9051,
      name: 'events_inbox',
      sql: `
CREATE TABLE ${s}.inbox (
  consumer_group text NOT NULL,
  event_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
`,
    },
    {
      // ADR 047: retention finds the rows of each topic older than that topic's keep through the block ranges of a
      // BRIN index (one summary per 32 heap pages, no entry per row: a claim into a summarized or not yet summarized
      // range writes nothing to it); `autosummarize` has autovacuum summarize each range once it is full
      version: 9052,
      name: 'events_inbox_retention_index',
      sql: `CREATE INDEX inbox_handled_brin ON ${s}.inbox USING brin (handled_at) WITH (pages_per_range = 32, autosummarize = on);`,
    },
  ];
}

/**
 * A service's own migrations with the outbox and/or inbox ones merged in, sorted by version, ready for
 * `migrate(db, { schema, migrations })`. The service's own versions must stay outside 9000–9099.
 */
export function withEventTables(
  schema: string,
  own: readonly Migration[],
  tables: { outbox?: boolean; inbox?: boolean } = { outbox: true, inbox: true },
): Migration[] {
  const extra = [...(tables.outbox ? outboxMigrations(schema) : []), ...(tables.inbox ? inboxMigrations(schema) : [])];
  return [...own, ...extra].sort((a, b) => a.version - b.version);
}

/** Creates (or updates) the outbox tables in `schema` with store's `migrate`. */
export async function installOutbox(db: Database, schema: string): Promise<void> {
  await migrate(db, { schema, migrations: outboxMigrations(schema) });
}

/** Creates (or updates) the inbox table in `schema` with store's `migrate`. */
export async function installInbox(db: Database, schema: string): Promise<void> {
  await migrate(db, { schema, migrations: inboxMigrations(schema) });
}

/**
 * The embedded log's tables in their own schema (default `eventlog`):
 * - `topics`: name, partitions, retention;
 * - `partitions`: the next offset of each partition (its row lock makes offsets gap-free and commit-ordered);
 * - `events`: the append-only log, keyed by (topic, partition, offset);
 * - `consumer_offsets`: each group's next offset per partition.
 */
export function eventLogMigrations(schema: string): Migration[] {
  const s = quoteSchema(schema);
  return [
    {
      version: 1,
      name: 'event_log',
      sql: `
CREATE TABLE ${s}.topics (
  name text PRIMARY KEY,
  partitions integer NOT NULL CHECK (partitions > 0),
  retention_ms bigint NOT NULL,
  cleanup_policy text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${s}.partitions (
  topic text NOT NULL REFERENCES ${s}.topics (name),
  partition integer NOT NULL,
  next_offset bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (topic, partition)
);
CREATE TABLE ${s}.events (
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  key bytea,
  headers jsonb NOT NULL,
  value bytea NOT NULL,
  appended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, "offset")
);
CREATE TABLE ${s}.consumer_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);
`,
    },
  ];
}
