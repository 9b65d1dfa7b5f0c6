import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { AppError } from '@onceonly/errors';
import type { Database, QueryOptions, QueryResult, Transaction } from './database.js';
import { TxHandle, TxScope } from './tx-scope.js';
import { pgliteParsers, prepareParams } from './type-parsers.js';

/** Opening PGlite stored in a folder (created if missing). */
export interface PgliteDirOptions {
  dataDir: string;
}

/** Opening PGlite in memory: gone on close; for tests and throwaway runs. */
export interface PgliteMemoryOptions {
  memory: true;
}

const LOCK_FILE = 'onceonly.lock';
/** Folders this process holds, to tell our own live lock from one left by an earlier process with the same pid. */
const heldDirs = new Set<string>();

/**
 * Opens PGlite. PGlite is one connection in this process: its own locks already keep a transaction from
 * interleaving with other calls (they wait), and a lock file keeps a second process or handle off the same folder,
 * which would corrupt it.
 */
export async function openPglite(options: PgliteDirOptions | PgliteMemoryOptions): Promise<Database> {
  if ('memory' in options) return await start(new PGlite({ parsers: pgliteParsers() }), 'memory', async () => {});
  const dir = resolve(options.dataDir);
  await mkdir(dir, { recursive: true });
  const unlock = await lockDir(dir);
  try {
    return await start(new PGlite(dir, { parsers: pgliteParsers() }), dir, unlock);
  } catch (err) {
    await unlock();
    throw err;
  }
}

async function start(pg: PGlite, where: string, unlock: () => Promise<void>): Promise<Database> {
  try {
    await pg.waitReady;
  } catch (err) {
    throw new AppError('DB_UNAVAILABLE', `PGlite (${where}) did not start: ${messageOf(err)}`, { cause: err });
  }
  return new PgliteDatabase(pg, where, unlock);
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  readonly #pg: PGlite;
  readonly #where: string;
  readonly #unlock: () => Promise<void>;
  readonly #scope = new TxScope();
  #closed = false;

  constructor(pg: PGlite, where: string, unlock: () => Promise<void>) {
    this.#pg = pg;
    this.#where = where;
    this.#unlock = unlock;
  }

  /** `options.prepare` changes nothing here: PGlite runs every statement as given (ADR 044). */
  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    _options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    this.#scope.assertOutside('query');
    this.#assertOpen();
    return await runQuery<R>(this.#pg, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.#scope.assertOutside('exec');
    this.#assertOpen();
    await this.#pg.exec(sql);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#scope.assertOutside('transaction');
    this.#assertOpen();
    // PGlite's transaction holds its transaction lock: other query/exec/transaction calls wait until it ends
    return await this.#pg.transaction(async (ptx) => {
      const tx = new TxHandle({
        query: (sql, params) => runQuery(ptx, sql, params),
        exec: async (sql) => {
          await ptx.exec(sql);
        },
      });
      try {
        return await this.#scope.run(() => fn(tx));
      } finally {
        tx.end();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pg.close();
    } finally {
      await this.#unlock();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('DB_UNAVAILABLE', `PGlite (${this.#where}) is closed`);
  }
}

async function runQuery<R>(
  on: PGlite | PgliteTransaction,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<R>> {
  const result = await on.query<R>(sql, prepareParams(params));
  return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 };
}

/** Takes `<dir>/onceonly.lock` (holding our pid), or fails with DB_UNAVAILABLE naming the live holder. */
async function lockDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      heldDirs.add(dir);
      return async () => {
        heldDirs.delete(dir);
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFailed(dir, err);
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (isHeld(dir, holder)) {
      throw new AppError('DB_UNAVAILABLE', `the data folder ${dir} is in use by process ${holder} (${file})`, {
        details: { meta: { dataDir: dir, pid: String(holder) } },
      });
    }
    await rm(file, { force: true }); // left by a process that is gone
  }
  throw lockFailed(dir, new Error('the lock file keeps reappearing'));
}

function isHeld(dir: string, pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  // our own pid: held only if this process really opened it (a restarted container reuses pids)
  if (pid === process.pid) return heldDirs.has(dir);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockFailed(dir: string, err: unknown): AppError {
  return new AppError('DB_UNAVAILABLE', `cannot lock the data folder ${dir}: ${messageOf(err)}`, { cause: err });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
