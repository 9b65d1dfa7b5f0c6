import { AppError } from '@onceonly/errors';
import type { Database } from '@onceonly/store';
import { assertMayManage, type SealActor } from '../../domain/seals/permissions.js';
import type { SealRecord } from '../../domain/seals/seal.js';
import { newSeal } from './new-seal.js';
import type { SealDeps } from './ports.js';

/** RotateSeal: a new key and certificate replace a seal. */
export interface RotateSealCommand {
  readonly actor: SealActor;
  readonly kid: string;
  readonly validityDays?: number | undefined;
}

/** The new seal and the one it replaced. */
export interface Rotation {
  readonly seal: SealRecord;
  readonly previous: SealRecord;
}

/**
 * Rotates a seal: the new one (same department, name, kind and picture) signs from now on; the old one becomes
 * `rotated` and still verifies what it signed. An active seal past its validity may be rotated too.
 * @throws AppError SEAL_NOT_FOUND, PERMISSION_DENIED (another department's seal), SEAL_NOT_ACTIVE (rotated or
 *   revoked already).
 */
export async function rotateSeal(db: Database, deps: SealDeps, command: RotateSealCommand): Promise<Rotation> {
  const before = await deps.store.findByKid(db, command.kid);
  if (!before) throw notFound(command.kid);
  assertMayManage(command.actor, before.departmentCode);
  const now = deps.clock();
  // the key and certificate are made outside the transaction: row locks are not held over key generation
  const fresh = newSeal(deps, { ...before, validityDays: command.validityDays }, now);
  const rotation = await db.transaction(async (tx) => {
    const old = await deps.store.findByKid(tx, command.kid, { forUpdate: true });
    if (!old) throw notFound(command.kid);
    if (old.status !== 'active') {
      throw new AppError('SEAL_NOT_ACTIVE', `a ${old.status} seal cannot be rotated`, {
        details: { meta: { kid: old.kid, status: old.status } },
      });
    }
    await deps.store.changeSeal(tx, old.kid, { kind: 'rotated', at: now, rotatedTo: fresh.kid });
    await deps.store.insertSeal(tx, fresh);
    const previous: SealRecord = { ...old, status: 'rotated', rotatedAt: now, rotatedTo: fresh.kid };
    await deps.events.append(tx, { kind: 'rotated', seal: fresh, previous, at: now });
    return { seal: fresh, previous };
  });
  deps.onSealChanged?.(command.kid);
  return rotation;
}

export function notFound(kid: string): AppError {
  return new AppError('SEAL_NOT_FOUND', 'no seal has this kid', { details: { meta: { kid } } });
}
