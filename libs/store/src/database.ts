/** Result of one statement. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs SQL: the database itself, or a transaction. The same SQL runs on PostgreSQL and PGlite. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** One handle over PostgreSQL (`pg` pool) or PGlite (embedded, a data folder). */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: commit when it resolves, roll back when it throws (and rethrow). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Closes the pool or the embedded database. */
  close(): Promise<void>;
}
