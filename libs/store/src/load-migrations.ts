import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@onceonly/errors';
import { type Migration, parseMigrationFileName, validateMigrations } from './migrations.js';

/**
 * Reads the migrations of one schema from a folder of `NNN_name.sql` files, in version order, validated.
 * Other files (a README) are ignored, but a `.sql` file with a malformed name fails with CONFIG_INVALID rather
 * than being skipped: a migration that silently never runs is worse than a start-up error.
 *
 * Keep the folder beside `src/` (for example `migrations/`) and pass `new URL('../migrations/', import.meta.url)`:
 * that resolves the same from `src/` and from `dist/`, and tsc does not copy .sql files.
 */
export async function loadMigrations(dir: string | URL): Promise<Migration[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const files = await listSqlFiles(path);
  const migrations: Migration[] = [];
  for (const file of files) {
    const parsed = parseMigrationFileName(file);
    if (!parsed) {
      throw new AppError('CONFIG_INVALID', `migration file ${join(path, file)} is not named NNN_name.sql`);
    }
    migrations.push({ ...parsed, sql: await readFile(join(path, file), 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  validateMigrations(migrations);
  return migrations;
}

async function listSqlFiles(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('.sql')).map((e) => e.name);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `cannot read the migrations folder ${path}`, { cause: err });
  }
}
