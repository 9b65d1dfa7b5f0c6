import { certificateV1, consentV1, HubServiceService, sealV1 } from '@onceonly/contracts';
import type { ScopeTable } from '@onceonly/kit';

/**
 * What each OAuth 2.0 scope lets a platform client call (ADR 036). The services still check the caller's role and
 * the holders' consents: a scope only opens the door to the method. Every scope includes WhoAmI, so that a client
 * can see who its token says it is.
 */
export const PLATFORM_SCOPES = {
  /** Verify licences online, and fetch what offline verification needs (status lists, the trust bundle). */
  'certificate.verify': [
    certificateV1.CertificateServiceService.verifyCertificate.path,
    certificateV1.CertificateServiceService.getStatusList.path,
    sealV1.SealServiceService.getTrustBundle.path,
    HubServiceService.whoAmI.path,
  ],
  /** Check merchants' licences under their consents (CheckLicences), and list those consents. */
  'certificate.check': [
    consentV1.PlatformServiceService.checkLicences.path,
    consentV1.ConsentServiceService.listConsents.path,
    HubServiceService.whoAmI.path,
  ],
} as const satisfies ScopeTable;

/** A scope a platform client may be given. */
export type PlatformScope = keyof typeof PLATFORM_SCOPES;

/** Every scope, in the table's order. */
export const PLATFORM_SCOPE_NAMES = Object.keys(PLATFORM_SCOPES) as PlatformScope[];

/** True for a known scope. */
export function isPlatformScope(value: string): value is PlatformScope {
  return Object.hasOwn(PLATFORM_SCOPES, value);
}

/**
 * The scopes granted for a token request (RFC 6749 §3.3): those asked for, each known and allowed to the client;
 * every scope of the client when none is asked for. `invalid_scope` names the first one refused.
 */
export function grantScopes(
  requested: string | undefined,
  allowed: readonly string[],
): { ok: true; scopes: string[] } | { ok: false; refused: string } {
  if (requested === undefined || requested.trim() === '') return { ok: true, scopes: [...allowed] };
  const asked = [...new Set(requested.split(' ').filter((s) => s.length > 0))];
  const refused = asked.find((s) => !isPlatformScope(s) || !allowed.includes(s));
  return refused === undefined ? { ok: true, scopes: asked } : { ok: false, refused };
}
