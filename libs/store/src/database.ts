/** Result of one statement. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/**
 * Anything that runs SQL: the database itself, or a transaction. The same SQL runs on PostgreSQL and PGlite.
 * `sql` is one statement with `$1`-style placeholders (the extended query protocol on both backends).
 */
export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>>;
}

/** How to run one statement. */
export interface QueryOptions {
  /**
   * Parse and plan the statement once per connection and keep it (a named prepared statement, named after its text)
   * instead of on every call (ADR 044). For the few statements a process runs again and again with the same text: a
   * connection keeps every text it was asked to prepare until it closes, so never for texts that vary without bound
   * (values spliced in, a list of any length). The result must keep its columns while the process runs (PostgreSQL
   * refuses a prepared statement whose result type a migration changed). PGlite runs it as any statement.
   */
  prepare?: boolean;
}

/** A transaction handle: a Queryable that can also run a multi-statement script. Valid only inside its callback. */
export interface Transaction extends Queryable {
  /** Runs one or more statements without parameters (the simple query protocol), discarding their rows. */
  exec(sql: string): Promise<void>;
}

/** One handle over PostgreSQL (`pg` pool) or PGlite (embedded, a data folder). */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws (and rethrow).
   * Inside `fn` use `tx` only: calling this Database again from inside rejects with INTERNAL (on PGlite, a single
   * connection, it would wait for itself forever; on PostgreSQL it would silently run outside the transaction).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs one or more statements without parameters (the simple query protocol), discarding their rows. */
  exec(sql: string): Promise<void>;
  /** Closes the pool or the embedded database. Safe to call twice. */
  close(): Promise<void>;
}

/** A structured log call, for example `(msg, fields) => logger.info(fields ?? {}, msg)` with pino. */
export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;
