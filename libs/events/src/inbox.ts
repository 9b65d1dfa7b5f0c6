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

/** True when `group` has handled `eventId`. */
export async function inboxContains(db: Queryable, schema: string, group: string, eventId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM ${quoteSchema(schema)}.inbox WHERE consumer_group = $1 AND event_id = $2`,
    [group, eventId],
  );
  return rows.length > 0;
}

/** Deletes inbox rows older than `olderThanMs` (keep them longer than the topics' retention); returns how many. */
export async function pruneInbox(db: Queryable, schema: string, olderThanMs: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM ${quoteSchema(schema)}.inbox WHERE handled_at < now() - $1::bigint * interval '1 millisecond'`,
    [Math.round(olderThanMs)],
  );
  return result.rowCount;
}
