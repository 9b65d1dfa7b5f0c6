import { AppError } from '@onceonly/errors';

/** Who calls: what the transport established (kit's `Caller`, narrowed to what the rules read). */
export interface SealActor {
  readonly departmentCode: string;
  readonly departmentName?: string;
  readonly role: 'department' | 'platform' | 'portal' | 'auditor';
}

/**
 * A department manages its own seals, and only its own: the seal of one department signing in another's name is
 * exactly what seals exist to prevent. Platforms, portals and auditors hold no seals.
 * @throws AppError PERMISSION_DENIED.
 */
export function assertMayManage(actor: SealActor, departmentCode: string): void {
  if (actor.role !== 'department') {
    throw new AppError('PERMISSION_DENIED', `a ${actor.role} holds no seals: only departments manage seals`, {
      details: { meta: { role: actor.role } },
    });
  }
  if (actor.departmentCode !== departmentCode) {
    throw new AppError('PERMISSION_DENIED', 'a department manages only its own seals', {
      details: { meta: { caller: actor.departmentCode, department: departmentCode } },
    });
  }
}

/**
 * Which department's seals a caller may list: its own, or, for an auditor, any (undefined = every department).
 * @throws AppError PERMISSION_DENIED for another department's seals asked by a non-auditor.
 */
export function listScope(actor: SealActor, requested: string | undefined): string | undefined {
  if (actor.role === 'auditor') return requested;
  if (requested === undefined || requested === actor.departmentCode) return actor.departmentCode;
  throw new AppError('PERMISSION_DENIED', "only auditors list another department's seals", {
    details: { meta: { caller: actor.departmentCode, department: requested } },
  });
}
