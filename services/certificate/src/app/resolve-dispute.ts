import { requireType } from '../domain/catalogue.js';
import type { VersionTransition } from '../domain/certificate.js';
import { type DisputeResolution, resolveDispute } from '../domain/dispute.js';
import type { DisputeResolved } from '../domain/events.js';
import { actOnCertificate } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import { newVersionOf } from './new-version.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** The certificate as it now stands, and the superseded version when a correction made a new one. */
export interface ResolveOutput {
  readonly record: CertificateRecord;
  readonly previous?: CertificateRecord;
}

/**
 * ResolveDispute, issuer only: a rejection closes the dispute on the same version; a correction makes a new,
 * sealed version (operation 09) that records the closed dispute.
 */
export async function resolveDisputeCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; disputeId: string; resolution: DisputeResolution },
): Promise<ResolveOutput> {
  const command = { actor: caller, disputeId: input.disputeId, resolution: input.resolution };
  if (input.resolution.kind === 'reject') {
    const record = await actOnCertificate(deps, input.id, (state, now) =>
      resolveDispute(state, command, { newId: '', now, type: requireType(state.typeCode) }),
    );
    return { record };
  }
  const result = await newVersionOf(
    deps,
    caller,
    input.id,
    { operation: 'correct', key: '', request: {} },
    (old, context) => resolveDispute(old.state, command, context) as VersionTransition<DisputeResolved>,
  );
  return { record: result.record, previous: result.previous };
}
