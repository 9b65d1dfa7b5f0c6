import { creditEventsV1 as ev } from '@onceonly/contracts';
import { appendToOutbox, CAUSATION_EXTENSION, defineEvent } from '@onceonly/events';
import type { CommitmentFact, CreditOutbox, GradeChangeFact } from '../../app/ports.js';
import type { RecordFact, Subject } from '../../domain/records.js';
import { CREDIT_EVENT_TYPES, CREDIT_TOPIC } from '../../topics.js';
import { CREDIT_SCHEMA } from '../db/stores.js';
import { commitmentToProto, GRADE, gradeToProto, recordToProto, subjectToProto } from '../grpc/to-proto.js';

/** CloudEvents source of every event of this service. */
export const CREDIT_SOURCE = '/onceonly/credit';

const TYPE_OF_FACT: Record<RecordFact['type'], string> = {
  recorded: CREDIT_EVENT_TYPES.recorded,
  'repair-applied': CREDIT_EVENT_TYPES.repairApplied,
  'repair-decided': CREDIT_EVENT_TYPES.repairDecided,
  updated: CREDIT_EVENT_TYPES.recordUpdated,
};

const COMMITMENT_TYPES: Record<CommitmentFact, string> = {
  tracked: CREDIT_EVENT_TYPES.commitmentTracked,
  kept: CREDIT_EVENT_TYPES.commitmentKept,
  broken: CREDIT_EVENT_TYPES.commitmentBroken,
  overdue: CREDIT_EVENT_TYPES.commitmentOverdue,
};

const commitmentEvents = new Map(
  Object.entries(COMMITMENT_TYPES).map(([fact, type]) => [
    fact,
    defineEvent({
      type,
      source: CREDIT_SOURCE,
      dataschema: 'proto:onceonly.credit.v1.CommitmentChanged',
      codec: ev.CommitmentChanged,
    }),
  ]),
);

const recordEvents = new Map(
  Object.entries(TYPE_OF_FACT).map(([fact, type]) => [
    fact,
    defineEvent({
      type,
      source: CREDIT_SOURCE,
      dataschema: 'proto:onceonly.credit.v1.RecordChanged',
      codec: ev.RecordChanged,
    }),
  ]),
);

const gradeChanged = defineEvent({
  type: CREDIT_EVENT_TYPES.gradeChanged,
  source: CREDIT_SOURCE,
  dataschema: 'proto:onceonly.credit.v1.GradeChanged',
  codec: ev.GradeChanged,
});

const profileRead = defineEvent({
  type: CREDIT_EVENT_TYPES.profileRead,
  source: CREDIT_SOURCE,
  dataschema: 'proto:onceonly.credit.v1.ProfileRead',
  codec: ev.ProfileRead,
});

function gradeEvent(subject: Subject, name: string, grade: GradeChangeFact, at: Date) {
  return gradeChanged.make({
    subject: subject.key,
    time: at,
    data: {
      subject: subjectToProto(subject, name),
      grade: gradeToProto(grade.grade),
      previous: grade.previous ? GRADE[grade.previous] : 0,
      causeRecordId: grade.cause ?? '',
      occurredAt: at.toISOString(),
    },
  });
}

/**
 * Credit facts → CloudEvents on `onceonly.credit.v1`, keyed by the subject key (a credit code, or the keyed hash of
 * a person's citizen ID: never the ID), in the change's transaction. Extension `actor`: the caller that acted (the
 * audit log's read rules attribute entries by it); the grade's change is the hub's, caused by the record.
 */
export const sqlCreditOutbox: CreditOutbox = {
  async change(tx, { record, fact, actor, grade, at, eventId, cause }) {
    const recordEvent = recordEvents.get(fact.type)!.make({
      subject: record.subject.key,
      time: at,
      ...(eventId === undefined ? {} : { id: eventId }),
      extensions: { actor, ...(cause === undefined ? {} : { [CAUSATION_EXTENSION]: cause }) },
      data: { record: recordToProto(record), change: fact.type, actorCode: actor, occurredAt: at.toISOString() },
    });
    const events = [{ topic: CREDIT_TOPIC, event: recordEvent }];
    if (grade) events.push({ topic: CREDIT_TOPIC, event: gradeEvent(record.subject, record.partyName, grade, at) });
    await appendToOutbox(tx, CREDIT_SCHEMA, events);
  },
  async commitment(tx, { commitment, fact, actor, at, cause }) {
    const event = commitmentEvents.get(fact)!.make({
      subject: commitment.subject.key,
      time: at,
      extensions: {
        ...(actor === undefined ? {} : { actor }),
        ...(cause === undefined ? {} : { [CAUSATION_EXTENSION]: cause }),
      },
      data: {
        commitment: commitmentToProto(commitment),
        change: fact,
        actorCode: actor ?? '',
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, CREDIT_SCHEMA, [{ topic: CREDIT_TOPIC, event }]);
    return event.id;
  },
  async regraded(tx, { subject, name, grade, at }) {
    await appendToOutbox(tx, CREDIT_SCHEMA, [{ topic: CREDIT_TOPIC, event: gradeEvent(subject, name, grade, at) }]);
  },
  async profileRead(tx, { subject, name, reader, role, purpose, at, recordId }) {
    const event = profileRead.make({
      subject: subject.key,
      time: at,
      extensions: { actor: reader },
      data: {
        subject: subjectToProto(subject, name),
        readerCode: reader,
        readerRole: role,
        purpose,
        occurredAt: at.toISOString(),
        recordId: recordId ?? '',
      },
    });
    await appendToOutbox(tx, CREDIT_SCHEMA, [{ topic: CREDIT_TOPIC, event }]);
  },
};
