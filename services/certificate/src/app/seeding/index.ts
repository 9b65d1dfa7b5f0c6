/** The embedded-mode demo seed: departments with their seals and mTLS credentials. */
export type { CredentialWriter } from './ports.js';
export {
  DEMO_SEED,
  type SeedDeps,
  type SeededDepartment,
  type SeedResult,
  seedDemoDepartments,
} from './seed-departments.js';
