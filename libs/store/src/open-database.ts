import { AppError } from '@onceonly/errors';
import type { Database } from './database.js';
import { openPglite, type PgliteDirOptions, type PgliteMemoryOptions } from './pglite.js';
import { openPostgres, type PostgresOptions } from './postgres.js';

/** Which database to open: PostgreSQL by URL, PGlite in a folder, or PGlite in memory. */
export type OpenDatabaseOptions = PostgresOptions | PgliteDirOptions | PgliteMemoryOptions;

/**
 * Opens a database and checks it answers.
 * - `{ url }`: PostgreSQL through a `pg` pool; unreachable → AppError DB_UNAVAILABLE naming host and port.
 * - `{ dataDir }`: PGlite stored in that folder (created if missing; one handle per folder at a time).
 * - `{ memory: true }`: PGlite in memory.
 * A malformed choice fails with CONFIG_INVALID.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const chosen = (['url', 'dataDir', 'memory'] as const).filter((key) => key in options);
  if (chosen.length !== 1) {
    throw new AppError('CONFIG_INVALID', 'open the database with exactly one of url, dataDir or memory');
  }
  if ('url' in options) return await openPostgres(requireText(options, 'url'));
  if ('dataDir' in options) return await openPglite(requireText(options, 'dataDir'));
  if (options.memory !== true) throw new AppError('CONFIG_INVALID', 'memory must be true');
  return await openPglite(options);
}

// options often come straight from the environment: an empty DATABASE_URL must not pass for a choice
function requireText<O extends object>(options: O, key: keyof O & string): O {
  const value = options[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AppError('CONFIG_INVALID', `${key} must be a non-empty string`);
  }
  return options;
}
