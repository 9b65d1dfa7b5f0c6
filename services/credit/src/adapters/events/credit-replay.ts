import { creditV1 as cv, creditEventsV1 as ev } from '@onceonly/contracts';
import { type Projection, type ProjectionCheck, projectionOf, type ReplayEvent } from '@onceonly/replay';
import { type PlainDate, parsePlainDate } from '@onceonly/workdays';
import type { Grade, GradeLetter } from '../../domain/grades.js';
import type { Publicity } from '../../domain/publicity.js';
import type {
  CreditRecord,
  InspectionOutcome,
  LicenceChange,
  LicenceState,
  RecordBody,
  RecordStatus,
  Subject,
} from '../../domain/records.js';
import {
  CREDIT_RECORD_STATUS,
  CREDIT_SUBJECT_GRADE,
  type CreditReplayFact,
  evolveRecordStatus,
  evolveSubjectGrade,
  gradeDifferences,
  type LiveGrade,
  type LiveRecord,
  type ReplayedRecord,
  type ReplayedSubject,
  recordDifferences,
} from '../../domain/replay/credit-replay.js';
import { CREDIT_EVENT_TYPES as T } from '../../topics.js';
import { GRADE, PENALTY_KIND_OF, REGIME_OF, REPAIR_CONDITION_OF, SECTOR_OF } from '../grpc/to-proto.js';

// The wire side of the credit replay (docs/adr/005): the logged `credit.record.*` and `credit.grade.changed` bodies
// (proto/onceonly/credit/v1/events.proto) decoded into the domain's replay facts. The rules are in
// `domain/replay/credit-replay.ts`.

/** A later version's decision of a licensing body (ADR 040); nothing for the grant (or a body written before it). */
function licenceChangeOf(l: cv.Licensing): { change?: LicenceChange } {
  if (l.decision === '' || l.decision === 'granted') return {};
  if (l.decision !== 'changed' && l.decision !== 'renewed') throw new Error(`unknown licensing decision ${l.decision}`);
  return {
    change: { decision: l.decision, version: l.licenceVersion, previousCertificateId: l.previousCertificateId },
  };
}

/** The gRPC service the projections are compared with. */
export const CREDIT_SERVICE = 'onceonly.credit.v1.CreditService';

const RECORD_PREFIX = 'credit.record.';

const KIND_OF = new Map<number, CreditRecord['kind']>([
  [cv.RecordKind.RECORD_KIND_LICENSING, 'licensing'],
  [cv.RecordKind.RECORD_KIND_PENALTY, 'penalty'],
  [cv.RecordKind.RECORD_KIND_POST_CHECK, 'post-check'],
  [cv.RecordKind.RECORD_KIND_INSPECTION, 'inspection'],
  [cv.RecordKind.RECORD_KIND_LISTING_ENTRY, 'listing-entry'],
  [cv.RecordKind.RECORD_KIND_LISTING_EXIT, 'listing-exit'],
  [cv.RecordKind.RECORD_KIND_COMMENDATION, 'commendation'],
]);

const STATUS_OF = new Map<number, RecordStatus>([
  [cv.RecordStatus.RECORD_STATUS_ACTIVE, 'active'],
  [cv.RecordStatus.RECORD_STATUS_REPAIR_PENDING, 'repair-pending'],
  [cv.RecordStatus.RECORD_STATUS_REPAIRED, 'repaired'],
]);

const LETTER_OF = new Map<number, GradeLetter>(Object.entries(GRADE).map(([k, v]) => [v as number, k as GradeLetter]));

/** A record's status as the service answers it (undefined: none the replay knows). */
export const recordStatusFromProto = (status: cv.RecordStatus): RecordStatus | undefined => STATUS_OF.get(status);

function known<K, T>(table: Map<K, T>, value: K, what: string): T {
  const v = table.get(value);
  if (v === undefined) throw new Error(`an unknown ${what} ${value}`);
  return v;
}

/** An optional date field: absent when empty, refused when not YYYY-MM-DD. */
const optDate = (s: string | undefined): PlainDate | undefined => (s ? parsePlainDate(s) : undefined);

function dated<K extends string>(field: K, value: string | undefined): { [k in K]?: PlainDate } {
  const date = optDate(value);
  return (date === undefined ? {} : { [field]: date }) as { [k in K]?: PlainDate };
}

function subjectFromProto(s: cv.SubjectRef | undefined): Subject {
  if (!s?.subjectKey) throw new Error('no subject key');
  return s.display?.$case === 'maskedCitizenId'
    ? { kind: 'person', key: s.subjectKey, masked: s.display.value }
    : { kind: 'organisation', key: s.subjectKey };
}

const LICENCE_STATES = new Map<string, LicenceState>(
  (['valid', 'suspended', 'withdrawn', 'cancelled', 'expired', 'revoked'] as const).map((s) => [s, s]),
);
const OUTCOME_OF = new Map<string, InspectionOutcome>(
  (['compliant', 'ordered-to-correct', 'case-opened', 'not-located'] as const).map((o) => [o, o]),
);

/** Every body the service writes, mapped (a grade rule may read any of them); a body that is not its kind's: thrown. */
function bodyFromProto(kind: CreditRecord['kind'], body: cv.CreditRecord['body']): RecordBody {
  const expected =
    kind === 'listing-entry' || kind === 'listing-exit' ? 'listing' : kind === 'post-check' ? 'postCheck' : kind;
  if (body !== undefined && body.$case !== expected) throw new Error(`a ${kind} record with a ${body.$case} body`);
  switch (body?.$case) {
    case 'penalty': {
      const p = body.value;
      return {
        kind: 'penalty',
        decisionNumber: p.decisionNumber,
        name: p.name,
        kinds: p.kinds.map((k) => known(PENALTY_KIND_OF, k, 'penalty kind')),
        regime: known(REGIME_OF, p.regime, 'regime'),
        sector: known(SECTOR_OF, p.sector, 'sector'),
        facts: p.facts,
        legalBasis: p.legalBasis,
        result: p.result,
        amountFen: Number(p.amountFen),
        simpleProcedure: p.simpleProcedure,
      };
    }
    case 'listing':
      return {
        kind: kind === 'listing-exit' ? 'listing-exit' : 'listing-entry',
        decisionNumber: body.value.decisionNumber,
        reasons: body.value.reasons,
        legalBasis: body.value.legalBasis,
        ...(body.value.entryRecordId ? { entryRecordId: body.value.entryRecordId } : {}),
      };
    case 'commendation':
      return {
        kind: 'commendation',
        decisionNumber: body.value.decisionNumber,
        title: body.value.title,
        legalBasis: body.value.legalBasis,
      };
    case 'licensing': {
      const l = body.value;
      return {
        kind: 'licensing',
        decisionNumber: l.decisionNumber,
        certificateId: l.certificateId,
        licenceName: l.licenceName,
        typeCode: l.typeCode,
        validFrom: l.validFrom,
        ...(l.validTo ? { validTo: l.validTo } : {}),
        licenceStatus: known(LICENCE_STATES, l.licenceStatus, 'licence state'),
        ...(l.commitmentId ? { commitmentId: l.commitmentId } : {}),
        ...licenceChangeOf(l),
      };
    }
    case 'postCheck': {
      const c = body.value;
      if (c.result !== cv.PostCheckResult.POST_CHECK_RESULT_BROKEN) throw new Error('a post-check record not broken');
      return {
        kind: 'post-check',
        decisionNumber: c.decisionNumber,
        commitmentId: c.commitmentId,
        certificateId: c.certificateId,
        licenceNumber: c.licenceNumber,
        result: 'broken',
        findings: c.findings,
        inspector: c.inspector,
      };
    }
    case 'inspection': {
      const i = body.value;
      return {
        kind: 'inspection',
        decisionNumber: i.decisionNumber,
        taskId: i.taskId,
        taskTitle: i.taskTitle,
        inspectorId: i.inspectorId,
        outcome: known(OUTCOME_OF, i.outcome, 'inspection outcome'),
        findings: i.findings,
      };
    }
    default:
      throw new Error(`a ${kind} record without its body`);
  }
}

/** A logged record as the domain's record (what the grade rules read: kind, status, dates, the penalty's terms). */
export function recordFromProto(r: cv.CreditRecord | undefined): CreditRecord {
  if (!r?.id) throw new Error('no record');
  const kind = known(KIND_OF, r.kind, 'record kind');
  const p = r.publicity;
  const publicity: Publicity = {
    published: p?.published ?? false,
    ...(p?.notPublishedReason ? { notPublishedReason: p.notPublishedReason } : {}),
    ...dated('publishBy', p?.publishBy),
    late: p?.late ?? false,
    ...dated('publicFrom', p?.publicFrom),
    ...dated('repairFrom', p?.repairFrom),
    ...dated('publicUntil', p?.publicUntil),
    rules: p?.rule ? p.rule.split(',') : [],
    ruleSet: p?.ruleSet ?? '',
    repairExcluded: false,
  };
  const repair = r.repair;
  return {
    id: r.id,
    kind,
    subject: subjectFromProto(r.subject),
    partyName: r.subject?.name ?? '',
    owner: r.ownerCode,
    decisionDate: parsePlainDate(r.decisionDate),
    recordedOn: parsePlainDate(r.recordedOn),
    body: bodyFromProto(kind, r.body),
    publicity,
    status: known(STATUS_OF, r.status, 'record status'),
    version: r.version,
    ...(repair
      ? {
          repair: {
            appliedOn: parsePlainDate(repair.appliedOn),
            applicant: repair.applicantCode,
            conditions: repair.conditions.map((c) => known(REPAIR_CONDITION_OF, c, 'repair condition')),
            statement: repair.statement,
            ...(repair.decidedOn
              ? {
                  decision: {
                    decidedOn: parsePlainDate(repair.decidedOn),
                    granted: repair.granted,
                    reasons: repair.reasons,
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}

/** A grade as the service answers or announces it. */
export function gradeFromProto(g: cv.Grade): Grade {
  return {
    grade: known(LETTER_OF, g.grade, 'grade letter'),
    ruleSet: g.ruleSet,
    reasons: g.reasons.map((r) => ({ ruleId: r.ruleId, zh: r.wordsZh, en: r.wordsEn, recordIds: [...r.recordIds] })),
    asOf: parsePlainDate(g.asOf),
    ...dated('reviewOn', g.reviewOn),
  };
}

/**
 * A logged credit event as the folds' fact; 'ignore' for reads; undefined for a type the projections do not know. A
 * `credit.record.*` type this code does not name whose body is a `RecordChanged` naming that change (a new kind of
 * change of a record) is checked generically (the version moves by one, the subject and kind stay).
 */
export function decodeCreditEvent(event: ReplayEvent): CreditReplayFact | 'ignore' | undefined {
  if (event.type === T.profileRead) return 'ignore'; // a read changes nothing
  if (event.type === T.gradeChanged) {
    const body = ev.GradeChanged.decode(event.data);
    if (!body.grade) throw new Error('no grade');
    const previous = body.previous === cv.GradeLetter.GRADE_LETTER_UNSPECIFIED ? undefined : body.previous;
    return {
      type: 'grade',
      eventSubject: event.subject,
      subjectKey: subjectFromProto(body.subject).key,
      grade: gradeFromProto(body.grade),
      ...(previous === undefined ? {} : { previous: known(LETTER_OF, previous, 'grade letter') }),
      ...(body.causeRecordId ? { cause: body.causeRecordId } : {}),
    };
  }
  if (!event.type.startsWith(RECORD_PREFIX)) return undefined;
  const change = event.type.slice(RECORD_PREFIX.length);
  const body = ev.RecordChanged.decode(event.data);
  if (body.change !== change) {
    const named = (Object.values(T) as string[]).includes(event.type);
    if (named) throw new Error(`the body names the change ${body.change || '(none)'}, the type ${change}`);
    return undefined;
  }
  return { type: 'record', change, eventSubject: event.subject, record: recordFromProto(body.record) };
}

/** The grade projection reads the records (what a grade counts) and the grade changes. */
const accepts = (type: string) => type.startsWith(RECORD_PREFIX) || type === T.gradeChanged;

export const creditRecordProjection: Projection<ReplayedRecord> = projectionOf({
  name: CREDIT_RECORD_STATUS,
  accepts: (type) => type.startsWith(RECORD_PREFIX),
  decode: decodeCreditEvent,
  evolve: (state, fact) => evolveRecordStatus(state, fact),
  keyLabel: (key) => `credit record ${key}`,
});

export const creditGradeProjection: Projection<ReplayedSubject> = projectionOf({
  name: CREDIT_SUBJECT_GRADE,
  accepts,
  // a record event that does not decode is the record projection's finding (reported once); its subject's grade
  // then differs from the service's, which this projection reports
  decode: (event) => {
    if (event.type === T.gradeChanged) return decodeCreditEvent(event);
    try {
      return decodeCreditEvent(event) ?? 'ignore';
    } catch {
      return 'ignore';
    }
  },
  evolve: (state, fact) => evolveSubjectGrade(state, fact),
  keyLabel: (key) => `subject ${key}`,
});

/** How the replay reads one record from the service (undefined: not found). */
export type RecordLookup = (id: string) => Promise<LiveRecord | undefined>;
/** How the replay reads one subject's grade from the service, by its subject key. */
export type GradeLookup = (subjectKey: string) => Promise<LiveGrade | undefined>;

/** The record projection with the service's reader (GetRecord, asked as an auditor). */
export function creditRecordCheck(
  lookup?: RecordLookup,
  options: { skipped?: string } = {},
): ProjectionCheck<ReplayedRecord, LiveRecord> {
  return {
    projection: creditRecordProjection,
    ...(lookup === undefined
      ? { skipped: options.skipped ?? 'the credit service was not asked' }
      : { reader: { read: (id: string) => lookup(id) } }),
    differences: (key, rebuilt, live) => recordDifferences(key, rebuilt, live),
  };
}

/** The grade projection with the service's reader (GetCreditProfile by subject key, asked as an auditor). */
export function creditGradeCheck(
  lookup?: GradeLookup,
  options: { skipped?: string } = {},
): ProjectionCheck<ReplayedSubject, LiveGrade> {
  return {
    projection: creditGradeProjection,
    ...(lookup === undefined
      ? { skipped: options.skipped ?? 'the credit service was not asked' }
      : { reader: { read: (key: string) => lookup(key) } }),
    differences: (key, rebuilt, live) => gradeDifferences(key, rebuilt, live),
  };
}
