import { AppError } from '@onceonly/errors';
import type { Queryable } from '@onceonly/store';
import { withCurrentCause } from './causation.js';
import type { EventDraft } from './envelope.js';
import { draftRecord } from './headers.js';
import { quoteSchema } from './internal.js';
import type { TopicSpec } from './topics.js';

/** One event to write to the outbox, and the topic it is for. */
export interface OutboxEntry {
  topic: string | TopicSpec;
  event: EventDraft;
}

/** Rows per INSERT statement: 7 parameters a row stays far below PostgreSQL's 65,535 parameters a statement. */
const ROWS_PER_STATEMENT = 1000;
/** Parameters PostgreSQL accepts in one statement (its wire protocol counts them in 16 bits). */
const MAX_PARAMS = 65_535;
/**
 * {@link queryWithEvents} prepares its statement (parsed and planned once per connection, ADR 044) for up to this many
 * events: one text per state change and event count, so a connection keeps a few, not one per batch size.
 */
const PREPARED_UP_TO_EVENTS = 16;

/** One SQL statement with its parameters (`$1`, `$2`...). */
export interface OutboxStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * The INSERT statements that write `entries` to the outbox of `schema` (one per 1,000 entries), after checking
 * every entry (EVENT_MALFORMED). {@link appendToOutbox} sends them; a service that must commit its events in one
 * statement with its own rows (a data-modifying CTE, ADR 014) embeds them instead of re-creating their shape.
 */
export function outboxInsertStatements(schema: string, entries: readonly OutboxEntry[]): OutboxStatement[] {
  return insertStatements(schema, entries);
}

/**
 * {@link outboxInsertStatements}; with `after` set, ONE statement with every entry, its placeholders numbered from
 * `$(after + 1)` (the first `after` are the embedding statement's).
 */
function insertStatements(schema: string, entries: readonly OutboxEntry[], after?: number): OutboxStatement[] {
  const first = after ?? 0;
  const rowsPerStatement = after === undefined ? ROWS_PER_STATEMENT : Math.max(1, entries.length);
  const s = quoteSchema(schema);
  const records = entries.map((entry) => draftRecord(withCurrentCause(entry.event)));
  const statements: OutboxStatement[] = [];
  for (let from = 0; from < entries.length; from += rowsPerStatement) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (let i = from; i < Math.min(entries.length, from + rowsPerStatement); i++) {
      const { topic } = entries[i]!;
      const event = withCurrentCause(entries[i]!.event);
      const record = records[i]!;
      const n = params.push(
        event.id,
        topicName(topic),
        record.key,
        event.source,
        event.type,
        JSON.stringify(record.headers),
        Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
      );
      const p = first + n;
      values.push(`($${p - 6}, $${p - 5}, $${p - 4}, $${p - 3}, $${p - 2}, $${p - 1}::jsonb, $${p}::bytea)`);
    }
    statements.push({
      sql: `INSERT INTO ${s}.outbox (event_id, topic, key, source, type, headers, body) VALUES ${values.join(', ')}`,
      params,
    });
  }
  return statements;
}

/**
 * Writes events to the outbox inside the caller's transaction, so that the state change and the events that tell
 * it commit together, or neither does. Every entry is checked first (EVENT_MALFORMED, nothing written); then all of
 * them go in one multi-row INSERT (one more per 1,000 entries). Returns the drafts as written, in the order given.
 *
 * The rows carry no `sequence` yet: the relay stamps each source's sequence when it is about to publish them (see
 * `createRelay`, ADR 010). So a writer takes no lock but its own new rows' and never waits for another writer of
 * the same source, and a transaction that rolls back leaves no gap, since it never took a number.
 */
export async function appendToOutbox(
  tx: Queryable,
  schema: string,
  entries: readonly OutboxEntry[],
): Promise<EventDraft[]> {
  for (const { sql, params } of outboxInsertStatements(schema, entries)) await tx.query(sql, params);
  return entries.map((entry) => withCurrentCause(entry.event));
}

/**
 * Runs `statement`, a state change, and writes `entries` to the outbox in ONE SQL statement: the state change becomes
 * a data-modifying CTE beside one outbox INSERT of every entry, so both commit together or neither does. About
 * 9,000 entries fit in one statement (65,535 parameters, 7 an entry); more are refused (INTERNAL, nothing written).
 * On a `Database` (autocommit) that is the whole transaction in one round trip, where `transaction` with
 * {@link appendToOutbox} takes four (BEGIN, the change, the outbox INSERT, COMMIT); inside a transaction it saves
 * the outbox's own round trip. Every entry is checked first (EVENT_MALFORMED, nothing written).
 *
 * `statement` is one INSERT, UPDATE or DELETE (or a SELECT) with placeholders `$1`… `$n` for its `n` params, and no
 * data-modifying WITH of its own (PostgreSQL allows those only at the top level). With `returning: true` it must end
 * with RETURNING, and its rows are returned; otherwise nothing is returned. The events are written whatever the
 * statement changes, even no row: put a condition in the statement's WHERE clause and use a transaction when the
 * events depend on what it finds.
 *
 * The statement is prepared (parsed and planned once per connection, ADR 044) when it has no RETURNING and at most
 * 16 events: its text must then be fixed, the values in `params` (never spliced into `sql`), or a connection would
 * keep a prepared statement per text. `prepare: false` sends it unprepared.
 */
export async function queryWithEvents<R = Record<string, unknown>>(
  q: Queryable,
  schema: string,
  statement: OutboxStatement & { readonly returning?: boolean; readonly prepare?: boolean },
  entries: readonly OutboxEntry[],
): Promise<R[]> {
  // a RETURNING result could change its columns under a migration, which a prepared statement refuses
  const prepare = statement.prepare !== false && !statement.returning && entries.length <= PREPARED_UP_TO_EVENTS;
  const options = prepare ? { prepare } : undefined;
  if (entries.length === 0) return (await q.query<R>(statement.sql, statement.params, options)).rows;
  // one INSERT for every entry: two data-modifying CTEs run in no defined order, and positions must follow `entries`
  const [insert] = insertStatements(schema, entries, statement.params.length);
  const params = [...statement.params, ...insert!.params];
  if (params.length > MAX_PARAMS) {
    throw new AppError(
      'INTERNAL',
      `${entries.length} events do not fit in one statement: write them with appendToOutbox in a transaction`,
    );
  }
  const main = statement.returning ? 'SELECT * FROM state' : 'SELECT NULL WHERE false';
  const sql = `WITH state AS (${statement.sql}), events AS (${insert!.sql}) ${main}`;
  const { rows } = await q.query<R>(sql, params, options);
  return rows;
}

function topicName(topic: string | TopicSpec): string {
  return typeof topic === 'string' ? topic : topic.name;
}

/** Counts of the outbox: rows not yet published, and the oldest one's age. */
export interface OutboxBacklog {
  pending: number;
  oldestCreatedAt: Date | null;
}

/**
 * How many outbox rows wait for the relay: those without a number yet, and those numbered above their source's
 * published watermark (stamped, not yet published; ADR 021).
 */
export async function outboxBacklog(db: Queryable, schema: string): Promise<OutboxBacklog> {
  const s = quoteSchema(schema);
  const { rows } = await db.query<{ pending: number; oldest: Date | null }>(
    `SELECT count(*)::int AS pending, min(created_at) AS oldest FROM (
       SELECT created_at FROM ${s}.outbox WHERE sequence IS NULL
       UNION ALL
       SELECT o.created_at FROM ${s}.outbox_sequence q JOIN ${s}.outbox o ON o.source = q.source AND o.sequence > q.published
     ) pending`,
  );
  return { pending: rows[0]?.pending ?? 0, oldestCreatedAt: rows[0]?.oldest ?? null };
}
