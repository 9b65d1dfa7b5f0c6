import { randomUUID } from 'node:crypto';
import { auditEventsV1 } from '@onceonly/contracts';
import { appendToOutbox, defineEvent } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import type { ReadLog, ReadRecord } from '../../app/read-entries.js';
import type { ReadSubject } from '../../domain/read-subjects.js';
import { ENTRIES_READ_TYPE } from '../../topics.js';
import { AUDIT_SCHEMA } from '../db/audit-store.js';

/** The source of the log's records of reads: its own, so that its sequence is complete in the log. */
export const READS_SOURCE = '/onceonly/audit/reads';

/**
 * `audit.entries-read`: a caller read entries. One record per subject whose entries were read (key: that subject;
 * extensions `actor`: the reader's code, `issuer`, `secretuntil`: those of the entries), else one keyed by the reader.
 */
export const EntriesReadEvent = defineEvent({
  type: ENTRIES_READ_TYPE,
  source: READS_SOURCE,
  dataschema: 'proto:onceonly.audit.v1.EntriesRead',
  codec: auditEventsV1.EntriesRead,
});

/** One record of a read: whose entries it lists (none: the record keyed by the reader). */
export interface ReadPart {
  readonly subject?: ReadSubject;
  readonly leafIndexes: readonly number[];
}

/** The records a read is written as (domain/read-subjects.ts): one per subject, plus one keyed by the reader when
 * entries with no subject were read, or no entry at all. */
export function readParts(read: ReadRecord): ReadPart[] {
  const parts: ReadPart[] = read.subjects.map((subject) => ({ subject, leafIndexes: subject.leafIndexes }));
  if (read.unowned.length > 0 || parts.length === 0) parts.push({ leafIndexes: read.unowned });
  return parts;
}

/** The body of one record of a read. Subjects are as the log holds them: a citizen is only ever a keyed hash there. */
export function entriesReadBody(
  read: ReadRecord,
  part: ReadPart,
  ids: { readonly readId: string; readonly records: number },
): auditEventsV1.EntriesRead {
  const { caller, filter, range } = read;
  return {
    readerCode: caller.code,
    readerName: caller.name,
    role: caller.role,
    authenticatedBy: caller.authenticatedBy,
    method: read.method,
    subject: filter?.subject ?? '',
    type: filter?.type ?? '',
    source: filter?.source ?? '',
    timeFrom: filter?.timeFrom?.toISOString() ?? '',
    timeTo: filter?.timeTo?.toISOString() ?? '',
    rangeStart: String(range?.start ?? 0),
    rangeEnd: String(range?.end ?? 0),
    eventId: read.eventId ?? '',
    entries: String(part.leafIndexes.length),
    leafIndexes: part.leafIndexes.map(String),
    purpose: read.purpose,
    readAt: read.at.toISOString(),
    readId: ids.readId,
    records: ids.records,
    entriesSubject: part.subject?.subject ?? '',
    entriesIssuer: part.subject?.issuer ?? '',
  };
}

/**
 * The {@link ReadLog} over the audit outbox: each read is its `audit.entries-read` records, committed in one
 * transaction before the entries are returned, then `published` (the relay's kick) sends them without waiting for
 * the relay's next poll.
 */
export function outboxReadLog(db: Database, topic: string, published: () => void): ReadLog {
  return {
    async record(read) {
      const parts = readParts(read);
      const ids = { readId: randomUUID(), records: parts.length };
      const events = parts.map((part) => {
        const { subject } = part;
        const extensions: Record<string, string> = {
          actor: read.caller.code,
          ...(subject?.issuer ? { issuer: subject.issuer } : {}),
          ...(subject?.secretUntil ? { secretuntil: subject.secretUntil.toISOString() } : {}),
        };
        const event = EntriesReadEvent.make({
          subject: subject?.subject ?? read.caller.code,
          time: read.at,
          extensions,
          data: entriesReadBody(read, part, ids),
        });
        return { topic, event };
      });
      await db.transaction((tx) => appendToOutbox(tx, AUDIT_SCHEMA, events));
      published();
    },
  };
}
