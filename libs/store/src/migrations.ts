import { createHash } from 'node:crypto';
import { AppError } from '@onceonly/errors';

/** One schema change: applied once, in version order, in its own transaction. Never edit one once applied. */
export interface Migration {
  /** Positive integer, unique and increasing within a schema's list. */
  version: number;
  /** Short description, for example `create_certificates`. */
  name: string;
  /** One or more statements without parameters. No BEGIN/COMMIT: each migration already runs in a transaction. */
  sql: string;
}

/** A migration with the checksum that is recorded for it. */
export interface CheckedMigration extends Migration {
  /** SHA-256 of the SQL (line endings normalised to LF), lower-case hex. */
  checksum: string;
}

/**
 * The checksum recorded for a migration's SQL: SHA-256 hex over the text with CRLF turned into LF, so a checkout
 * with Windows line endings does not count as an edited migration.
 */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9][A-Za-z0-9_-]*)\.sql$/;

/**
 * Parses a migration file name `NNN_name.sql` (for example `001_create_events.sql` → version 1, name
 * `create_events`). Returns undefined when the name does not follow the pattern.
 */
export function parseMigrationFileName(fileName: string): { version: number; name: string } | undefined {
  const match = FILE_NAME.exec(fileName);
  if (!match) return undefined;
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version) || version <= 0) return undefined;
  return { version, name: match[2]! };
}

/**
 * Checks a migration list before anything touches the database: versions positive integers, unique and strictly
 * increasing in list order; names and SQL non-empty. Fails with CONFIG_INVALID naming the offending entry.
 */
export function validateMigrations(migrations: readonly Migration[]): CheckedMigration[] {
  let previous = 0;
  return migrations.map((migration, index) => {
    const { version, name, sql } = migration;
    const at = `migration #${index + 1} (version ${String(version)}, ${JSON.stringify(name)})`;
    if (!Number.isSafeInteger(version) || version <= 0) invalid(`${at}: version must be a positive integer`);
    if (version <= previous) invalid(`${at}: versions must be unique and increasing, and ${previous} came before`);
    if (typeof name !== 'string' || name.trim() === '') invalid(`${at}: name must not be empty`);
    if (typeof sql !== 'string' || sql.trim() === '') invalid(`${at}: sql must not be empty`);
    previous = version;
    return { version, name, sql, checksum: migrationChecksum(sql) };
  });
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names go into SQL as identifiers: lower-case letters, digits and `_`, at most 63 characters. */
export function assertSchemaName(schema: string): void {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    invalid(`schema ${JSON.stringify(schema)} must match ${SCHEMA_NAME.source}`);
  }
}

function invalid(message: string): never {
  throw new AppError('CONFIG_INVALID', message);
}
