import { suspend } from '../domain/status-changes.js';
import { actOnCertificate } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** SuspendCertificate (暂扣): issuer only, a valid certificate, reason and legal basis. */
export function suspendCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; reason: string; legalBasis: string; until: string },
): Promise<CertificateRecord> {
  const { reason, legalBasis, until } = input;
  return actOnCertificate(deps, input.id, (state, now) =>
    suspend(state, { actor: caller, reason, legalBasis, until }, now),
  );
}
