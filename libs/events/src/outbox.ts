import type { Queryable } from '@onceonly/store';
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
  const s = quoteSchema(schema);
  const records = entries.map((entry) => draftRecord(entry.event));
  const statements: OutboxStatement[] = [];
  for (let from = 0; from < entries.length; from += ROWS_PER_STATEMENT) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (let i = from; i < Math.min(entries.length, from + ROWS_PER_STATEMENT); i++) {
      const { event, topic } = entries[i]!;
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
      values.push(`($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n}::bytea)`);
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
  return entries.map((entry) => entry.event);
}

function topicName(topic: string | TopicSpec): string {
  return typeof topic === 'string' ? topic : topic.name;
}

/** Counts of the outbox: rows not yet published, and the oldest one's age. */
export interface OutboxBacklog {
  pending: number;
  oldestCreatedAt: Date | null;
}

/** How many outbox rows wait for the relay. */
export async function outboxBacklog(db: Queryable, schema: string): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ pending: number; oldest: Date | null }>(
    `SELECT count(*)::int AS pending, min(created_at) AS oldest FROM ${quoteSchema(schema)}.outbox
     WHERE published_at IS NULL`,
  );
  return { pending: rows[0]?.pending ?? 0, oldestCreatedAt: rows[0]?.oldest ?? null };
}
