import { AppError } from '@onceonly/errors';
import { type Database, isUniqueViolation, type Queryable } from '@onceonly/store';
import { assertMayManage, type SealActor } from '../../domain/seals/permissions.js';
import {
  defaultSealName,
  effectiveSealStatus,
  type SealKind,
  type SealRecord,
  sealHolderProfile,
} from '../../domain/seals/seal.js';
import { newSeal } from './new-seal.js';
import type { SealDeps } from './ports.js';

/** CreateSeal: a department creates a seal of its own. */
export interface CreateSealCommand {
  readonly actor: SealActor;
  /** Undefined: the caller's department. */
  readonly departmentCode?: string | undefined;
  /** Undefined: the department name followed by the seal type. */
  readonly name?: string | undefined;
  readonly kind: SealKind;
  readonly validityDays?: number | undefined;
  readonly pictureRef?: string | undefined;
}

/**
 * Creates a seal for the calling department: one active seal per department and kind (a second one is a rotation).
 * An active seal of that kind whose certificate has expired is marked expired and replaced.
 * @throws AppError PERMISSION_DENIED (another department, or not a department), INVALID_ARGUMENT (the caller's code
 *   is not a credit code, a name the certificate cannot carry), SEAL_ALREADY_ACTIVE.
 */
export async function createSeal(db: Database, deps: SealDeps, command: CreateSealCommand): Promise<SealRecord> {
  const departmentCode = command.departmentCode ?? command.actor.departmentCode;
  assertMayManage(command.actor, departmentCode);
  const profile = sealHolderProfile(
    departmentCode,
    command.actor.departmentName,
    deps.departments.find(departmentCode),
  );
  const now = deps.clock();
  const seal = newSeal(
    deps,
    {
      ...profile,
      name: command.name ?? defaultSealName(profile.departmentName, command.kind),
      kind: command.kind,
      validityDays: command.validityDays,
      pictureRef: command.pictureRef,
    },
    now,
  );
  await db.transaction((tx) => insertNewSeal(tx, deps, seal, now));
  // a new seal changes the trust bundle (and may have marked an expired one): drop what is cached of it
  deps.onSealChanged?.(seal.kid);
  return seal;
}

/**
 * Stores a new seal and its `seal.created` event (in the caller's transaction), after checking that the
 * department has no other signing seal of that kind.
 */
export async function insertNewSeal(tx: Queryable, deps: SealDeps, seal: SealRecord, now: Date): Promise<void> {
  const current = await deps.store.activeForUpdate(tx, seal.departmentCode, seal.kind);
  if (current && effectiveSealStatus(current, now) === 'active') {
    throw new AppError('SEAL_ALREADY_ACTIVE', `the department already has an active ${seal.kind} seal: rotate it`, {
      details: { meta: { kid: current.kid, kind: seal.kind } },
    });
  }
  if (current) await deps.store.changeSeal(tx, current.kid, { kind: 'expired' });
  try {
    await deps.store.insertSeal(tx, seal);
  } catch (err) {
    // two creates at once: the partial unique index on (department, kind) for active seals lets one win
    if (!isUniqueViolation(err)) throw err;
    throw new AppError('SEAL_ALREADY_ACTIVE', `the department already has an active ${seal.kind} seal: rotate it`, {
      cause: err,
      details: { meta: { kind: seal.kind } },
    });
  }
  await deps.events.append(tx, { kind: 'created', seal, at: now });
}
