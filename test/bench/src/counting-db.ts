import type { Database, QueryResult, Transaction } from '@onceonly/store';

/** Round trips one component sent to the database. */
export interface StatementCount {
  statements: number;
}

/**
 * A view of `db` that counts the statements sent through it, as round trips: every `query` and `exec` is one, and a
 * transaction adds its BEGIN and its COMMIT (or ROLLBACK), which the store sends as statements of their own. Give
 * each component (writers, relay, consumer, transport) its own view over the same pool to count it alone.
 */
export function countingDatabase(db: Database): { db: Database; count: StatementCount } {
  const count: StatementCount = { statements: 0 };
  const countedTx = (tx: Transaction): Transaction => ({
    query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      count.statements++;
      return tx.query<R>(sql, params);
    },
    exec(sql: string): Promise<void> {
      count.statements++;
      return tx.exec(sql);
    },
  });
  const view: Database = {
    kind: db.kind,
    query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      count.statements++;
      return db.query<R>(sql, params);
    },
    exec(sql: string): Promise<void> {
      count.statements++;
      return db.exec(sql);
    },
    transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      count.statements += 2;
      return db.transaction((tx) => fn(countedTx(tx)));
    },
    close: () => db.close(),
  };
  return { db: view, count };
}
