import type { Database, QueryResult, Transaction } from '@onceonly/store';

/**
 * A {@link Database} that counts the statements sent through it: every `query` and `exec`, inside a transaction or
 * not, plus the transaction's BEGIN and its COMMIT or ROLLBACK (each a round trip to PostgreSQL as well, as the store
 * sends them as statements of their own). Several views over the same pool count separately: the events suite gives
 * each component (writers, relay, consumer, transport) its own; the certificate suite passes one to the hosted
 * service, so that everything it runs on its pool (handlers, the outbox relay, the seals) is counted.
 */
export interface CountingDatabase extends Database {
  /** Statements sent so far (take differences: a count over a measurement is `after - before`). */
  statements(): number;
}

export function countingDatabase(db: Database): CountingDatabase {
  let count = 0;
  const counted: CountingDatabase = {
    get kind() {
      return db.kind;
    },
    statements: () => count,
    query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      count++;
      return db.query<R>(sql, params);
    },
    exec(sql: string): Promise<void> {
      count++;
      return db.exec(sql);
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      count += 2; // BEGIN, then COMMIT or ROLLBACK
      return db.transaction((tx) =>
        fn({
          query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
            count++;
            return tx.query<R>(sql, params);
          },
          exec(sql: string): Promise<void> {
            count++;
            return tx.exec(sql);
          },
        }),
      );
    },
    close: () => db.close(),
  };
  return counted;
}
