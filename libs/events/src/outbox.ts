import type { Queryable } from '@onceonly/store';
import { type EventDraft, type EventEnvelope, validateDraft, withSequence } from './envelope.js';
import { toKafkaRecord } from './headers.js';
import { quoteSchema } from './internal.js';
import type { TopicSpec } from './topics.js';

/** One event to write to the outbox, and the topic it is for. */
export interface OutboxEntry {
  topic: string | TopicSpec;
  event: EventDraft;
}

/**
 * Writes events to the outbox inside the caller's transaction, so that the state change and the events that tell
 * it commit together, or neither does. Returns the envelopes with their `sequence` stamped, in the order given.
 *
 * Sequences: for each source, one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on `outbox_sequence` reserves
 * as many numbers as the source has events here. The statement locks the source's row until the transaction ends,
 * so a concurrent writer of the same source waits, and takes the next numbers only after this transaction
 * committed (no gap, commit order = sequence order) or rolled back (the numbers are taken back: no gap either).
 * Sources are locked in sorted order so that two transactions never deadlock on each other's sources.
 *
 * `tx` must be a transaction (a plain connection would commit the reservation on its own).
 */
export async function appendToOutbox(
  tx: Queryable,
  schema: string,
  entries: readonly OutboxEntry[],
): Promise<EventEnvelope[]> {
  if (entries.length === 0) return [];
  const s = quoteSchema(schema);
  for (const entry of entries) validateDraft(entry.event);
  const next = await reserveSequences(tx, s, entries);
  const envelopes: EventEnvelope[] = [];
  for (const entry of entries) {
    const sequence = next.get(entry.event.source)!;
    next.set(entry.event.source, sequence + 1n);
    const envelope = withSequence(entry.event, sequence);
    await insertRow(tx, s, topicName(entry.topic), envelope);
    envelopes.push(envelope);
  }
  return envelopes;
}

/** First sequence number reserved for each source. */
async function reserveSequences(
  tx: Queryable,
  s: string,
  entries: readonly OutboxEntry[],
): Promise<Map<string, bigint>> {
  const counts = new Map<string, number>();
  for (const { event } of entries) counts.set(event.source, (counts.get(event.source) ?? 0) + 1);
  const first = new Map<string, bigint>();
  for (const source of [...counts.keys()].sort()) {
    const count = counts.get(source)!;
    const { rows } = await tx.query<{ last: string }>(
      `INSERT INTO ${s}.outbox_sequence (source, last) VALUES ($1, $2)
       ON CONFLICT (source) DO UPDATE SET last = ${s}.outbox_sequence.last + EXCLUDED.last
       RETURNING last`,
      [source, count],
    );
    first.set(source, BigInt(rows[0]!.last) - BigInt(count) + 1n);
  }
  return first;
}

async function insertRow(tx: Queryable, s: string, topic: string, envelope: EventEnvelope): Promise<void> {
  const record = toKafkaRecord(envelope);
  await tx.query(
    `INSERT INTO ${s}.outbox (event_id, topic, key, source, type, sequence, headers, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
    [
      envelope.id,
      topic,
      record.key,
      envelope.source,
      envelope.type,
      envelope.sequence,
      JSON.stringify(record.headers),
      Buffer.from(record.value),
    ],
  );
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
