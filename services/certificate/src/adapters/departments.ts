import type { Departments } from '../app/ports.js';
import { DEMO_DEPARTMENTS, type Department } from '../domain/departments.js';

/**
 * {@link Departments} over a fixed list: the demo departments of `domain/departments.ts` by default. A registry of
 * real bodies (a database table, a directory service) would implement the same port.
 */
export function departmentDirectory(list: readonly Department[] = DEMO_DEPARTMENTS): Departments {
  const byCode = new Map(list.map((d) => [d.code as string, d]));
  return { find: (code) => byCode.get(code), all: () => list };
}
