import { cancel } from '../domain/status-changes.js';
import { actOnCertificate } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** CancelCertificate (注销): issuer only, a valid, suspended or expired certificate, with a reason. */
export function cancelCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; reason: string },
): Promise<CertificateRecord> {
  return actOnCertificate(deps, input.id, (state, now) => cancel(state, { actor: caller, reason: input.reason }, now));
}
