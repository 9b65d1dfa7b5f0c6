import type { Queryable } from '@onceonly/store';
import { quoteSchema } from './internal.js';

/** Where a handled event came from, kept with its inbox row for investigations. */
export interface InboxOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Records that `group` handles `eventId`, inside the transaction that runs the handler. Returns false when the
 * group had handled it already (a redelivery): the caller then skips the handler, so a redelivered event changes
 * nothing. The row's lock also keeps two members of the group from handling one event at the same time.
 */
export async function claimInbox(
  tx: Queryable,
  schema: string,
  group: string,
  eventId: string,
  origin: InboxOrigin,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO ${quoteSchema(schema)}.inbox (consumer_group, event_id, topic, partition, "offset")
     VALUES ($1, $2, $3, $4, $5::bigint) ON CONFLICT (consumer_group, event_id) DO NOTHING`,
    [group, eventId, origin.topic, origin.partition, origin.offset],
  );
  return rowCount === 1;
}

/** One event of a batch claim. */
export interface InboxClaim extends InboxOrigin {
  eventId: string;
}

/**
 * The batch form of {@link claimInbox}: records that `group` handles every event of `claims` in ONE multi-row
 * statement (`INSERT … ON CONFLICT DO NOTHING RETURNING event_id`) and returns the ids that were new (the others
 * were handled before: skip them). Rows are inserted in event-id order, so that two members claiming overlapping
 * batches during a rebalance lock them in the same order and never deadlock. An id given twice is claimed once.
 * The statement is prepared (one text per schema: parsed and planned once per connection, ADR 044).
 */
export async function claimInboxBatch(
  tx: Queryable,
  schema: string,
  group: string,
  claims: readonly InboxClaim[],
): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const unique = new Map<string, InboxClaim>();
  for (const claim of claims) if (!unique.has(claim.eventId)) unique.set(claim.eventId, claim);
  const sorted = [...unique.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const { rows } = await tx.query<{ event_id: string }>(
    `INSERT INTO ${quoteSchema(schema)}.inbox (consumer_group, event_id, topic, partition, "offset")
     SELECT $1, e, t, p, o FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[]) WITH ORDINALITY AS c(e, t, p, o, n)
     ORDER BY n
     ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id`,
    [
      group,
      sorted.map((c) => c.eventId),
      sorted.map((c) => c.topic),
      sorted.map((c) => c.partition),
      sorted.map((c) => c.offset),
    ],
    { prepare: true },
  );
  return new Set(rows.map((r) => r.event_id));
}

/** True when `group` has handled `eventId`. */
export async function inboxContains(db: Queryable, schema: string, group: string, eventId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM ${quoteSchema(schema)}.inbox WHERE consumer_group = $1 AND event_id = $2`,
    [group, eventId],
  );
  return rows.length > 0;
}
