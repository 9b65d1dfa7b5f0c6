import type { CertificateState } from '../domain/certificate.js';
import { certificateSubject } from '../domain/events.js';
import { type Disclosure, disclosureById, type VerifyingCaller } from '../domain/verify-disclosure.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/**
 * Whether `caller`, who showed nothing but a reference (an id, a licence identifier or number, a holder code), may
 * see the licence face of `record`: the rule of domain/verify-disclosure.ts, with the holder's consents to the caller
 * read from the store. VerifyCertificate by id answers the verdict alone when it is `verdict`; GetCertificate refuses;
 * ListHolderCertificates leaves the certificate out.
 */
export async function faceDisclosure(
  deps: Pick<CertificateDeps, 'consents' | 'db'>,
  caller: VerifyingCaller,
  record: Pick<CertificateRecord, 'state'>,
  now: Date,
): Promise<Disclosure> {
  const [disclosure] = await faceDisclosures(deps, caller, [record.state], now);
  return disclosure!;
}

/** {@link faceDisclosure} for certificates of one holder, the holder's consents to the caller read once. */
export async function faceDisclosures(
  deps: Pick<CertificateDeps, 'consents' | 'db'>,
  caller: VerifyingCaller,
  states: readonly CertificateState[],
  now: Date,
): Promise<Disclosure[]> {
  const subjects = [...new Set(states.map(certificateSubject))];
  const consents =
    subjects.length === 0 ? new Map() : await deps.consents.forPlatform(deps.db, caller.departmentCode, subjects);
  return states.map((state) => {
    const subject = certificateSubject(state);
    const certificate = { issuerCode: state.issuer.code, typeCode: state.typeCode, holderSubject: subject };
    return disclosureById(caller, certificate, consents.get(subject) ?? [], now);
  });
}
