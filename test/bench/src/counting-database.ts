import type { Database, QueryOptions, QueryResult, Transaction } from '@onceonly/store';

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
  /**
   * Statements sent so far by kind ({@link statementKind}: `BEGIN`, `INSERT certificate.outbox`, `WITH`...), for a
   * breakdown of what an operation sends. Take differences as for {@link statements}.
   */
  statementsByKind(): Map<string, number>;
}

/**
 * A short name for a statement: its first keyword and the first table it names (`INSERT certificate.outbox`,
 * `SELECT certificate.seal_registry`), or the keyword alone (`BEGIN`, `WITH`).
 */
export function statementKind(sql: string): string {
  // the same texts come again and again: named once each (the counting runs in the measured process)
  let kind = kinds.get(sql);
  if (kind === undefined) {
    kind = kindOf(sql);
    if (kinds.size >= KIND_CACHE_LIMIT) kinds.clear();
    kinds.set(sql, kind);
  }
  return kind;
}

const kinds = new Map<string, string>();
const KIND_CACHE_LIMIT = 4096;

function kindOf(sql: string): string {
  // the head of the statement is enough (and keeps the counting cheap next to what it counts)
  const text = sql.slice(0, 1200).trim().replace(/\s+/g, ' ');
  const keyword = (/^\w+/.exec(text)?.[0] ?? '?').toUpperCase();
  if (keyword === 'WITH') {
    // a data-modifying CTE is named by the first table it writes (the issue group's keys, the relay's sequences...)
    const written = /\b(?:INSERT\s+INTO|UPDATE)\s+([\w."]+)/i.exec(sql.slice(0, 4000))?.[1]?.replaceAll('"', '');
    return written === undefined ? 'WITH' : `WITH … ${written}`;
  }
  const table = /\b(?:INTO|FROM|UPDATE)\s+([\w."]+)/i.exec(text)?.[1]?.replaceAll('"', '');
  return table === undefined ? keyword : `${keyword} ${table}`;
}

/** Differences of two {@link CountingDatabase.statementsByKind} maps, largest first, zeros left out. */
export function kindsSince(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after]
    .map(([kind, n]): [string, number] => [kind, n - (before.get(kind) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Counts what is sent through `db`; `onStatement`, when given, also sees each statement's text and parameters (the
 * assistance suite keeps the service's ListInbox query to EXPLAIN it).
 */
export function countingDatabase(
  db: Database,
  onStatement?: (sql: string, params: readonly unknown[] | undefined) => void,
): CountingDatabase {
  let count = 0;
  const byKind = new Map<string, number>();
  const tally = (kind: string) => {
    count++;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  };
  const counted: CountingDatabase = {
    get kind() {
      return db.kind;
    },
    statements: () => count,
    statementsByKind: () => new Map(byKind),
    query<R = Record<string, unknown>>(
      sql: string,
      params?: readonly unknown[],
      options?: QueryOptions,
    ): Promise<QueryResult<R>> {
      tally(statementKind(sql));
      onStatement?.(sql, params);
      return db.query<R>(sql, params, options);
    },
    exec(sql: string): Promise<void> {
      tally(statementKind(sql));
      return db.exec(sql);
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      tally('BEGIN');
      let ended = false;
      try {
        const result = await db.transaction((tx) =>
          fn({
            query<R = Record<string, unknown>>(
              sql: string,
              params?: readonly unknown[],
              options?: QueryOptions,
            ): Promise<QueryResult<R>> {
              tally(statementKind(sql));
              onStatement?.(sql, params);
              return tx.query<R>(sql, params, options);
            },
            exec(sql: string): Promise<void> {
              tally(statementKind(sql));
              return tx.exec(sql);
            },
          }),
        );
        ended = true;
        tally('COMMIT');
        return result;
      } finally {
        if (!ended) tally('ROLLBACK');
      }
    },
    close: () => db.close(),
  };
  return counted;
}
