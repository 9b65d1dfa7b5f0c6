import { type CertificateType, requireType } from '../domain/catalogue.js';
import { assertIssuer, type VersionTransition } from '../domain/certificate.js';
import type { CertificateEvent } from '../domain/events.js';
import { statusListPosition } from '../domain/status-list.js';
import { lockRecord, withDueExpiry } from './act-on-certificate.js';
import type { CallerRef } from './callers.js';
import { requireRecord } from './get-certificate.js';
import { rememberResult, requestHash } from './idempotency.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';
import { idempotentWrite } from './replay.js';
import { sealedRecord } from './sealing.js';

/**
 * Transitions that make a new version (change, renew, reissue, a dispute's correction): in one transaction, lock the
 * old version, record a due expiry, apply the transition, seal the new version with the issuer's active seal (its
 * own status-list slot; a citizen holder's digest carries over), insert it, mark the old one superseded, and write
 * the events. With an idempotency key, a retry returns the version the first call made.
 */

/** A new version and the one it replaced. */
export interface NewVersionResult {
  readonly record: CertificateRecord;
  readonly previous: CertificateRecord;
  readonly replayed: boolean;
}

/** What a new-version transition gets from the service. */
export interface NewVersionContext {
  readonly newId: string;
  readonly now: Date;
  readonly type: CertificateType;
}

/** The seal kind a type is sealed with: the industry licence seal for 行业综合许可证. */
export function sealKindOf(type: CertificateType): 'licensing' | 'industry-licence' {
  return type.validity.kind === 'components' ? 'industry-licence' : 'licensing';
}

/** The idempotency of a new-version request: operation name, key ('' for none) and the request to fingerprint. */
export interface VersionIdempotency {
  readonly operation: string;
  readonly key: string;
  readonly request: unknown;
}

export async function newVersionOf(
  deps: CertificateDeps,
  caller: CallerRef,
  id: string,
  idempotency: VersionIdempotency,
  transition: (old: CertificateRecord, context: NewVersionContext) => VersionTransition<CertificateEvent>,
): Promise<NewVersionResult> {
  const now = deps.clock();
  const scope = { caller: caller.departmentCode, operation: idempotency.operation, key: idempotency.key };
  const hash = requestHash(deps, scope.operation, { id, ...(idempotency.request as object) });
  const result = await idempotentWrite(deps, scope, hash, async () => {
    const current = await requireRecord(deps, { id });
    // Checked before a seal is asked for: nobody else's seal is ever loaded on a caller's behalf.
    assertIssuer(current.state, caller);
    const type = requireType(current.state.typeCode);
    const signer = await deps.keys.activeSigner(current.state.issuer.code, sealKindOf(type), now);
    // the slot in a statement of its own, before the version's row lock: unique, gaps allowed (docs/adr/008)
    const slot = statusListPosition(await deps.certificates.nextStatusSequence(deps.db, current.state.issuer.code));
    return deps.db.transaction(async (tx) => {
      const locked = await lockRecord(deps, tx, id);
      const due = withDueExpiry(locked.state, now);
      const { certificate, previous, event } = transition(
        { ...locked, state: due.state },
        { newId: deps.newId(), now, type },
      );
      const digest = locked.holderDigest;
      const record = await sealedRecord(certificate, signer, slot, digest, now);
      await deps.certificates.updateState(tx, previous);
      await deps.certificates.insert(tx, record);
      await rememberResult(deps, tx, scope, hash, certificate.id, now);
      await deps.outbox.append(tx, [...due.events, { event }]);
      return record;
    });
  });
  if (!result.replayed) deps.relay.kick();
  const previousId = result.record.state.previousVersionId ?? '';
  const previous = await requireRecord(deps, { id: previousId });
  return { record: result.record, previous, replayed: result.replayed };
}
