import type { Database, QueryResult, Transaction } from '@onceonly/store';

/** Statements a {@link countingDatabase} has sent. */
export interface StatementCount {
  /** Every statement: queries and scripts, plus BEGIN and COMMIT (or ROLLBACK) of each transaction. */
  statements: number;
  transactions: number;
}

/**
 * Wraps a database so that every statement it sends is counted: each `query` and `exec` on the database or on a
 * transaction handle, and the BEGIN and the COMMIT or ROLLBACK that `transaction` sends around its callback (two per
 * transaction). Counting happens in the wrapper, so the code measured runs unchanged.
 */
export function countingDatabase(db: Database): { db: Database; count: StatementCount } {
  const count: StatementCount = { statements: 0, transactions: 0 };
  const wrapped: Database = {
    kind: db.kind,
    query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      count.statements++;
      return db.query<R>(sql, params);
    },
    exec(sql: string) {
      count.statements++;
      return db.exec(sql);
    },
    close: () => db.close(),
    transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      count.transactions++;
      count.statements += 2;
      return db.transaction((tx) =>
        fn({
          query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
            count.statements++;
            return tx.query<R>(sql, params);
          },
          exec(sql: string) {
            count.statements++;
            return tx.exec(sql);
          },
        }),
      );
    },
  };
  return { db: wrapped, count };
}
