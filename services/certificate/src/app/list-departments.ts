import type { Department } from '../domain/departments.js';
import type { Departments } from './ports.js';

/** ListDepartments: every body the hub knows (departments, platforms, portals), by code. Any caller. */
export function listDepartmentsCase(departments: Departments): readonly Department[] {
  return [...departments.all()].sort((a, b) => a.code.localeCompare(b.code));
}
