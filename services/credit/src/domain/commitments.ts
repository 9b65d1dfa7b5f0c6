import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { isPlainDate, type PlainDate, type WorkCalendar } from '@onceonly/workdays';
import { kindPublicity, PUBLICITY_RULES, type PublicityRuleSet } from './publicity.js';
import {
  type Actor,
  type CreditRecord,
  type LicenceChange,
  type LicenceState,
  type LicensingBody,
  MAX_NAME,
  MAX_TEXT,
  type PostCheckBody,
  type Subject,
} from './records.js';

/**
 * 双公示 of licensing decisions and 告知承诺 (approval on commitment), as pure transitions. A licence the certificate
 * service issued becomes a `licensing` record keyed by the certificate's id; one granted on commitment also becomes
 * a tracked commitment (open). The issuing department (its inspector) records the post-approval check (批后核查):
 * kept, or broken, which makes a `post-check` record (a negative record: grade C for 12 months) and the event on
 * which the certificate service withdraws (撤销) the licence.
 */

/** A licence as `certificate.issued` tells it, with the holder as the credit service keys it. */
export interface IssuedLicence {
  readonly certificateId: string;
  readonly number: string;
  readonly name: string;
  readonly typeCode: string;
  readonly issuer: string;
  readonly holder: Subject;
  readonly holderName: string;
  /** YYYY-MM-DD */
  readonly issueDate: string;
  readonly validFrom: string;
  readonly validTo?: string;
  readonly commitment?: { readonly postCheckDue: string; readonly terms: string };
}

export type CommitmentStatus = 'open' | 'kept' | 'broken';

/** A post-approval check's outcome, kept on the commitment. */
export interface PostCheckOutcome {
  readonly result: 'kept' | 'broken';
  readonly checkedOn: PlainDate;
  readonly findings: string;
  readonly inspector: string;
  /** The `post-check` record of a broken commitment. */
  readonly recordId?: string;
}

/** A commitment (告知承诺) the service tracks. */
export interface Commitment {
  readonly id: string;
  readonly subject: Subject;
  readonly partyName: string;
  /** The issuing department: it checks the commitment. */
  readonly owner: string;
  readonly certificateId: string;
  readonly licenceNumber: string;
  readonly licenceName: string;
  readonly grantedOn: PlainDate;
  readonly postCheckDue: PlainDate;
  readonly terms: string;
  readonly status: CommitmentStatus;
  readonly check?: PostCheckOutcome;
  readonly version: number;
  /** The day the sweep found the post-check overdue and said so (`credit.commitment.overdue`, once). */
  readonly overdueOn?: PlainDate;
}

/** Why a licence event is skipped instead of recorded: data it does not carry, never a failure. */
export type SkipReason = 'no-subject' | 'no-number' | 'bad-date' | 'no-previous';

/**
 * The `licensing` record of an issued licence (id = the certificate's id; decision number = the licence number),
 * with its publicity window; `commitmentId` when it was granted on commitment. A licence without what a record needs
 * (no holder key, no number, a date that is not one) answers the reason it is skipped.
 */
export function licensingRecord(
  licence: IssuedLicence,
  recordedOn: PlainDate,
  calendar: WorkCalendar,
  commitmentId?: string,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): CreditRecord | SkipReason {
  if (licence.holder.key === '') return 'no-subject';
  if (licence.number === '') return 'no-number';
  if (!isPlainDate(licence.issueDate) || licence.issueDate > recordedOn) return 'bad-date';
  const body: LicensingBody = {
    kind: 'licensing',
    decisionNumber: licence.number,
    certificateId: licence.certificateId,
    licenceName: licence.name,
    typeCode: licence.typeCode,
    validFrom: licence.validFrom,
    ...(licence.validTo ? { validTo: licence.validTo } : {}),
    licenceStatus: 'valid',
    ...(commitmentId === undefined ? {} : { commitmentId }),
  };
  return {
    id: licence.certificateId,
    kind: 'licensing',
    subject: licence.holder,
    partyName: licence.holderName,
    owner: licence.issuer,
    decisionDate: licence.issueDate,
    recordedOn,
    body,
    publicity: kindPublicity('licensing', licence.issueDate, recordedOn, calendar, rules),
    status: 'active',
    version: 1,
  };
}

/** A later version of a licence, as `certificate.changed` (变更) or `certificate.renewed` (延续) tells it. */
export interface LicenceVersion {
  readonly certificateId: string;
  readonly change: LicenceChange;
  readonly number: string;
  readonly issuer: string;
  /** The holder as the new version names it (a renamed holder's new name). */
  readonly holder: Subject;
  readonly holderName: string;
  /** The day the issuer decided it (China), YYYY-MM-DD. */
  readonly decisionDate: string;
  /** A renewal's new validity; a change keeps the previous version's. */
  readonly validity?: { readonly validFrom: string; readonly validTo?: string };
}

/**
 * The decision number of a licence version's record: a version keeps its licence's number (证照编号), and the record
 * of every licensing decision is unique per issuer and number, so a later version's is `<number>/v<version>`.
 */
export function versionDecisionNumber(number: string, version: number): string {
  return version <= 1 ? number : `${number}/v${version}`;
}

/**
 * The `licensing` record of a changed or renewed licence (双公示 of that decision too: id = the new version's
 * certificate id, decision number {@link versionDecisionNumber}), from the record of the version it replaced (the
 * licence's name and type; a change its validity) and what the event says; its own publicity window from its
 * decision day. The commitment of a grant stays on the grant's record. Skipped (the reason) like a grant, and when
 * the replaced version has no licensing record (`no-previous`).
 */
export function licenceVersionRecord(
  previous: CreditRecord | undefined,
  next: LicenceVersion,
  recordedOn: PlainDate,
  calendar: WorkCalendar,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): CreditRecord | SkipReason {
  // the version it replaced was never recorded (issued before the service consumed the topic): nothing to name it by
  if (previous === undefined || previous.body.kind !== 'licensing') return 'no-previous';
  if (next.holder.key === '') return 'no-subject';
  if (next.number === '') return 'no-number';
  if (!isPlainDate(next.decisionDate) || next.decisionDate > recordedOn) return 'bad-date';
  const before = previous.body;
  const validity = next.validity ?? {
    validFrom: before.validFrom,
    ...(before.validTo ? { validTo: before.validTo } : {}),
  };
  const body: LicensingBody = {
    kind: 'licensing',
    decisionNumber: versionDecisionNumber(next.number, next.change.version),
    certificateId: next.certificateId,
    licenceName: before.licenceName,
    typeCode: before.typeCode,
    validFrom: validity.validFrom,
    ...(validity.validTo ? { validTo: validity.validTo } : {}),
    licenceStatus: 'valid',
    change: next.change,
  };
  return {
    id: next.certificateId,
    kind: 'licensing',
    subject: next.holder,
    partyName: next.holderName || previous.partyName,
    owner: next.issuer,
    decisionDate: next.decisionDate,
    recordedOn,
    body,
    publicity: kindPublicity('licensing', next.decisionDate, recordedOn, calendar, rules),
    status: 'active',
    version: 1,
  };
}

/** The licensing record with the licence's new state; undefined when it says nothing new. */
export function withLicenceState(record: CreditRecord, state: LicenceState): CreditRecord | undefined {
  if (record.body.kind !== 'licensing' || record.body.licenceStatus === state) return undefined;
  return { ...record, body: { ...record.body, licenceStatus: state }, version: record.version + 1 };
}

/** The commitment an issued licence was granted on, open; undefined when it was not granted on commitment. */
export function trackCommitment(licence: IssuedLicence, id: string): Commitment | undefined {
  const c = licence.commitment;
  if (c === undefined || !isPlainDate(c.postCheckDue) || !isPlainDate(licence.issueDate)) return undefined;
  return {
    id,
    subject: licence.holder,
    partyName: licence.holderName,
    owner: licence.issuer,
    certificateId: licence.certificateId,
    licenceNumber: licence.number,
    licenceName: licence.name,
    grantedOn: licence.issueDate,
    postCheckDue: c.postCheckDue,
    terms: c.terms,
    status: 'open',
    version: 1,
  };
}

/** A post-approval check, as the edge parsed it. */
export interface PostCheckCommand {
  readonly actor: Actor;
  readonly result: 'kept' | 'broken' | undefined;
  readonly findings: string;
  readonly inspector: string;
}

/** What a post-check does: the commitment checked and, when broken, its `post-check` record. */
export interface PostCheckTransition {
  readonly commitment: Commitment;
  readonly record?: CreditRecord;
}

/**
 * Records the post-approval check of `commitment` (undefined: not tracked). Checks, in order: the role
 * (PERMISSION_DENIED: departments only), the commitment (CREDIT_COMMITMENT_NOT_FOUND), the authority
 * (CREDIT_NOT_OWNER: only the issuing department, or its inspector, checks), the fields (INVALID_ARGUMENT), then the
 * state (CREDIT_COMMITMENT_CHECKED: checked once). A broken commitment gives a `post-check` record with id
 * `recordId` decided today, with its publicity window.
 */
export function postCheck(
  commitment: Commitment | undefined,
  command: PostCheckCommand,
  today: PlainDate,
  recordId: string,
  calendar: WorkCalendar,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): PostCheckTransition {
  if (command.actor.role !== 'department') {
    throw new AppError('PERMISSION_DENIED', 'only the issuing department records a post-approval check');
  }
  if (commitment === undefined) {
    throw new AppError('CREDIT_COMMITMENT_NOT_FOUND', 'no commitment with this id is tracked');
  }
  if (commitment.owner !== command.actor.code) {
    throw new AppError('CREDIT_NOT_OWNER', `the commitment ${commitment.id} is checked by ${commitment.owner}`);
  }
  const violations: FieldViolation[] = [];
  if (command.result === undefined) {
    violations.push({ field: 'result', reason: 'REQUIRED', description: 'kept or broken' });
  }
  const findings = command.findings.trim();
  if (findings === '') violations.push({ field: 'findings', reason: 'REQUIRED', description: 'what the check found' });
  else if ([...findings].length > MAX_TEXT) {
    violations.push({ field: 'findings', reason: 'TOO_LONG', description: `at most ${MAX_TEXT} characters` });
  }
  const inspector = command.inspector.trim();
  if ([...inspector].length > MAX_NAME) {
    violations.push({ field: 'inspector', reason: 'TOO_LONG', description: `at most ${MAX_NAME} characters` });
  }
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
  if (commitment.status !== 'open') {
    throw new AppError('CREDIT_COMMITMENT_CHECKED', `the commitment ${commitment.id} was checked already`, {
      details: { meta: { status: commitment.status } },
    });
  }
  const result = command.result!;
  const outcome: PostCheckOutcome = {
    result,
    checkedOn: today,
    findings,
    inspector,
    ...(result === 'broken' ? { recordId } : {}),
  };
  const checked: Commitment = { ...commitment, status: result, check: outcome, version: commitment.version + 1 };
  if (result === 'kept') return { commitment: checked };
  const body: PostCheckBody = {
    kind: 'post-check',
    decisionNumber: `post-check/${commitment.id}`,
    commitmentId: commitment.id,
    certificateId: commitment.certificateId,
    licenceNumber: commitment.licenceNumber,
    result: 'broken',
    findings,
    inspector,
  };
  const record: CreditRecord = {
    id: recordId,
    kind: 'post-check',
    subject: commitment.subject,
    partyName: commitment.partyName,
    owner: commitment.owner,
    decisionDate: today,
    recordedOn: today,
    body,
    publicity: kindPublicity('post-check', today, today, calendar, rules),
    status: 'active',
    version: 1,
  };
  return { commitment: checked, record };
}

/** Whether a commitment's check is overdue on `day`: still open after its due date. */
export function isOverdue(commitment: Commitment, day: PlainDate): boolean {
  return commitment.status === 'open' && day > commitment.postCheckDue;
}
