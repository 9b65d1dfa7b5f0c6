/**
 * @onceonly/store: one Database handle over PostgreSQL (`pg`) or PGlite (embedded), transactions, advisory locks,
 * and per-service schema migrations. The same SQL runs on both backends, and values come back the same way:
 * int8/bigint as decimal strings, date as `YYYY-MM-DD` strings, timestamptz as Date (see README).
 */
export { advisoryLockKey, withAdvisoryLock } from './advisory-lock.js';
export type { Database, LogFn, Queryable, QueryOptions, QueryResult, Transaction } from './database.js';
export { loadMigrations } from './load-migrations.js';
export { type MigrateOptions, migrate } from './migrate.js';
export {
  assertSchemaName,
  type CheckedMigration,
  type Migration,
  migrationChecksum,
  parseMigrationFileName,
  validateMigrations,
} from './migrations.js';
export { type OpenDatabaseOptions, openDatabase } from './open-database.js';
export type { PgliteDirOptions, PgliteMemoryOptions } from './pglite.js';
export type { PostgresOptions } from './postgres.js';
export { isConnectionError, isUniqueViolation, sqlStateOf } from './sql-errors.js';
