import { creditEventsV1 as ev } from '@onceonly/contracts';
import type { Finding, ReplayEvent } from '@onceonly/replay';
import { CHINA_WORKDAYS, type PlainDate } from '@onceonly/workdays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listingCommand, penaltyCommand, recorded } from '../../../test/records.js';
import { type Grade, gradeChanged, gradeOf } from '../../domain/grades.js';
import { inspectionRecord } from '../../domain/inspection-records.js';
import { PENALTY_KINDS } from '../../domain/publicity.js';
import type { CreditRecord } from '../../domain/records.js';
import type { ReplayedRecord, ReplayedSubject } from '../../domain/replay/credit-replay.js';
import { gradeDifferences, recordDifferences } from '../../domain/replay/credit-replay.js';
import { CREDIT_EVENT_TYPES as T } from '../../topics.js';
import { GRADE, gradeToProto, recordToProto, subjectToProto } from '../grpc/to-proto.js';
import { creditGradeProjection, creditRecordProjection, decodeCreditEvent, recordFromProto } from './credit-replay.js';

const TODAY = '2026-03-04' as PlainDate;
let n = 0;
function event(type: string, subject: string, data: Uint8Array): ReplayEvent {
  n++;
  return {
    id: `e${n}`,
    source: '/onceonly/credit',
    type,
    subject,
    time: '2026-03-04T02:00:00Z',
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:x',
    sequence: String(n),
    data,
  };
}

const recordEvent = (r: CreditRecord, change = 'recorded', type = `credit.record.${change}`) =>
  event(
    type,
    r.subject.key,
    ev.RecordChanged.encode({ record: recordToProto(r), change, actorCode: r.owner, occurredAt: '' }).finish(),
  );
const gradeEvent = (r: CreditRecord, grade: Grade, previous?: Grade, cause = r.id) =>
  event(
    T.gradeChanged,
    r.subject.key,
    ev.GradeChanged.encode({
      subject: subjectToProto(r.subject, r.partyName),
      grade: gradeToProto({ ...grade, version: 1 }),
      previous: previous ? GRADE[previous.grade] : 0,
      causeRecordId: cause,
      occurredAt: '',
    }).finish(),
  );

function replay(events: ReplayEvent[]) {
  const records = new Map<string, ReplayedRecord>();
  const subjects = new Map<string, ReplayedSubject>();
  const findings: Finding[] = [];
  for (const e of events) {
    findings.push(
      ...(creditRecordProjection.apply(records, e) ?? []),
      ...(creditGradeProjection.apply(subjects, e) ?? []),
    );
  }
  return { records, subjects, findings };
}

// two non-minor penalties of one subject: B, then C
const p1 = recorded(penaltyCommand({ decisionDate: '2026-03-02' }), TODAY);
const p2 = recorded(penaltyCommand({ decisionDate: '2026-03-03' }), TODAY, [p1]);
const b = gradeOf([p1], TODAY);
const c = gradeOf([p1, p2], TODAY);
const pending: CreditRecord = { ...p2, status: 'repair-pending', version: 2 };
const repaired: CreditRecord = { ...p2, status: 'repaired', version: 3 };
const afterRepair = gradeOf([p1, repaired], TODAY);
const history = [
  recordEvent(p1),
  gradeEvent(p1, b),
  recordEvent(p2),
  gradeEvent(p2, c, b),
  recordEvent(pending, 'repair-applied'),
  recordEvent(repaired, 'repair-decided'),
  gradeEvent(repaired, afterRepair, c),
];

describe('the credit replay projections', () => {
  it('rebuild records and grades from a lawful history without a finding', () => {
    const { records, subjects, findings } = replay(history);
    expect(findings).toEqual([]);
    expect(records.get(p2.id)).toMatchObject({ status: 'repaired', version: 3 });
    expect(records.get(p1.id)).toMatchObject({ status: 'active', version: 1 });
    const subject = subjects.get(p1.subject.key)!;
    expect(subject.announced?.grade).toBe('B');
    expect(gradeDifferences(p1.subject.key, subject, { grade: afterRepair })).toEqual([]);
    expect(
      recordDifferences(p2.id, records.get(p2.id)!, { status: 'repaired', version: 3, subjectKey: p2.subject.key }),
    ).toEqual([]);
  });

  it('name events the rules could not have produced', () => {
    const messages = (events: ReplayEvent[]) => replay(events).findings.map((f) => [f.kind, f.message]);
    expect(messages([recordEvent(p1), recordEvent(p1)])).toEqual([
      ['PROJECTION_EVENT_INVALID', `credit.record.recorded of credit record ${p1.id}: recorded again`],
    ]);
    expect(
      messages([recordEvent(p1), recordEvent({ ...p1, status: 'repaired', version: 2 }, 'repair-decided')]),
    ).toEqual([
      [
        'PROJECTION_EVENT_INVALID',
        `credit.record.repair-decided of credit record ${p1.id}: repair-decided after active`,
      ],
    ]);
    expect(
      messages([
        recordEvent(p1),
        recordEvent({ ...p1, status: 'repair-pending', version: 3 }, 'repair-applied'),
      ])[0]![1],
    ).toContain('repair-applied at version 3, not 2');
    // a grade the rules do not give for the logged records (A, while a non-minor penalty is on record)
    const a: Grade = { ...b, grade: 'A', reasons: [{ ruleId: 'no-negative-36m', zh: '', en: '', recordIds: [] }] };
    expect(messages([recordEvent(p1), gradeEvent(p1, a)])[0]![1]).toContain(
      'the rules give B (general[]; grades/2026-3)',
    );
    // the same grade announced twice; a previous letter the log did not announce
    expect(messages([recordEvent(p1), gradeEvent(p1, b), gradeEvent(p1, b, b)])[0]![1]).toContain('says nothing new');
    expect(messages([recordEvent(p1), recordEvent(p2), gradeEvent(p2, c, b)])[0]![1]).toContain(
      'says the previous grade was B, the log says none',
    );
    // an event keyed by another subject than its record
    expect(messages([{ ...recordEvent(p1), subject: 'x' }])[0]![1]).toContain('keyed by another subject');
  });

  it('check a change of a record this code does not name generically, and refuse what it cannot read', () => {
    const withdrawn: CreditRecord = { ...p1, version: 2 };
    expect(replay([recordEvent(p1), recordEvent(withdrawn, 'withdrawn')]).findings).toEqual([]);
    expect(replay([recordEvent(p1), recordEvent(p1, 'withdrawn')]).findings.map((f) => f.message)).toEqual([
      `credit.record.withdrawn of credit record ${p1.id}: withdrawn at version 1, not 2`,
    ]);
    // a body that names another change: the type's effect is unknown
    const odd = recordEvent(p1, 'recorded', 'credit.record.merged');
    expect(decodeCreditEvent(odd)).toBeUndefined();
    expect(replay([odd]).findings.map((f) => f.message)).toEqual([
      'credit.record.merged: the type credit.record.merged is not one the projection knows: its effect is unknown',
    ]);
    const garbage = event(T.recorded, p1.subject.key, new Uint8Array([0xff, 0xff, 0xff]));
    expect(replay([garbage]).findings.map((f) => f.kind)).toEqual(['PROJECTION_EVENT_INVALID']);
    // reads and other facts of the topic change nothing
    const read = event(T.profileRead, p1.subject.key, ev.ProfileRead.encode(ev.ProfileRead.fromPartial({})).finish());
    const other = event('credit.commitment.tracked', p1.subject.key, new Uint8Array([1, 2]));
    expect(replay([read, other])).toMatchObject({ findings: [], records: new Map(), subjects: new Map() });
  });

  it('compare with the service and name each difference', () => {
    const { records, subjects } = replay(history);
    const key = p1.subject.key;
    expect(recordDifferences(p1.id, records.get(p1.id)!, { status: 'repaired', version: 1, subjectKey: key })).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_STATUS_MISMATCH', expected: 'active', actual: 'repaired' }),
    ]);
    expect(recordDifferences(p1.id, records.get(p1.id)!, undefined)[0]!.kind).toBe('PROJECTION_UNKNOWN_TO_SERVICE');
    expect(recordDifferences(p1.id, records.get(p1.id)!, { status: 'active', version: 2, subjectKey: key })).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_MISMATCH', expected: '1', actual: '2' }),
    ]);
    const subject = subjects.get(key)!;
    // the stored letter changed behind the service: neither announced nor what the rules give
    const found = gradeDifferences(key, subject, { grade: { ...afterRepair, grade: 'C' } });
    expect(found.map((f) => f.message)).toEqual([
      `subject ${key}: the service's grade says other than the log last announced`,
      `subject ${key}: the rules give another grade on ${TODAY} for the logged records`,
    ]);
    // reasons reworded; the review day moved
    const reworded = { ...afterRepair, reasons: afterRepair.reasons.map((r) => ({ ...r, zh: '改' })) };
    expect(gradeDifferences(key, subject, { grade: reworded })[0]!.message).toContain('worded otherwise');
    expect(gradeDifferences(key, subject, { grade: { ...afterRepair, reviewOn: '2030-01-01' as PlainDate } })).toEqual([
      expect.objectContaining({ message: `subject ${key}: review day differs`, actual: '2030-01-01' }),
    ]);
    expect(gradeDifferences(key, subject, { grade: undefined })[0]!.kind).toBe('PROJECTION_UNKNOWN_TO_SERVICE');
  });
});

describe('any lawful history', () => {
  const day = '2026-06-01' as PlainDate;
  const dateAgo = (n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
  const arrival = fc.record({
    kinds: fc.uniqueArray(fc.constantFrom(...PENALTY_KINDS), { minLength: 1, maxLength: 3 }),
    // the calendar holds 2023–2026: decisions from 2023-02 on
    daysAgo: fc.integer({ min: 0, max: 1200 }),
    amountFen: fc.integer({ min: 1, max: 5_000_000 }),
    repaired: fc.boolean(),
    listing: fc.boolean(),
  });

  it('replays without a finding, and agrees with the grade the service would store', () => {
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 1, maxLength: 8 }), (arrivals) => {
        // the service's sequence (app/change-subject.ts): each change, then the grade recomputed from every record,
        // announced only when it says something new; records arrive in any order of their decisions
        const events: ReplayEvent[] = [];
        const records = new Map<string, CreditRecord>();
        let stored: Grade | undefined;
        const change = (r: CreditRecord, what: string) => {
          records.set(r.id, r);
          events.push(recordEvent(r, what));
          const computed = gradeOf([...records.values()], day);
          if (gradeChanged(stored, computed)) events.push(gradeEvent(r, computed, stored));
          stored = computed;
        };
        for (const a of arrivals) {
          const money = a.kinds.includes('fine') || a.kinds.includes('confiscation');
          const date = dateAgo(a.daysAgo);
          const command = a.listing
            ? listingCommand(date)
            : penaltyCommand({ kinds: a.kinds, amountFen: money ? a.amountFen : 0, decisionDate: date });
          const r = recorded(command, date);
          change(r, 'recorded');
          if (a.repaired && !a.listing) {
            change({ ...r, status: 'repair-pending', version: 2 }, 'repair-applied');
            change({ ...r, status: 'repaired', version: 3 }, 'repair-decided');
          }
        }
        const { records: rebuilt, subjects, findings } = replay(events);
        expect(findings).toEqual([]);
        for (const r of records.values()) {
          const live = { status: r.status, version: r.version, subjectKey: r.subject.key };
          expect(recordDifferences(r.id, rebuilt.get(r.id)!, live)).toEqual([]);
        }
        const key = [...records.values()][0]!.subject.key;
        expect(gradeDifferences(key, subjects.get(key)!, { grade: stored })).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('maps every body the service writes: licensing, a broken post-check, an inspection result (grades read them)', () => {
    const terms = {
      taskId: 'T-1',
      taskTitle: '双随机抽查',
      creditCode: p1.subject.key,
      inspectorId: 'INS-1',
      outcome: 'not-located' as const,
      findings: '登记住所查无下落',
      inspectedOn: TODAY,
      recordedBy: p1.owner,
    };
    const inspection = inspectionRecord(terms, 'insp-1', '', TODAY, CHINA_WORKDAYS);
    const licensing: CreditRecord = {
      ...inspection,
      id: 'cert-1',
      kind: 'licensing',
      body: {
        kind: 'licensing',
        decisionNumber: 'JY1310107000001',
        certificateId: 'cert-1',
        licenceName: '食品经营许可证',
        typeCode: 'food',
        validFrom: '2026-03-04',
        licenceStatus: 'withdrawn',
        commitmentId: 'c-1',
      },
    };
    const postCheck: CreditRecord = {
      ...inspection,
      id: 'pc-1',
      kind: 'post-check',
      body: {
        kind: 'post-check',
        decisionNumber: 'post-check/c-1',
        commitmentId: 'c-1',
        certificateId: 'cert-1',
        licenceNumber: 'JY1310107000001',
        result: 'broken',
        findings: '承诺不实',
        inspector: 'INS-2',
      },
    };
    // a later version's decision (变更, 延续: ADR 040) with its version and predecessor
    const renewal: CreditRecord = {
      ...licensing,
      id: 'cert-3',
      body: {
        kind: 'licensing',
        decisionNumber: 'JY1310107000001/v3',
        certificateId: 'cert-3',
        licenceName: '食品经营许可证',
        typeCode: 'food',
        validFrom: '2031-03-04',
        validTo: '2036-03-03',
        licenceStatus: 'valid',
        change: { decision: 'renewed', version: 3, previousCertificateId: 'cert-2' },
      },
    };
    for (const r of [inspection, licensing, postCheck, renewal]) {
      expect(recordFromProto(recordToProto(r)).body).toEqual(r.body);
    }
    const unknownDecision = recordToProto(renewal);
    if (unknownDecision.body?.$case === 'licensing') unknownDecision.body.value.decision = 'transferred';
    expect(() => recordFromProto(unknownDecision)).toThrow('unknown licensing decision');
    // the inspection's outcome decides the grade (grades/2026-3: not located → C), and the replay agrees
    const grade = gradeOf([inspection], TODAY);
    expect(grade.grade).toBe('C');
    expect(replay([recordEvent(inspection), gradeEvent(inspection, grade)]).findings).toEqual([]);
    // a body of another kind than the record's is named
    const mixed = recordToProto(inspection);
    mixed.body = recordToProto(licensing).body;
    expect(() => recordFromProto(mixed)).toThrow('with a licensing body');
  });
});
