import { type Evolved, type Finding, finding } from '@onceonly/replay';
import {
  GRADE_RULE_SETS,
  GRADE_RULES,
  type Grade,
  type GradeLetter,
  type GradeReason,
  gradeChanged,
  gradeOf,
} from '../grades.js';
import type { CreditRecord, RecordStatus } from '../records.js';

/**
 * The credit service's replay projections' pure folds (docs/adr/005): every record's status and version, and every
 * subject's grade, rebuilt from the logged `credit.record.*` and `credit.grade.changed` events alone. Each event is
 * checked against the service's rules (a record recorded once at version 1, a repair applied to an active record
 * and decided on a pending one, the version moving by one; a grade change that says something new, follows the
 * previous announced letter, and is what the grade rules give for the records logged before it). The decoder is
 * in `adapters/events/credit-replay.ts`.
 */

export const CREDIT_RECORD_STATUS = 'credit-record-status';
export const CREDIT_SUBJECT_GRADE = 'credit-subject-grade';

/** One logged fact: a record after a change (the change as the event names it), or a subject's grade change. */
export type CreditReplayFact =
  | {
      readonly type: 'record';
      /** `recorded`, `repair-applied`, `repair-decided`, or a change this code does not know (checked generically). */
      readonly change: string;
      /** The event's subject (the subject key the event is keyed by). */
      readonly eventSubject: string;
      readonly record: CreditRecord;
    }
  | {
      readonly type: 'grade';
      readonly eventSubject: string;
      readonly subjectKey: string;
      readonly grade: Grade;
      readonly previous?: GradeLetter;
      readonly cause?: string;
    };

/** What the record projection keeps per record. */
export interface ReplayedRecord {
  readonly status: RecordStatus;
  readonly version: number;
  readonly subjectKey: string;
  readonly kind: CreditRecord['kind'];
}

/** What the grade projection keeps per subject: its records as logged, and the last grade announced. */
export interface ReplayedSubject {
  readonly records: Map<string, CreditRecord>;
  announced?: Grade;
}

/** Per known change: the statuses it may follow and the statuses it may give. */
const RULES: Readonly<Record<string, { from: readonly RecordStatus[]; to: readonly RecordStatus[] }>> = {
  'repair-applied': { from: ['active'], to: ['repair-pending'] },
  'repair-decided': { from: ['repair-pending'], to: ['repaired', 'active'] },
};

/** The record projection: applies one fact; the problems are the ways the service could not have produced it. */
export function evolveRecordStatus(state: Map<string, ReplayedRecord>, fact: CreditReplayFact): Evolved {
  if (fact.type !== 'record') return { problems: [] };
  const { record, change } = fact;
  const key = record.id;
  const problems: string[] = [];
  const before = state.get(key);
  if (fact.eventSubject !== record.subject.key) problems.push('the event is keyed by another subject than its record');
  if (change === 'recorded') {
    if (before) problems.push('recorded again');
    if (record.status !== 'active') problems.push(`recorded with status ${record.status}`);
    if (record.version !== 1) problems.push(`recorded at version ${record.version}, not 1`);
  } else if (!before) {
    problems.push(`${change} of a record never recorded`);
  } else {
    const rule = RULES[change];
    if (rule && !rule.from.includes(before.status)) problems.push(`${change} after ${before.status}`);
    if (rule && !rule.to.includes(record.status))
      problems.push(`${change} gave ${record.status}, not ${rule.to.join(' or ')}`);
    if (record.version !== before.version + 1)
      problems.push(`${change} at version ${record.version}, not ${before.version + 1}`);
    if (record.subject.key !== before.subjectKey) problems.push(`${change} moved the record to another subject`);
    if (record.kind !== before.kind) problems.push(`${change} changed the record's kind`);
  }
  state.set(key, { status: record.status, version: record.version, subjectKey: record.subject.key, kind: record.kind });
  return { problems, key };
}

/** A subject's records as the service orders them (decision date, then id). */
export function recordsOf(subject: ReplayedSubject): CreditRecord[] {
  return [...subject.records.values()].sort((a, b) => (a.decisionDate + a.id < b.decisionDate + b.id ? -1 : 1));
}

const reasonText = (r: GradeReason) => `${r.ruleId}[${[...r.recordIds].sort().join(' ')}]`;
/** A grade in words for messages: `C (non-minor-penalties-12m[r1 r2], grades/2026-1)`. */
export const gradeText = (g: Pick<Grade, 'grade' | 'reasons' | 'ruleSet'>) =>
  `${g.grade} (${g.reasons.map(reasonText).join(', ')}; ${g.ruleSet})`;

/** The grade projection: applies one fact (records update the subject's records; grade changes are checked). */
export function evolveSubjectGrade(state: Map<string, ReplayedSubject>, fact: CreditReplayFact): Evolved {
  if (fact.type === 'record') {
    const key = fact.record.subject.key;
    const subject = state.get(key) ?? { records: new Map() };
    subject.records.set(fact.record.id, fact.record);
    state.set(key, subject);
    return { problems: [] }; // the record projection checks the record itself
  }
  const key = fact.subjectKey;
  const problems: string[] = [];
  const subject = state.get(key);
  if (fact.eventSubject !== key) problems.push('the event is keyed by another subject than its grade');
  if (!subject || subject.records.size === 0) {
    problems.push('a grade for a subject with no logged record');
    state.set(key, { records: subject?.records ?? new Map(), announced: fact.grade });
    return { problems, key };
  }
  const before = subject.announced;
  if (fact.previous !== before?.grade)
    problems.push(`says the previous grade was ${fact.previous ?? 'none'}, the log says ${before?.grade ?? 'none'}`);
  if (before && !gradeChanged(before, fact.grade)) problems.push('announces a grade that says nothing new');
  if (fact.cause !== undefined && !subject.records.has(fact.cause))
    problems.push(`caused by record ${fact.cause}, not one of the subject's logged records`);
  const rules = GRADE_RULE_SETS.get(fact.grade.ruleSet);
  if (rules) {
    const expected = gradeOf(recordsOf(subject), fact.grade.asOf, rules);
    if (gradeText(expected) !== gradeText(fact.grade))
      problems.push(
        `the rules give ${gradeText(expected)} on ${fact.grade.asOf} for the records logged before it, not ${gradeText(fact.grade)}`,
      );
  }
  subject.announced = fact.grade;
  return { problems, key };
}

/** What the service answers for a record, as the replay compares it. */
export interface LiveRecord {
  readonly status: RecordStatus | undefined;
  readonly version: number;
  readonly subjectKey: string;
}

/** The differences between the rebuilt record and the service's answer, each a named finding. */
export function recordDifferences(key: string, rebuilt: ReplayedRecord, live: LiveRecord | undefined): Finding[] {
  if (!live)
    return [
      finding('PROJECTION_UNKNOWN_TO_SERVICE', `credit record ${key}: recorded in the log, unknown to the service`, {
        key,
      }),
    ];
  const out: Finding[] = [];
  if (rebuilt.status !== live.status)
    out.push(
      finding(
        'PROJECTION_STATUS_MISMATCH',
        `credit record ${key}: the log gives ${rebuilt.status}, the service says ${live.status}`,
        {
          key,
          expected: rebuilt.status,
          actual: String(live.status),
        },
      ),
    );
  if (rebuilt.version !== live.version)
    out.push(
      finding(
        'PROJECTION_MISMATCH',
        `credit record ${key}: version ${rebuilt.version} in the log, ${live.version} in the service`,
        {
          key,
          expected: String(rebuilt.version),
          actual: String(live.version),
        },
      ),
    );
  if (rebuilt.subjectKey !== live.subjectKey)
    out.push(
      finding('PROJECTION_MISMATCH', `credit record ${key}: about another subject in the service than in the log`, {
        key,
        expected: rebuilt.subjectKey,
        actual: live.subjectKey,
      }),
    );
  return out;
}

/** What the service answers for a subject: its grade (undefined: no grade). */
export interface LiveGrade {
  readonly grade: Grade | undefined;
}

/**
 * The differences between the subject rebuilt from the log and the service's grade: the grade must be what the rules
 * give for the logged records on the day the service computed it (`asOf`: letter, rule set, every reason with its
 * words and records, the review day), and say what the log last announced (letter, rules, rule set).
 */
export function gradeDifferences(key: string, rebuilt: ReplayedSubject, live: LiveGrade | undefined): Finding[] {
  const label = `subject ${key}`;
  const grade = live?.grade;
  if (!grade)
    return rebuilt.records.size === 0 && !rebuilt.announced
      ? []
      : [finding('PROJECTION_UNKNOWN_TO_SERVICE', `${label}: graded in the log, no grade in the service`, { key })];
  const out: Finding[] = [];
  if (!rebuilt.announced)
    out.push(
      finding('PROJECTION_MISMATCH', `${label}: the service has a grade the log never announced`, {
        key,
        actual: gradeText(grade),
      }),
    );
  else if (gradeChanged(rebuilt.announced, grade))
    out.push(
      finding('PROJECTION_MISMATCH', `${label}: the service's grade says other than the log last announced`, {
        key,
        expected: gradeText(rebuilt.announced),
        actual: gradeText(grade),
      }),
    );
  const rules = GRADE_RULE_SETS.get(grade.ruleSet);
  if (!rules) {
    out.push(
      finding(
        'PROJECTION_MISMATCH',
        `${label}: graded under rule set ${grade.ruleSet}, which this replay does not know`,
        {
          key,
          expected: GRADE_RULES.version,
          actual: grade.ruleSet,
        },
      ),
    );
    return out;
  }
  const expected = gradeOf(recordsOf(rebuilt), grade.asOf, rules);
  const words = (g: Grade) => g.reasons.map((r) => `${r.ruleId}: ${r.zh} / ${r.en}`).join('; ');
  if (gradeText(expected) !== gradeText(grade))
    out.push(
      finding('PROJECTION_MISMATCH', `${label}: the rules give another grade on ${grade.asOf} for the logged records`, {
        key,
        expected: gradeText(expected),
        actual: gradeText(grade),
      }),
    );
  else if (words(expected) !== words(grade))
    out.push(
      finding('PROJECTION_MISMATCH', `${label}: the grade's reasons are worded otherwise than the rules word them`, {
        key,
        expected: words(expected),
        actual: words(grade),
      }),
    );
  if ((expected.reviewOn ?? '') !== (grade.reviewOn ?? ''))
    out.push(
      finding('PROJECTION_MISMATCH', `${label}: review day differs`, {
        key,
        expected: expected.reviewOn ?? 'none',
        actual: grade.reviewOn ?? 'none',
      }),
    );
  return out;
}
