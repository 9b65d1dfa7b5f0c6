import { AppError } from '@onceonly/errors';
import { createLogger } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import type { HubConfig } from '../config.js';
import { openStore } from '../start.js';

/**
 * Runs `run` on the hub's database, opened by an operator's command itself (not over the API): PostgreSQL at
 * DATABASE_URL, else the embedded data folder, which a running embedded hub holds (then it says so: stop it first).
 * Closed after `run`, whatever it did.
 */
export async function withHubDatabase<T>(config: HubConfig, run: (db: Database) => Promise<T>): Promise<T> {
  const log = createLogger({ level: 'warn', process: 'onceonly' });
  let db: Database;
  try {
    db = await openStore(config, log);
  } catch (err) {
    if (err instanceof AppError && err.code === 'DB_UNAVAILABLE' && !config.DATABASE_URL) {
      throw new AppError('DB_UNAVAILABLE', `${err.message}: stop the embedded hub first, or use DATABASE_URL`, {
        cause: err,
      });
    }
    throw err;
  }
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}
