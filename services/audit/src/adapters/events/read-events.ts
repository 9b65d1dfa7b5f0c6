import { auditEventsV1 } from '@onceonly/contracts';
import { appendToOutbox, defineEvent } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import type { ReadLog, ReadRecord } from '../../app/read-entries.js';
import { ENTRIES_READ_TYPE } from '../../topics.js';
import { AUDIT_SCHEMA } from '../db/audit-store.js';

/** The source of the log's records of reads: its own, so that its sequence is complete in the log. */
export const READS_SOURCE = '/onceonly/audit/reads';

/** `audit.entries-read`: a caller read entries (key: the reader's code; extension `actor`: the reader's code). */
export const EntriesReadEvent = defineEvent({
  type: ENTRIES_READ_TYPE,
  source: READS_SOURCE,
  dataschema: 'proto:onceonly.audit.v1.EntriesRead',
  codec: auditEventsV1.EntriesRead,
});

/** The body of a read's event. Subjects are as the log holds them: a citizen is only ever a keyed hash there. */
export function entriesReadBody(read: ReadRecord): auditEventsV1.EntriesRead {
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
    entries: String(read.leafIndexes.length),
    leafIndexes: read.leafIndexes.map(String),
    purpose: read.purpose,
    readAt: read.at.toISOString(),
  };
}

/**
 * The {@link ReadLog} over the audit outbox: each read is one `audit.entries-read` committed before the entries are
 * returned, then `published` (the relay's kick) sends it without waiting for the relay's next poll.
 */
export function outboxReadLog(db: Database, topic: string, published: () => void): ReadLog {
  return {
    async record(read) {
      const event = EntriesReadEvent.make({
        subject: read.caller.code,
        time: read.at,
        extensions: { actor: read.caller.code },
        data: entriesReadBody(read),
      });
      await db.transaction((tx) => appendToOutbox(tx, AUDIT_SCHEMA, [{ topic, event }]));
      published();
    },
  };
}
