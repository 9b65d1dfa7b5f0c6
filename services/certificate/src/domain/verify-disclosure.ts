import { type Consent, consentStatus } from './consent.js';

/**
 * What a VerifyCertificate answer shows: `full` (the verdict and the licence face) or `verdict` (valid, status and
 * reasons only). A JWS or QR text is what the holder showed, so its face is the caller's already: always `full`.
 * By id the caller showed nothing, and an id is easy to come by (it travels in events and links): the face is shown
 * only to the issuing department, an auditor, a platform holding the holder's active consent for the type, or the
 * portal acting for the certificate's holder (the holder it names). GetCertificate follows the same rule (it has no
 * verdict-only answer: anyone else is refused, CERT_READ_DENIED).
 */
export type Disclosure = 'full' | 'verdict';

/** Who verifies by id. */
export interface VerifyingCaller {
  readonly departmentCode: string;
  readonly role?: string | undefined;
  /** The portal: the subject of the holder it acts for (credit code or `h:<keyed hash>`), when it names one. */
  readonly onBehalfOf?: string | undefined;
}

/** The certificate as the rule looks at it. */
export interface VerifiedCertificate {
  readonly issuerCode: string;
  readonly typeCode: string;
  /** The holder's subject (credit code or `h:<keyed hash>`). */
  readonly holderSubject: string;
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
  if (caller.role === 'portal' && caller.onBehalfOf && caller.onBehalfOf === certificate.holderSubject) return 'full';
  return consents.some((c) => consentCovers(c, caller.departmentCode, certificate.typeCode, now)) ? 'full' : 'verdict';
}

function consentCovers(consent: Consent, platformCode: string, typeCode: string, now: Date): boolean {
  return (
    consent.platformCode === platformCode &&
    consent.typeCodes.includes(typeCode) &&
    consentStatus(consent, now) === 'active'
  );
}
