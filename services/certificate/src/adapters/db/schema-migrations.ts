import { withEventTables } from '@onceonly/events';
import type { Migration } from '@onceonly/store';
import { CERTIFICATE_MIGRATIONS, CERTIFICATE_SCHEMA } from './migrations.js';
import { SEAL_MIGRATIONS } from './seal-migrations.js';

/**
 * Every migration of schema `certificate`, in one list: the certificate tables (versions 1–99), the seal tables
 * (100–199) and the outbox and inbox tables (9000+). Seals and certificates both migrate with this list, so either
 * may start first, each version is applied once, and neither finds versions it does not know.
 */
export const CERTIFICATE_SCHEMA_MIGRATIONS: readonly Migration[] = Object.freeze(
  withEventTables(CERTIFICATE_SCHEMA, [...CERTIFICATE_MIGRATIONS, ...SEAL_MIGRATIONS]),
);
