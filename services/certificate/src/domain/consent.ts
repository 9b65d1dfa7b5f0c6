import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { type CertificateState, effectiveStatus, requiredText, throwIfInvalid } from './certificate.js';
import { parseDateTime } from './dates.js';
import type { Department } from './departments.js';
import type { ConsentRefusal, TypeRefusal } from './events.js';
import type { Holder } from './holder.js';
import type { LicenceStatus } from './lifecycle-codes.js';

/**
 * Consents and platform checks. A holder's consent, recorded on the holder's behalf by a portal, lets one platform
 * check named licence types for one purpose until an expiry. A check answers, per holder, only the covered types,
 * and of each licence only type, number, validity and status.
 */

/** The most holders one CheckLicences call may name. */
export const MAX_CHECK_HOLDERS = 1000;
/** How far ahead a consent may expire by default: a year and a day. */
export const MAX_CONSENT_DAYS = 366;
const DAY_MS = 86_400_000;
// A purpose is a code the platform and the consent share, e.g. `merchant-onboarding`.
const PURPOSE_SHAPE = /^[a-z][a-z0-9-]{1,63}$/;

/** A consent record. Instants are RFC 3339 strings. */
export interface Consent {
  readonly id: string;
  readonly holder: Holder;
  readonly platformCode: string;
  readonly typeCodes: readonly string[];
  readonly purpose: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly revokedAt?: string;
  readonly revocationReason?: string;
  /** The portal that recorded it. */
  readonly recordedBy: string;
}

/** The state of a consent at a time. */
export type ConsentStatus = 'active' | 'expired' | 'revoked';

/** A portal records a consent for a holder. */
export interface GrantConsentCommand {
  /** The calling portal. */
  readonly portal: Department;
  readonly platform: Department;
  readonly holder: Holder;
  readonly typeCodes: readonly string[];
  readonly purpose: string;
  /** RFC 3339. */
  readonly expiresAt: string;
}

function checkTypes(codes: readonly string[], known: (code: string) => boolean, out: FieldViolation[]): string[] {
  const unique = [...new Set(codes.map((code) => code.trim()))];
  if (unique.length === 0) out.push({ field: 'type_codes', reason: 'REQUIRED', description: 'name at least one type' });
  unique.forEach((code, i) => {
    if (!known(code)) out.push({ field: `type_codes[${i}]`, reason: 'CERT_TYPE_UNKNOWN', description: 'not a type' });
  });
  return unique;
}

function checkExpiry(text: string, now: Date, maxDays: number, out: FieldViolation[]): string {
  const at = parseDateTime(text) ?? new Date(Number.NaN);
  const field = 'expires_at';
  if (Number.isNaN(at.getTime())) {
    out.push({ field, reason: 'DATE_TIME', description: 'an RFC 3339 date-time with an offset, on a real date' });
  } else if (at <= now) out.push({ field, reason: 'PAST', description: 'must lie in the future' });
  else if (at.getTime() - now.getTime() > maxDays * DAY_MS) {
    out.push({ field, reason: 'TOO_FAR', description: `at most ${maxDays} days ahead` });
  }
  return Number.isNaN(at.getTime()) ? text : at.toISOString();
}

/**
 * Records a consent: the caller is a portal, the platform a platform, the types known, the purpose a code, the
 * expiry in the future and at most `maxDays` ahead.
 * @throws AppError PERMISSION_DENIED (not a portal), CONSENT_INVALID.
 */
export function grantConsent(
  command: GrantConsentCommand,
  context: { id: string; now: Date; knownType: (code: string) => boolean; maxDays?: number },
): Consent {
  const { portal, platform, holder } = command;
  const { now } = context;
  if (portal.role !== 'portal') throw new AppError('PERMISSION_DENIED', 'only a portal records consents');
  const violations: FieldViolation[] = [];
  if (platform.role !== 'platform') {
    violations.push({ field: 'platform_code', reason: 'NOT_A_PLATFORM', description: 'not a registered platform' });
  }
  const typeCodes = checkTypes(command.typeCodes, context.knownType, violations);
  const purpose = command.purpose.trim();
  if (!PURPOSE_SHAPE.test(purpose)) {
    violations.push({
      field: 'purpose',
      reason: 'PURPOSE',
      description: 'a code of a-z, 0-9 and -, e.g. merchant-onboarding',
    });
  }
  const expiresAt = checkExpiry(command.expiresAt.trim(), now, context.maxDays ?? MAX_CONSENT_DAYS, violations);
  if (violations.length > 0) throw invalid('CONSENT_INVALID', violations);
  const grantedAt = now.toISOString();
  return Object.freeze({
    id: context.id,
    holder,
    platformCode: platform.code,
    typeCodes,
    purpose,
    grantedAt,
    expiresAt,
    recordedBy: portal.code,
  });
}

/** The status of a consent at `now`: revoked wins over expired. */
export function consentStatus(consent: Consent, now: Date): ConsentStatus {
  if (consent.revokedAt !== undefined) return 'revoked';
  return new Date(consent.expiresAt) <= now ? 'expired' : 'active';
}

/**
 * Revokes an active consent from now on; only the portal that recorded it may.
 * @throws AppError PERMISSION_DENIED, CONSENT_NOT_ACTIVE, INVALID_ARGUMENT (reason).
 */
export function revokeConsent(consent: Consent, command: { portalCode: string; reason: string }, now: Date): Consent {
  if (command.portalCode !== consent.recordedBy) {
    throw new AppError('PERMISSION_DENIED', 'only the portal that recorded a consent revokes it');
  }
  const status = consentStatus(consent, now);
  if (status !== 'active') {
    throw new AppError('CONSENT_NOT_ACTIVE', `the consent is already ${status}`, { details: { meta: { status } } });
  }
  const violations: FieldViolation[] = [];
  const reason = requiredText(command.reason, 'reason', 500, violations);
  throwIfInvalid(violations);
  return Object.freeze({ ...consent, revokedAt: now.toISOString(), revocationReason: reason });
}

/** Who checks, and why. */
export interface CheckScope {
  readonly platformCode: string;
  readonly purpose: string;
}

function relevant(consents: readonly Consent[], scope: CheckScope): Consent[] {
  return consents.filter((c) => c.platformCode === scope.platformCode && c.purpose === scope.purpose);
}

/** The types that active consents of a holder let this platform see for this purpose. */
export function coveredTypes(consents: readonly Consent[], scope: CheckScope, now: Date): Set<string> {
  const active = relevant(consents, scope).filter((c) => consentStatus(c, now) === 'active');
  return new Set(active.flatMap((c) => c.typeCodes));
}

function refusalFor(consents: readonly Consent[], typeCode: string | undefined, now: Date): ConsentRefusal {
  const statuses = (list: readonly Consent[]) => new Set(list.map((c) => consentStatus(c, now)));
  const covering = typeCode === undefined ? consents : consents.filter((c) => c.typeCodes.includes(typeCode));
  const covered = statuses(covering);
  if (covered.has('revoked')) return 'CONSENT_REVOKED';
  if (covered.has('expired')) return 'CONSENT_EXPIRED';
  return statuses(consents).has('active') ? 'TYPE_NOT_COVERED' : 'NO_CONSENT';
}

/**
 * Why each requested type is refused: the covering consent was revoked, or expired; an active consent exists but
 * not for the type; or there is no consent at all. With no type requested, one holder-wide refusal (empty type
 * code) when nothing is covered.
 */
export function refusals(
  consents: readonly Consent[],
  scope: CheckScope,
  requested: readonly string[],
  now: Date,
): TypeRefusal[] {
  const mine = relevant(consents, scope);
  const covered = coveredTypes(mine, scope, now);
  if (requested.length === 0) {
    return covered.size > 0 ? [] : [{ typeCode: '', reason: refusalFor(mine, undefined, now) }];
  }
  return requested.filter((t) => !covered.has(t)).map((t) => ({ typeCode: t, reason: refusalFor(mine, t, now) }));
}

/** What a platform may see of a licence. */
export interface LicenceSummary {
  readonly certificateId: string;
  readonly typeCode: string;
  readonly typeName: string;
  readonly number: string;
  readonly validFrom: string;
  readonly validTo?: string;
  readonly status: LicenceStatus;
}

/** The answer for one holder. */
export interface HolderCheckResult {
  readonly covered: readonly string[];
  readonly licences: readonly LicenceSummary[];
  readonly refused: readonly TypeRefusal[];
}

function summaryOf(state: CertificateState, now: Date): LicenceSummary {
  const { id, typeCode, name, number, validFrom, validTo } = state;
  const end = validTo === undefined ? {} : { validTo };
  return {
    certificateId: id,
    typeCode,
    typeName: name,
    number,
    validFrom,
    ...end,
    status: effectiveStatus(state, now),
  };
}

/**
 * Answers one holder of a platform check from the holder's consents and certificates: the current versions of the
 * covered (and, when types are named, requested) types, whatever their status, and the refusals.
 */
export function checkHolder(
  consents: readonly Consent[],
  certificates: readonly CertificateState[],
  query: CheckScope & { readonly typeCodes: readonly string[] },
  now: Date,
): HolderCheckResult {
  const covered = coveredTypes(consents, query, now);
  const wanted = query.typeCodes.length === 0 ? covered : new Set(query.typeCodes.filter((t) => covered.has(t)));
  const licences = certificates
    .filter((c) => c.supersededById === undefined && wanted.has(c.typeCode))
    .map((c) => summaryOf(c, now));
  return { covered: [...wanted].sort(), licences, refused: refusals(consents, query, query.typeCodes, now) };
}

/**
 * Bounds a check: 1 to {@link MAX_CHECK_HOLDERS} holders.
 * @throws AppError INVALID_ARGUMENT (none), REQUEST_TOO_LARGE (too many).
 */
export function assertCheckSize(holders: number): void {
  if (holders === 0) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'holders', reason: 'REQUIRED', description: 'name at least one holder' },
    ]);
  }
  if (holders <= MAX_CHECK_HOLDERS) return;
  throw new AppError('REQUEST_TOO_LARGE', `at most ${MAX_CHECK_HOLDERS} holders per check, got ${holders}`, {
    details: { fields: [{ field: 'holders', reason: 'TOO_MANY', description: `at most ${MAX_CHECK_HOLDERS}` }] },
  });
}
