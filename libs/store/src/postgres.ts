import { createHash } from 'node:crypto';
import { AppError, isAppError } from '@onceonly/errors';
import pg from 'pg';
import type { Database, LogFn, QueryOptions, QueryResult, Transaction } from './database.js';
import { isConnectionError, sqlStateOf } from './sql-errors.js';
import { TxHandle, TxScope } from './tx-scope.js';
import { pgTypeParsers, prepareParams } from './type-parsers.js';

/** Opening PostgreSQL: a `pg` pool. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?...`; the password never appears in errors or logs. */
  url: string;
  /** Most connections the pool opens (default 10). */
  poolSize?: number;
  /** Shown in `pg_stat_activity` (default `onceonly`). */
  applicationName?: string;
  /** Server-side limit for each statement in milliseconds (default: none, the server's setting). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, new or from the pool, in milliseconds (default 5000). */
  connectTimeoutMs?: number;
  /** Receives errors of idle pooled connections (the pool drops them and reconnects on demand). */
  log?: LogFn;
}

/**
 * Settings every connection of the pool starts with, sent in its start-up packet (no statement, no round trip).
 * `jit = off` (ADR 058): the hub's statements are short, and PostgreSQL compiles any statement whose estimated cost
 * passes `jit_above_cost`, which a misestimate does on its own (the relay's claim paid about 60 ms of compilation for
 * a 5 ms statement). They come first: `options` in the URL, or else `PGOPTIONS`, follow them and override them
 * (`options=-c%20jit%3Don` turns JIT on again).
 */
const STARTUP_OPTIONS = '-c jit=off';

/** Where the server is, for messages: never the password. */
interface Target {
  host: string;
  port: string;
  database: string;
  password: string;
  label: string;
}

/** Opens a pool and checks that one connection works: an unreachable server fails start-up with DB_UNAVAILABLE. */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const target = parseTarget(options.url);
  const pool = new pg.Pool({
    connectionString: withStartupOptions(options.url),
    max: positiveInt(options.poolSize, 10, 'poolSize'),
    application_name: options.applicationName ?? 'onceonly',
    connectionTimeoutMillis: positiveInt(options.connectTimeoutMs, 5000, 'connectTimeoutMs'),
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: positiveInt(options.statementTimeoutMs, 0, 'statementTimeoutMs') }),
    types: pgTypeParsers(),
  });
  // without a listener an idle connection's error (server restart) would crash the process
  pool.on('error', (err) => options.log?.('idle database connection failed', { error: redact(err.message, target) }));
  const db = new PostgresDatabase(pool, target);
  try {
    await db.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return db;
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #target: Target;
  readonly #scope = new TxScope();
  #closed = false;

  constructor(pool: pg.Pool, target: Target) {
    this.#pool = pool;
    this.#target = target;
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    this.#scope.assertOutside('query');
    return await this.#withClient((client) => runQuery<R>(client, sql, params, this.#target, options));
  }

  async exec(sql: string): Promise<void> {
    this.#scope.assertOutside('exec');
    await this.#withClient((client) => runExec(client, sql, this.#target));
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#scope.assertOutside('transaction');
    const client = await this.#connect();
    try {
      await runExec(client, 'BEGIN', this.#target);
    } catch (err) {
      client.release(true);
      throw err;
    }
    return await this.#runInTransaction(client, fn);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #runInTransaction<T>(client: pg.PoolClient, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const target = this.#target;
    const tx = new TxHandle({
      query: (sql, params, options) => runQuery(client, sql, params, target, options),
      exec: (sql) => runExec(client, sql, target),
    });
    try {
      const result = await this.#scope.run(() => fn(tx));
      tx.end();
      await runExec(client, 'COMMIT', target);
      client.release();
      return result;
    } catch (err) {
      tx.end();
      await rollback(client);
      throw err;
    }
  }

  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      // a broken connection goes back destroyed, not into the pool
      client.release(isAppError(err, 'DB_UNAVAILABLE'));
      throw err;
    }
  }

  async #connect(): Promise<pg.PoolClient> {
    if (this.#closed) throw new AppError('DB_UNAVAILABLE', `database ${this.#target.label} is closed`);
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw unavailable(err, this.#target);
    }
    // The pool listens for errors of idle connections only. A connection the server ends (a restart, a terminated
    // backend) while it is checked out but between two statements (in a transaction, awaiting the caller) emits
    // 'error' with nobody listening, which crashed the process (the fault suite, ADR 038). Listen once per connection:
    // its next statement fails with DB_UNAVAILABLE and the connection is released destroyed.
    if (!listened.has(client)) {
      listened.add(client);
      client.on('error', () => undefined);
    }
    return client;
  }
}

/** The pooled connections that already carry the checked-out error listener. */
const listened = new WeakSet<pg.PoolClient>();

async function runQuery<R>(
  client: pg.PoolClient,
  sql: string,
  params: readonly unknown[] | undefined,
  target: Target,
  options?: QueryOptions,
): Promise<QueryResult<R>> {
  try {
    // extended protocol even without parameters, as PGlite does: one statement per query on both backends; a
    // prepared one is parsed and planned by each connection once (`pg` sends only Bind and Execute after that)
    const config = {
      text: sql,
      values: prepareParams(params),
      queryMode: 'extended',
      ...(options?.prepare ? { name: statementName(sql) } : {}),
    } as pg.QueryConfig;
    const result = await client.query(config);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  } catch (err) {
    throw isConnectionError(err) ? unavailable(err, target) : err;
  }
}

/** Names of prepared statements by text: a hash of it, so that one name never means two texts on a connection. */
const statementNames = new Map<string, string>();
const STATEMENT_NAMES_LIMIT = 1000;

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `oo_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
    if (statementNames.size >= STATEMENT_NAMES_LIMIT) statementNames.clear();
    statementNames.set(sql, name);
  }
  return name;
}

async function runExec(client: pg.PoolClient, sql: string, target: Target): Promise<void> {
  try {
    await client.query(sql);
  } catch (err) {
    throw isConnectionError(err) ? unavailable(err, target) : err;
  }
}

async function rollback(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch {
    client.release(true);
  }
}

function unavailable(err: unknown, target: Target): AppError {
  const reason = redact(err instanceof Error ? err.message : String(err), target);
  const sqlState = sqlStateOf(err);
  return new AppError('DB_UNAVAILABLE', `PostgreSQL at ${target.label} is unavailable: ${reason}`, {
    cause: err,
    details: {
      meta: { host: target.host, port: target.port, database: target.database, ...(sqlState ? { sqlState } : {}) },
    },
  });
}

/**
 * The URL with {@link STARTUP_OPTIONS} before its own `options` (a URL's `options` would replace the pool's); a URL
 * without them gets `PGOPTIONS` after ours, as node-postgres would have sent it alone.
 */
export function withStartupOptions(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = new URL(url);
  const own = parsed.searchParams.get('options') ?? env.PGOPTIONS ?? '';
  parsed.searchParams.set('options', own.trim() === '' ? STARTUP_OPTIONS : `${STARTUP_OPTIONS} ${own}`);
  return parsed.toString();
}

function parseTarget(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    // the text may hold a password: do not echo it
    throw new AppError('CONFIG_INVALID', 'the database URL is not a valid URL', { cause: err });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new AppError('CONFIG_INVALID', `the database URL must start with postgres://, not ${parsed.protocol}//`);
  }
  const host = parsed.searchParams.get('host') ?? (decodeURIComponent(parsed.hostname) || 'localhost');
  const port = parsed.searchParams.get('port') ?? (parsed.port || '5432');
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return { host, port, database, password, label: `${host}:${port}/${database}` };
}

function redact(text: string, target: Target): string {
  return target.password ? text.split(target.password).join('***') : text;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new AppError('CONFIG_INVALID', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
