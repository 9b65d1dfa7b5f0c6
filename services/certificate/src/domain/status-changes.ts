import { type FieldViolation, invalid } from '@onceonly/errors';
import {
  type Actor,
  assertMayAct,
  type CertificateState,
  effectiveStatus,
  type RevocationKind,
  requiredText,
  type Transition,
  throwIfInvalid,
  withStatus,
} from './certificate.js';
import { chinaDate, isCalendarDate } from './dates.js';
import {
  CERTIFICATE_EVENT_TYPES,
  type CertificateCancelled,
  type CertificateExpired,
  type CertificateResumed,
  type CertificateRevoked,
  type CertificateSuspended,
  factsOf,
  redactCitizenIds,
} from './events.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';

/**
 * Transitions that change the status of the version in force: suspend (暂扣), resume (暂扣发还), withdraw or revoke
 * (撤销/吊销), cancel (注销), expire (失效). Each checks, in order: the actor is the issuer (CERT_NOT_ISSUER), the
 * version is current (CERT_SUPERSEDED), the effective status allows it (CERT_ILLEGAL_TRANSITION), then the input
 * (INVALID_ARGUMENT). The service applies `expireIfDue` first, so that an expiry is recorded as its own event.
 */

const MAX_REASON = 1000;
const { VALID, SUSPENDED, EXPIRED } = LicenceStatus;

/**
 * Each status change: the statuses it may start from, the status it gives and its operation code. The transitions
 * below check them; the replay (`domain/replay/`) checks every logged event against the same table.
 */
export const STATUS_CHANGE_RULES = {
  suspend: { from: [VALID], to: SUSPENDED, operation: LicenceOperation.SUSPEND },
  resume: { from: [SUSPENDED], to: VALID, operation: LicenceOperation.RESUME },
  /** The status it gives depends on the kind: {@link REVOCATION_STATUS}. */
  revoke: { from: [VALID, SUSPENDED], operation: LicenceOperation.OTHER },
  cancel: { from: [VALID, SUSPENDED, EXPIRED], to: LicenceStatus.CANCELLED, operation: LicenceOperation.CANCEL },
  expire: { from: [VALID, SUSPENDED], to: EXPIRED, operation: LicenceOperation.EXPIRE },
} as const;

/** The status a revocation gives: 撤销 (withdrawn, 03) or 吊销 (revoked, 07). */
export const REVOCATION_STATUS: Readonly<Record<RevocationKind, LicenceStatus>> = {
  withdrawn: LicenceStatus.WITHDRAWN,
  revoked: LicenceStatus.REVOKED,
};
const RULES = STATUS_CHANGE_RULES;

/** 暂扣: reason and legal basis required; an optional planned end date, not in the past. */
export interface SuspendCommand {
  readonly actor: Actor;
  readonly reason: string;
  readonly legalBasis: string;
  readonly until?: string;
}

function untilDate(until: string | undefined, now: Date): string | undefined {
  const text = (until ?? '').trim();
  if (text === '') return undefined;
  if (!isCalendarDate(text) || text < chinaDate(now)) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'until', reason: 'DATE', description: 'a date, today or later' }]);
  }
  return text;
}

/** Suspends a valid certificate. */
export function suspend(state: CertificateState, command: SuspendCommand, now: Date): Transition<CertificateSuspended> {
  assertMayAct(state, command.actor, RULES.suspend.from, 'suspend', now);
  const violations: FieldViolation[] = [];
  const reason = requiredText(command.reason, 'reason', MAX_REASON, violations);
  const legalBasis = requiredText(command.legalBasis, 'legal_basis', MAX_REASON, violations);
  throwIfInvalid(violations);
  const until = untilDate(command.until, now);
  const suspension = { reason, legalBasis, since: now.toISOString(), ...(until === undefined ? {} : { until }) };
  const certificate = withStatus(state, RULES.suspend.to, now, { suspension });
  const event: CertificateSuspended = {
    type: CERTIFICATE_EVENT_TYPES.SUSPENDED,
    facts: factsOf(certificate, RULES.suspend.operation, command.actor, now),
    reason: redactCitizenIds(reason),
    legalBasis: redactCitizenIds(legalBasis),
    ...(until === undefined ? {} : { until }),
  };
  return { certificate, event };
}

/** 暂扣发还: the reason is optional. */
export interface ResumeCommand {
  readonly actor: Actor;
  readonly reason?: string;
}

/** Resumes a suspended certificate; the suspension record is dropped. */
export function resume(state: CertificateState, command: ResumeCommand, now: Date): Transition<CertificateResumed> {
  assertMayAct(state, command.actor, RULES.resume.from, 'resume', now);
  const reason = (command.reason ?? '').trim();
  const { suspension: _dropped, ...rest } = state;
  const certificate = withStatus(rest, RULES.resume.to, now);
  const event: CertificateResumed = {
    type: CERTIFICATE_EVENT_TYPES.RESUMED,
    facts: factsOf(certificate, RULES.resume.operation, command.actor, now),
    reason: redactCitizenIds(reason),
  };
  return { certificate, event };
}

/** 撤销 or 吊销: kind, reason and legal basis required. */
export interface RevokeCommand {
  readonly actor: Actor;
  readonly kind: RevocationKind;
  readonly reason: string;
  readonly legalBasis: string;
}

/** Withdraws (status 03) or revokes (status 07) a valid or suspended certificate. */
export function revoke(state: CertificateState, command: RevokeCommand, now: Date): Transition<CertificateRevoked> {
  assertMayAct(state, command.actor, RULES.revoke.from, 'revoke', now);
  const violations: FieldViolation[] = [];
  if (command.kind !== 'withdrawn' && command.kind !== 'revoked') {
    violations.push({ field: 'kind', reason: 'REQUIRED', description: 'withdrawn (撤销) or revoked (吊销)' });
  }
  const reason = requiredText(command.reason, 'reason', MAX_REASON, violations);
  const legalBasis = requiredText(command.legalBasis, 'legal_basis', MAX_REASON, violations);
  throwIfInvalid(violations);
  const status = REVOCATION_STATUS[command.kind];
  const revocation = { kind: command.kind, reason, legalBasis, at: now.toISOString() };
  const certificate = withStatus(state, status, now, { revocation });
  const event: CertificateRevoked = {
    type: CERTIFICATE_EVENT_TYPES.REVOKED,
    facts: factsOf(certificate, RULES.revoke.operation, command.actor, now),
    kind: command.kind,
    reason: redactCitizenIds(reason),
    legalBasis: redactCitizenIds(legalBasis),
  };
  return { certificate, event };
}

/** 注销: reason required (e.g. the business closed, the holder asked, the licence expired unrenewed). */
export interface CancelCommand {
  readonly actor: Actor;
  readonly reason: string;
}

/**
 * Cancels a valid, suspended or expired certificate. A withdrawn or revoked one stays as it is: its status records
 * the decision (and a penalty), which a cancellation would hide.
 */
export function cancel(state: CertificateState, command: CancelCommand, now: Date): Transition<CertificateCancelled> {
  assertMayAct(state, command.actor, RULES.cancel.from, 'cancel', now);
  const violations: FieldViolation[] = [];
  const reason = requiredText(command.reason, 'reason', MAX_REASON, violations);
  throwIfInvalid(violations);
  const certificate = withStatus(state, RULES.cancel.to, now, { cancellationReason: reason });
  const event: CertificateCancelled = {
    type: CERTIFICATE_EVENT_TYPES.CANCELLED,
    facts: factsOf(certificate, RULES.cancel.operation, command.actor, now),
    reason: redactCitizenIds(reason),
  };
  return { certificate, event };
}

/**
 * 失效 by time: a current, valid or suspended certificate whose last valid day has passed becomes expired. Returns
 * undefined when nothing is due (long-term, not yet past, already ended, or superseded). The hub acts, not a
 * department: the event has no actor.
 */
export function expireIfDue(state: CertificateState, now: Date): Transition<CertificateExpired> | undefined {
  if (state.supersededById !== undefined || state.validTo === undefined) return undefined;
  if (state.status === EXPIRED || effectiveStatus(state, now) !== EXPIRED) return undefined;
  const certificate = withStatus(state, RULES.expire.to, now);
  const event: CertificateExpired = {
    type: CERTIFICATE_EVENT_TYPES.EXPIRED,
    facts: factsOf(certificate, RULES.expire.operation, undefined, now),
    validTo: state.validTo,
  };
  return { certificate, event };
}
