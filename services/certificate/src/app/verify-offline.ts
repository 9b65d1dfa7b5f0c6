import { type SealStatusLookup, verifySealedJws } from '@onceonly/seal';
import { chinaDate } from '../domain/dates.js';
import type { VerificationReason } from '../domain/verification.js';

/**
 * Offline verification, for a verifier without access to the hub (`onceonly cert verify --offline --trust <pem>`):
 * the seal against a trust bundle PEM (signature, chain, kid, key usage, seal validity at the signing time, seal
 * revocations when given), then what the payload itself says: the sealing department is the issuer it names, and
 * today is inside its validity window. The live status (revoked, suspended) needs the hub or its status lists.
 */

/** The verdict of an offline verification. */
export interface OfflineVerification {
  readonly valid: boolean;
  readonly reasons: readonly VerificationReason[];
  /** The payload as signed, when the signature verified. */
  readonly payload?: Record<string, unknown>;
  readonly sealKid?: string;
  readonly sealedAt?: Date;
}

function windowReasons(payload: Record<string, unknown>, today: string): VerificationReason[] {
  const from = typeof payload.validFrom === 'string' ? payload.validFrom : '';
  const to = typeof payload.validTo === 'string' ? payload.validTo : '';
  if (from !== '' && today < from) return ['NOT_YET_VALID'];
  if (to !== '' && today > to) return ['EXPIRED'];
  return [];
}

/** Verifies a sealed licence (compact JWS or `OO1:` QR text) against a trust bundle, without the hub. */
export async function verifyOffline(
  input: string,
  trustBundlePem: string,
  options: { at?: Date; sealStatus?: SealStatusLookup } = {},
): Promise<OfflineVerification> {
  const at = options.at ?? new Date();
  const result = await verifySealedJws(input, {
    trustBundle: trustBundlePem,
    at,
    ...(options.sealStatus === undefined ? {} : { sealStatus: options.sealStatus }),
  });
  const reasons: VerificationReason[] = [...result.reasons];
  const { payload, sealCert } = result;
  if (payload !== undefined) {
    if (sealCert !== undefined && sealCert.departmentCode !== payload.issuerCode) reasons.push('ISSUER_MISMATCH');
    reasons.push(...windowReasons(payload, chinaDate(at)));
  }
  return {
    valid: reasons.length === 0,
    reasons,
    ...(payload === undefined ? {} : { payload }),
    ...(sealCert === undefined ? {} : { sealKid: sealCert.kid }),
    ...(result.signedAt === undefined ? {} : { sealedAt: result.signedAt }),
  };
}
