import { change } from '../domain/new-versions.js';
import type { CallerRef } from './callers.js';
import { type NewVersionResult, newVersionOf } from './new-version.js';
import type { CertificateDeps } from './ports.js';

/** ChangeCertificate (变更) input. */
export interface ChangeInput {
  readonly id: string;
  readonly set: Readonly<Record<string, string>>;
  readonly clear: readonly string[];
  readonly holderName: string;
  readonly reason: string;
  readonly idempotencyKey: string;
}

/** ChangeCertificate (变更): a new version with the face or holder name changed; issuer only. */
export function changeCertificateCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: ChangeInput,
): Promise<NewVersionResult> {
  const { id, idempotencyKey, ...request } = input;
  return newVersionOf(deps, caller, id, { operation: 'change', key: idempotencyKey, request }, (old, context) =>
    change(
      old.state,
      { actor: caller, set: input.set, clear: input.clear, holderName: input.holderName, reason: input.reason },
      context,
    ),
  );
}
