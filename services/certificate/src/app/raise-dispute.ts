import { requireType } from '../domain/catalogue.js';
import { raiseDispute } from '../domain/dispute.js';
import { actOnCertificate } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** RaiseDispute (异议): any authenticated caller, on a current certificate that is valid, suspended or expired. */
export function raiseDisputeCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; claim: string; fieldKeys: readonly string[] },
): Promise<CertificateRecord> {
  const disputeId = deps.newId();
  return actOnCertificate(deps, input.id, (state, now) =>
    raiseDispute(
      state,
      { actor: caller, disputeId, claim: input.claim, fieldKeys: input.fieldKeys },
      { now, type: requireType(state.typeCode) },
    ),
  );
}
