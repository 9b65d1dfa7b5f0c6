import type { RevocationKind } from '../domain/certificate.js';
import { revoke } from '../domain/status-changes.js';
import { actOnCertificate } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** RevokeCertificate: 撤销 (withdrawn, 03) or 吊销 (revoked, 07), issuer only, with reason and legal basis. */
export function revokeCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; kind: RevocationKind; reason: string; legalBasis: string },
): Promise<CertificateRecord> {
  const { kind, reason, legalBasis } = input;
  return actOnCertificate(deps, input.id, (state, now) =>
    revoke(state, { actor: caller, kind, reason, legalBasis }, now),
  );
}
