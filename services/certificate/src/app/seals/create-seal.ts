import { AppError, invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import { type Database, isUniqueViolation, type Queryable } from '@onceonly/store';
import { DEMO_DEPARTMENTS } from '../../domain/departments.js';
import { type NewSealSpec, newSeal } from './new-seal.js';
import { assertMayManage, type SealActor } from './permissions.js';
import type { SealDeps } from './ports.js';
import { defaultSealName, divisionOf, effectiveSealStatus, type SealKind, type SealRecord } from './seal.js';
import { recordSealEvent, SealCreated } from './seal-events.js';
import { sealToProto } from './seal-proto.js';

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
  const profile = departmentProfile(departmentCode, command.actor.departmentName);
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
  await recordSealEvent(
    tx,
    SealCreated.make({ subject: seal.departmentCode, time: now, data: sealToProto(seal, now) }),
  );
}

/**
 * Name and division of a department for its seal certificate: a known (seeded) department's, else the caller's
 * name from its client certificate and the division of its credit code.
 * @throws AppError INVALID_ARGUMENT when the code is not a valid unified social credit code.
 */
export function departmentProfile(
  departmentCode: string,
  callerName: string | undefined,
): Pick<NewSealSpec, 'departmentCode' | 'departmentName' | 'division'> {
  const checked = validateUscc(departmentCode);
  if (!checked.ok || checked.value !== departmentCode) {
    throw invalid('INVALID_ARGUMENT', [
      {
        field: 'department_code',
        reason: checked.ok ? 'USCC_NOT_NORMALISED' : `USCC_${checked.reason}`,
        description: 'a seal belongs to a department named by its unified social credit code',
      },
    ]);
  }
  const known = DEMO_DEPARTMENTS.find((d) => d.code === departmentCode);
  const name = known?.nameZh ?? (callerName && callerName !== departmentCode ? callerName : departmentCode);
  return { departmentCode, departmentName: name, division: divisionOf(departmentCode, known?.division) };
}
