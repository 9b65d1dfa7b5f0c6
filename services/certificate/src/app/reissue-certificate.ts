import { reissue } from '../domain/new-versions.js';
import type { CallerRef } from './callers.js';
import { type NewVersionResult, newVersionOf } from './new-version.js';
import type { CertificateDeps } from './ports.js';

/** ReissueCertificate (补证): the same content as a new version, the lost or damaged one superseded; issuer only. */
export function reissueCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; reason: string; idempotencyKey: string },
): Promise<NewVersionResult> {
  const { id, idempotencyKey, ...request } = input;
  return newVersionOf(deps, caller, id, { operation: 'reissue', key: idempotencyKey, request }, (old, context) =>
    reissue(old.state, { actor: caller, reason: input.reason }, context),
  );
}
