import type { CertificateState } from './certificate.js';
import { chinaDate } from './dates.js';
import { LicenceStatus } from './lifecycle-codes.js';

/**
 * Machine-readable reasons of a verification (the proto enum VerificationReason without its prefix). The seal and
 * chain checks belong to `@onceonly/seal`, whose VERIFY_REASONS are all here under the same names; this file
 * derives the reasons that come from a certificate's record. The `STATUS_LIST_*` reasons come only from offline
 * verification, about a status list the verifier gave (`app/status-list-check.ts`).
 */
export const VERIFICATION_REASONS = [
  'MALFORMED',
  'SIGNATURE_INVALID',
  'CHAIN_UNTRUSTED',
  'KID_UNKNOWN',
  'SEAL_REVOKED',
  'SEAL_EXPIRED',
  'ISSUER_MISMATCH',
  'NOT_FOUND',
  'RECORD_MISMATCH',
  'NOT_YET_VALID',
  'EXPIRED',
  'SUSPENDED',
  'WITHDRAWN',
  'REVOKED',
  'CANCELLED',
  'SUPERSEDED',
  'DISPUTED',
  'COMPONENT_NOT_VALID',
  'STATUS_OTHER',
  'TYP_MISMATCH',
  'KID_MISMATCH',
  'KEY_USAGE',
  'SEAL_NOT_YET_VALID',
  'ISSUED_IN_FUTURE',
  // Offline verification with status lists (`verifyOffline`): a given list that cannot be used.
  'STATUS_LIST_UNTRUSTED',
  'STATUS_LIST_MALFORMED',
  'STATUS_LIST_ISSUER_MISMATCH',
  'STATUS_LIST_STALE',
  // Offline verification with a trust list (`verifyOffline`): its revocation list is stale or missing (warnings,
  // reasons when the verifier refuses stale lists).
  'TRUST_LIST_STALE',
  'TRUST_LIST_MISSING',
  // The two answers (domain/verdict.ts, ADR 033): what keeps the holder from operating under a genuine document.
  'REQUIRED_COMPONENT_NOT_VALID',
  'STATUS_UNCHECKED',
  'COMPONENTS_UNCHECKED',
  'NOT_GENUINE',
] as const;

/** One of {@link VERIFICATION_REASONS}. */
export type VerificationReason = (typeof VERIFICATION_REASONS)[number];

/**
 * Reasons that warn without making a certificate invalid: an open dispute, and an optional component of an industry
 * licence that is not valid (the holder may operate, but not the activity that permit covers). A required component
 * that is not valid is `REQUIRED_COMPONENT_NOT_VALID`, which is not a warning.
 */
export const WARNING_REASONS: readonly VerificationReason[] = ['DISPUTED', 'COMPONENT_NOT_VALID'];

/** How a certificate was presented to VerifyCertificate. */
export type VerificationMethod = 'id' | 'jws' | 'qr';

const STATUS_REASON: Partial<Record<LicenceStatus, VerificationReason>> = {
  [LicenceStatus.SUSPENDED]: 'SUSPENDED',
  [LicenceStatus.WITHDRAWN]: 'WITHDRAWN',
  [LicenceStatus.CANCELLED]: 'CANCELLED',
  [LicenceStatus.EXPIRED]: 'EXPIRED',
  [LicenceStatus.TRANSFERRED_OUT]: 'STATUS_OTHER',
  [LicenceStatus.REVOKED]: 'REVOKED',
  [LicenceStatus.OTHER]: 'STATUS_OTHER',
};

function statusReason(state: CertificateState): VerificationReason | undefined {
  if (state.supersededById !== undefined) return 'SUPERSEDED';
  return STATUS_REASON[state.status];
}

function windowReason(state: CertificateState, today: string): VerificationReason | undefined {
  if (today < state.validFrom) return 'NOT_YET_VALID';
  if (state.validTo !== undefined && today > state.validTo && state.status !== LicenceStatus.EXPIRED) return 'EXPIRED';
  return undefined;
}

/**
 * The reasons a recorded certificate is not (or not fully) valid at `now`: its status, its validity window (an
 * expiry not yet recorded counts), an open dispute (a warning). Empty for a valid certificate.
 */
export function recordReasons(state: CertificateState, now: Date): VerificationReason[] {
  const reasons = [statusReason(state), windowReason(state, chinaDate(now))];
  if (state.dispute?.open === true) reasons.push('DISPUTED');
  return reasons.filter((reason): reason is VerificationReason => reason !== undefined);
}

/** True when none of the reasons is more than a warning. */
export function isValidWith(reasons: readonly VerificationReason[]): boolean {
  return reasons.every((reason) => WARNING_REASONS.includes(reason));
}
