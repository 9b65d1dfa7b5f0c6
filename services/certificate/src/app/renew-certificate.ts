import { renew } from '../domain/new-versions.js';
import type { CallerRef } from './callers.js';
import { type NewVersionResult, newVersionOf } from './new-version.js';
import type { CertificateDeps } from './ports.js';

/** RenewCertificate (延续): a new version valid to a later end date; issuer only. */
export function renewCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { id: string; validTo: string; reason: string; idempotencyKey: string },
): Promise<NewVersionResult> {
  const { id, idempotencyKey, ...request } = input;
  return newVersionOf(deps, caller, id, { operation: 'renew', key: idempotencyKey, request }, (old, context) =>
    renew(old.state, { actor: caller, validTo: input.validTo, reason: input.reason }, context),
  );
}
