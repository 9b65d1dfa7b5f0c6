import { certificateSubject } from '../domain/events.js';
import { type Disclosure, disclosureById, type VerifyingCaller } from '../domain/verify-disclosure.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/**
 * Whether `caller`, who showed nothing but a reference (an id, a licence identifier or number), may see the licence
 * face of `record`: the rule of domain/verify-disclosure.ts, with the holder's consents to the caller read from the
 * store. VerifyCertificate by id answers the verdict alone when it is `verdict`; GetCertificate refuses.
 */
export async function faceDisclosure(
  deps: Pick<CertificateDeps, 'consents' | 'db'>,
  caller: VerifyingCaller,
  record: CertificateRecord,
  now: Date,
): Promise<Disclosure> {
  const { state } = record;
  const subject = certificateSubject(state);
  const certificate = { issuerCode: state.issuer.code, typeCode: state.typeCode, holderSubject: subject };
  const consents = await deps.consents.forPlatform(deps.db, caller.departmentCode, [subject]);
  return disclosureById(caller, certificate, consents.get(subject) ?? [], now);
}
