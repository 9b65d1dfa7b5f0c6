import { AppError, invalid } from '@onceonly/errors';
import type { Database } from '@onceonly/store';
import { assertMayManage, type SealActor } from '../../domain/seals/permissions.js';
import type { SealRecord } from '../../domain/seals/seal.js';
import type { SealDeps } from './ports.js';
import { notFound } from './rotate-seal.js';

/** RevokeSeal: a seal's key is compromised from a point in time. */
export interface RevokeSealCommand {
  readonly actor: SealActor;
  readonly kid: string;
  /** Undefined: now. */
  readonly compromisedAt?: Date | undefined;
  readonly reason: string;
}

/**
 * Revokes a seal (active, rotated or expired: an old key can leak too). What it sealed at or after the compromise
 * time becomes invalid, what it sealed before stays valid; a revoked seal never signs again.
 * @throws AppError SEAL_NOT_FOUND, PERMISSION_DENIED, SEAL_REVOKED (already revoked), INVALID_ARGUMENT
 *   (`compromised_at` in the future, empty reason).
 */
export async function revokeSeal(db: Database, deps: SealDeps, command: RevokeSealCommand): Promise<SealRecord> {
  const now = deps.clock();
  const compromisedAt = command.compromisedAt ?? now;
  if (compromisedAt.getTime() > now.getTime()) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'compromised_at', reason: 'IN_FUTURE', description: 'a compromise time may not lie in the future' },
    ]);
  }
  if (command.reason.trim() === '') {
    throw invalid('INVALID_ARGUMENT', [{ field: 'reason', reason: 'REQUIRED', description: 'say why' }]);
  }
  const revoked = await db.transaction(async (tx) => {
    const seal = await deps.store.findByKid(tx, command.kid, { forUpdate: true });
    if (!seal) throw notFound(command.kid);
    assertMayManage(command.actor, seal.departmentCode);
    if (seal.status === 'revoked') {
      throw new AppError('SEAL_REVOKED', 'the seal is revoked already', {
        details: { meta: { kid: seal.kid, compromisedAt: seal.compromisedAt?.toISOString() ?? '' } },
      });
    }
    const change = { kind: 'revoked', at: now, compromisedAt, reason: command.reason } as const;
    await deps.store.changeSeal(tx, seal.kid, change);
    const after: SealRecord = {
      ...seal,
      status: 'revoked',
      revokedAt: now,
      compromisedAt,
      revocationReason: command.reason,
    };
    await deps.events.append(tx, { kind: 'revoked', seal: after, at: now });
    return after;
  });
  deps.onSealChanged?.(command.kid);
  return revoked;
}
