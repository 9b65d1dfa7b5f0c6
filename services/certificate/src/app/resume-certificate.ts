import { resume } from '../domain/status-changes.js';
import { actOnCertificate } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** ResumeCertificate (暂扣发还): issuer only, a suspended certificate. */
export function resumeCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; reason: string },
): Promise<CertificateRecord> {
  return actOnCertificate(deps, input.id, (state, now) => resume(state, { actor: caller, reason: input.reason }, now));
}
