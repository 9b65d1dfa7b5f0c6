import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import type { LicenceId, Uscc } from '@onceonly/ids';
import { chinaDate } from './dates.js';
import type { FaceFields } from './face-fields.js';
import type { Holder } from './holder.js';
import { licenceIdentifier } from './licence-number.js';
import { LicenceStatus, STATUS_NAMES } from './lifecycle-codes.js';

/**
 * The certificate aggregate: one version of an electronic licence and the guards every transition shares. The
 * transitions themselves are in `issue.ts`, `status-changes.ts`, `new-versions.ts`, `dispute.ts` and
 * `industry.ts`; each is `(state, command, context) → { certificate, event }` and throws AppError.
 *
 * Versions: change, renewal, reissue and a dispute correction make a new version (version + 1, a new id and
 * identifier, same number) linked by `previousVersionId`; the old version gets `supersededById` and status `99`
 * (其他), keeping its other records. So a verifier holding an old version learns it is no longer the one in force,
 * and the national status list never shows two valid versions of one licence.
 */

/** Who acts: the department the transport authenticated (its credit code). */
export interface Actor {
  readonly departmentCode: string;
}

/** The issuing department as the certificate records it. */
export interface Issuer {
  readonly code: Uscc;
  readonly name: string;
}

/** An objection (异议) to the content of a certificate. */
export interface Dispute {
  readonly id: string;
  readonly claim: string;
  /** Face field keys, or `holder.name`. */
  readonly fieldKeys: readonly string[];
  readonly raisedBy: string;
  readonly raisedAt: string;
  readonly open: boolean;
  readonly outcome?: 'corrected' | 'rejected';
  readonly note?: string;
  readonly resolvedAt?: string;
  readonly correctedCertificateId?: string;
}

/** Why and until when a certificate is suspended. */
export interface Suspension {
  readonly reason: string;
  readonly legalBasis: string;
  readonly since: string;
  /** Planned end date; undefined when open-ended. */
  readonly until?: string;
}

/** 撤销 (withdrawn, status 03) or 吊销 (revoked as a penalty, status 07). */
export type RevocationKind = 'withdrawn' | 'revoked';

/** Why a certificate was withdrawn or revoked. */
export interface Revocation {
  readonly kind: RevocationKind;
  readonly reason: string;
  readonly legalBasis: string;
  readonly at: string;
}

/** One permit bundled into an industry licence, as it was at bundling time. */
export interface ComponentRef {
  readonly certificateId: string;
  readonly identifier: string;
  readonly typeCode: string;
  readonly typeName: string;
  readonly number: string;
  readonly issuerCode: string;
  readonly issuerName: string;
  /** Digest of the component's JWS at bundling time (computed by the adapter). */
  readonly digest: string;
}

/** What a 行业综合许可证 bundles. */
export interface IndustryBundle {
  readonly industryCode: string;
  readonly components: readonly ComponentRef[];
}

/** One version of a certificate. Instants are RFC 3339 strings, dates `YYYY-MM-DD` (China Standard Time). */
export interface CertificateState {
  readonly id: string;
  /** 1..999 (three digits in the identifier). */
  readonly version: number;
  readonly previousVersionId?: string;
  readonly supersededById?: string;
  readonly typeCode: string;
  /** 证照名称: the type's Chinese name. */
  readonly name: string;
  readonly number: string;
  readonly identifier: LicenceId;
  readonly issuer: Issuer;
  readonly holder: Holder;
  readonly division: string;
  readonly fields: FaceFields;
  readonly issueDate: string;
  readonly validFrom: string;
  /** Undefined for long-term (长期). */
  readonly validTo?: string;
  readonly status: LicenceStatus;
  readonly statusChangedAt: string;
  readonly dispute?: Dispute;
  readonly suspension?: Suspension;
  readonly revocation?: Revocation;
  readonly cancellationReason?: string;
  readonly industry?: IndustryBundle;
  /** Granted on commitment (告知承诺): checked afterwards by its due date; a broken one withdraws it. */
  readonly commitment?: CommitmentTerms;
  readonly createdAt: string;
}

/** A licence granted on the applicant's signed commitment (告知承诺). */
export interface CommitmentTerms {
  /** YYYY-MM-DD: the last day of the post-approval check (批后核查). */
  readonly postCheckDue: string;
  /** The terms, or a reference to the signed commitment (no citizen ID). */
  readonly terms: string;
}

/** The result of a transition on one version. */
export interface Transition<E> {
  readonly certificate: CertificateState;
  readonly event: E;
}

/** The result of a transition that makes a new version: the new one, and the old one now superseded. */
export interface VersionTransition<E> extends Transition<E> {
  readonly previous: CertificateState;
}

/** The largest version the identifier can carry. */
export const MAX_VERSION = 999;

/**
 * The status at `now`: a valid or suspended certificate past its end date counts as expired even before the
 * expiry is recorded (see `expireIfDue`).
 */
export function effectiveStatus(state: CertificateState, now: Date): LicenceStatus {
  const live = state.status === LicenceStatus.VALID || state.status === LicenceStatus.SUSPENDED;
  if (live && state.validTo !== undefined && chinaDate(now) > state.validTo) return LicenceStatus.EXPIRED;
  return state.status;
}

/**
 * Only the issuing department may act on its certificates.
 * @throws AppError CERT_NOT_ISSUER.
 */
export function assertIssuer(state: CertificateState, actor: Actor): void {
  if (actor.departmentCode === state.issuer.code) return;
  throw new AppError('CERT_NOT_ISSUER', 'only the issuing department may act on this certificate', {
    details: { meta: { certificateId: state.id } },
  });
}

/**
 * Only the version in force may change.
 * @throws AppError CERT_SUPERSEDED, naming the newer version.
 */
export function assertCurrent(state: CertificateState): void {
  if (state.supersededById === undefined) return;
  throw new AppError('CERT_SUPERSEDED', 'a newer version replaced this certificate: act on the current one', {
    details: { meta: { certificateId: state.id, supersededById: state.supersededById } },
  });
}

/**
 * The effective status must be one of `allowed` for `operation`.
 * @throws AppError CERT_ILLEGAL_TRANSITION naming the status and the operation.
 */
export function assertStatusIn(
  state: CertificateState,
  allowed: readonly LicenceStatus[],
  operation: string,
  now: Date,
): void {
  const status = effectiveStatus(state, now);
  if (allowed.includes(status)) return;
  throw new AppError(
    'CERT_ILLEGAL_TRANSITION',
    `cannot ${operation} a certificate that is ${STATUS_NAMES[status].en}`,
    {
      details: { meta: { certificateId: state.id, status, operation } },
    },
  );
}

/** The issuer, current version, and status guards of a transition, in that order. */
export function assertMayAct(
  state: CertificateState,
  actor: Actor,
  allowed: readonly LicenceStatus[],
  operation: string,
  now: Date,
): void {
  assertIssuer(state, actor);
  assertCurrent(state);
  assertStatusIn(state, allowed, operation, now);
}

/**
 * No transition that makes a new version may run while a dispute is open: the correction path settles it.
 * @throws AppError CERT_DISPUTE_OPEN.
 */
export function assertNoOpenDispute(state: CertificateState): void {
  if (state.dispute?.open !== true) return;
  throw new AppError('CERT_DISPUTE_OPEN', 'resolve the open dispute first (a correction makes the new version)', {
    details: { meta: { certificateId: state.id, disputeId: state.dispute.id } },
  });
}

/** Trims a required free-text value; collects a violation when it is empty or too long. */
export function requiredText(value: string | undefined, field: string, max: number, out: FieldViolation[]): string {
  const text = (value ?? '').trim();
  if (text === '') out.push({ field, reason: 'REQUIRED', description: 'required' });
  else if ([...text].length > max) out.push({ field, reason: 'TOO_LONG', description: `at most ${max} characters` });
  return text;
}

/** Throws INVALID_ARGUMENT with the collected violations, if any. */
export function throwIfInvalid(violations: FieldViolation[]): void {
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
}

/** A copy of a version with a new status, stamped with the time of the change. */
export function withStatus(
  state: CertificateState,
  status: LicenceStatus,
  now: Date,
  changes: Partial<CertificateState> = {},
): CertificateState {
  return Object.freeze({ ...state, ...changes, status, statusChangedAt: now.toISOString() });
}

/** What a new version changes relative to the one it replaces. */
export type VersionChanges = Partial<Pick<CertificateState, 'fields' | 'holder' | 'validFrom' | 'validTo' | 'dispute'>>;

/**
 * The next version of a certificate: a new id and identifier, version + 1, same number, issued today, valid; and
 * the old version, superseded.
 * @throws AppError CERT_VERSION_LIMIT past version 999.
 */
export function nextVersion(
  old: CertificateState,
  changes: VersionChanges,
  newId: string,
  now: Date,
): { next: CertificateState; previous: CertificateState } {
  const version = old.version + 1;
  if (version > MAX_VERSION) {
    throw new AppError('CERT_VERSION_LIMIT', `a certificate has at most ${MAX_VERSION} versions`, {
      details: { meta: { certificateId: old.id } },
    });
  }
  // A new version starts clean: suspension, revocation, cancellation and dispute records stay with the old one.
  const kept: { -readonly [K in keyof CertificateState]?: CertificateState[K] } = { ...old };
  delete kept.suspension;
  delete kept.revocation;
  delete kept.cancellationReason;
  delete kept.dispute;
  const identifier = licenceIdentifier({
    typeCode: old.typeCode,
    issuerCode: old.issuer.code,
    number: old.number,
    version,
  });
  const next: CertificateState = Object.freeze({
    ...(kept as CertificateState),
    ...changes,
    id: newId,
    version,
    previousVersionId: old.id,
    identifier,
    issueDate: chinaDate(now),
    status: LicenceStatus.VALID,
    statusChangedAt: now.toISOString(),
    createdAt: now.toISOString(),
  });
  const previous = withStatus(old, LicenceStatus.OTHER, now, { supersededById: newId });
  return { next, previous };
}
