import { type Consent, consentStatus } from './consent.js';

/**
 * What a VerifyCertificate answer shows: `full` (the verdict and the licence face) or `verdict` (valid, status and
 * reasons only). A JWS or QR text is what the holder showed, so its face is the caller's already: always `full`.
 * By id the caller showed nothing, and an id is easy to come by (it travels in events and links): the face is shown
 * only to the issuing department, an auditor, or a platform holding the holder's active consent for the type.
 */
export type Disclosure = 'full' | 'verdict';

/** Who verifies by id. */
export interface VerifyingCaller {
  readonly departmentCode: string;
  readonly role?: string | undefined;
}

/** The certificate as the rule looks at it. */
export interface VerifiedCertificate {
  readonly issuerCode: string;
  readonly typeCode: string;
}

/** The disclosure of a verification by id (see {@link Disclosure}); `consents` are the holder's consents to the caller. */
export function disclosureById(
  caller: VerifyingCaller,
  certificate: VerifiedCertificate,
  consents: readonly Consent[],
  now: Date,
): Disclosure {
  if (caller.role === 'auditor') return 'full';
  if (caller.departmentCode !== '' && caller.departmentCode === certificate.issuerCode) return 'full';
  return consents.some((c) => consentCovers(c, caller.departmentCode, certificate.typeCode, now)) ? 'full' : 'verdict';
}

function consentCovers(consent: Consent, platformCode: string, typeCode: string, now: Date): boolean {
  return (
    consent.platformCode === platformCode &&
    consent.typeCodes.includes(typeCode) &&
    consentStatus(consent, now) === 'active'
  );
}
