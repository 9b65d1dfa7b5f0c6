import { chinaDateOf, type PlainDate } from '@onceonly/workdays';
import { type CreditRecord, isPublic } from '../domain/records.js';
import type { CreditDeps, FeedCursor } from './ports.js';

/**
 * A record as the public sees it: a person by mask and name only (not the keyed hash, which links a person's
 * records across services), no repair application (the applicant's statement is the owner's to read).
 */
export function publicView(record: CreditRecord): CreditRecord {
  const { repair: _repair, ...rest } = record;
  return record.subject.kind === 'person' ? { ...rest, subject: { ...record.subject, key: '' } } : rest;
}

/**
 * The public feed (双公示): the records public today, newest first, for anyone. The store selects by the publicity
 * columns; each record is checked again against the domain's rule ({@link isPublic}) before it is shown.
 */
export async function publicFeedCase(
  deps: CreditDeps,
  input: { subjectKey?: string; kind?: CreditRecord['kind']; pageSize: number; after?: FeedCursor },
): Promise<{ records: CreditRecord[]; next?: FeedCursor; asOf: PlainDate }> {
  const day = chinaDateOf(deps.clock());
  const page = await deps.store.publicRecords(deps.db, { day, ...input });
  return { ...page, records: page.records.filter((r) => isPublic(r, day)).map(publicView), asOf: day };
}
