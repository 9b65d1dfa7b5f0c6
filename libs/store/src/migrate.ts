import { performance } from 'node:perf_hooks';
import { AppError } from '@onceonly/errors';
import { advisoryLockKey, withAdvisoryLock } from './advisory-lock.js';
import type { Database, LogFn, Queryable, Transaction } from './database.js';
import { assertSchemaName, type CheckedMigration, type Migration, validateMigrations } from './migrations.js';
import { sqlStateOf } from './sql-errors.js';

/** What to migrate. */
export interface MigrateOptions {
  /** The service's schema, created if missing; its history lives in `<schema>.schema_migrations`. */
  schema: string;
  /** The full list, oldest first (see {@link validateMigrations}). */
  migrations: readonly Migration[];
  /** Told what was applied, for example `(msg, fields) => logger.info(fields ?? {}, msg)`. */
  log?: LogFn;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Brings a schema up to date and returns the versions this call applied (oldest first; empty when up to date).
 *
 * Each pending migration runs in its own transaction together with its history row, so a failure leaves nothing
 * of that migration behind (AppError MIGRATION_FAILED) and keeps the ones before it. Every step holds a
 * transaction-scoped advisory lock for the schema and re-reads the history under it, so processes migrating at
 * the same time apply each migration exactly once. Before applying anything, the checksums of the migrations
 * already applied are compared with the list: an edited migration stops everything with
 * MIGRATION_CHECKSUM_MISMATCH. A malformed list or schema name fails with CONFIG_INVALID before any I/O.
 */
export async function migrate(db: Database, options: MigrateOptions): Promise<number[]> {
  const { schema, log } = options;
  assertSchemaName(schema);
  const migrations = validateMigrations(options.migrations);
  const lock = advisoryLockKey(`onceonly:migrate:${schema}`);
  await withAdvisoryLock(db, lock, (tx) => ensureHistoryTable(tx, schema));
  const applied = await readHistory(db, schema);
  verifyApplied(schema, migrations, applied, log);
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    if (await applyOne(db, schema, lock, migration, log)) done.push(migration.version);
  }
  const latest = migrations.at(-1)?.version ?? 0;
  log?.(done.length > 0 ? 'migrations applied' : 'migrations up to date', { schema, applied: done, version: latest });
  return done;
}

async function ensureHistoryTable(tx: Transaction, schema: string): Promise<void> {
  // check first: CREATE SCHEMA IF NOT EXISTS still demands CREATE on the database, which a service role may lack
  const present = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (present.rowCount === 0) await tx.exec(`CREATE SCHEMA "${schema}"`);
  await tx.exec(`CREATE TABLE IF NOT EXISTS "${schema}".schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

async function readHistory(db: Queryable, schema: string): Promise<Map<number, AppliedRow>> {
  const { rows } = await db.query<AppliedRow>(
    `SELECT version, name, checksum FROM "${schema}".schema_migrations ORDER BY version`,
  );
  return new Map(rows.map((row) => [row.version, row]));
}

function verifyApplied(
  schema: string,
  migrations: readonly CheckedMigration[],
  applied: ReadonlyMap<number, AppliedRow>,
  log: LogFn | undefined,
): void {
  for (const migration of migrations) {
    const row = applied.get(migration.version);
    if (row) assertSameChecksum(schema, migration, row);
  }
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied.keys()].filter((version) => !known.has(version));
  // a newer build migrated this schema (a rollback, or a rolling deploy): not fatal, but worth saying
  if (unknown.length > 0) log?.('applied migrations unknown to this build', { schema, versions: unknown });
}

async function applyOne(
  db: Database,
  schema: string,
  lock: bigint,
  migration: CheckedMigration,
  log: LogFn | undefined,
): Promise<boolean> {
  const { version, name, checksum } = migration;
  const started = performance.now();
  const applied = await withAdvisoryLock(db, lock, async (tx) => {
    const { rows } = await tx.query<AppliedRow>(
      `SELECT version, name, checksum FROM "${schema}".schema_migrations WHERE version = $1`,
      [version],
    );
    if (rows[0]) {
      assertSameChecksum(schema, migration, rows[0]);
      return false; // another process applied it while we waited for the lock
    }
    log?.('applying migration', { schema, version, name });
    await runMigrationSql(tx, schema, migration);
    await tx.query(`INSERT INTO "${schema}".schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
      version,
      name,
      checksum,
    ]);
    return true;
  });
  if (applied) log?.('migration applied', { schema, version, name, ms: Math.round(performance.now() - started) });
  return applied;
}

async function runMigrationSql(tx: Transaction, schema: string, migration: CheckedMigration): Promise<void> {
  const { version, name } = migration;
  try {
    await tx.exec(migration.sql);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const sqlState = sqlStateOf(err);
    throw new AppError('MIGRATION_FAILED', `migration ${schema} ${version} (${name}) failed: ${reason}`, {
      cause: err,
      details: { meta: { schema, version: String(version), name, ...(sqlState ? { sqlState } : {}) } },
    });
  }
}

function assertSameChecksum(schema: string, migration: CheckedMigration, row: AppliedRow): void {
  if (row.checksum === migration.checksum) return;
  const { version, name, checksum } = migration;
  throw new AppError(
    'MIGRATION_CHECKSUM_MISMATCH',
    `migration ${schema} ${version} (${name}) was changed after it was applied: ` +
      `recorded checksum ${row.checksum}, now ${checksum}. Add a new migration instead of editing an applied one`,
    { details: { meta: { schema, version: String(version), name, recorded: row.checksum, current: checksum } } },
  );
}
