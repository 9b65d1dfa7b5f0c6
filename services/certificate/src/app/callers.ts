import { AppError } from '@onceonly/errors';
import type { CertificateType } from '../domain/catalogue.js';
import { assertMayIssue, type Department, type DepartmentRole } from '../domain/departments.js';
import type { Departments } from './ports.js';

/** Who calls, as the transport authenticated it. */
export interface CallerRef {
  readonly departmentCode: string;
  /** The transport's role (department, platform, portal, auditor), where a use case needs it. */
  readonly role?: string | undefined;
}

/**
 * The calling department when it may issue the type: a known department of the type's issuing kind.
 * @throws AppError CERT_TYPE_NOT_AUTHORISED (an unknown body, a platform or portal, or another kind of department).
 */
export function issuerFor(departments: Departments, caller: CallerRef, type: CertificateType): Department {
  const department = departments.find(caller.departmentCode);
  if (department === undefined) {
    throw new AppError('CERT_TYPE_NOT_AUTHORISED', `the caller is not a department that issues a ${type.nameEn}`, {
      details: { meta: { typeCode: type.typeCode } },
    });
  }
  assertMayIssue(department, type);
  return department;
}

/**
 * The calling body when it has the role the operation needs.
 * @throws AppError PERMISSION_DENIED.
 */
export function callerWithRole(departments: Departments, caller: CallerRef, role: DepartmentRole): Department {
  const department = departments.find(caller.departmentCode);
  if (department?.role === role) return department;
  throw new AppError('PERMISSION_DENIED', `only a registered ${role} may call this`, { details: { meta: { role } } });
}
