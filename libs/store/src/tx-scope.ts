import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '@onceonly/errors';
import type { QueryOptions, QueryResult, Transaction } from './database.js';

/**
 * Knows whether the current async call chain runs inside one of a database's transactions, so that a call to the
 * database itself from inside `transaction(fn)` fails loudly instead of deadlocking (PGlite) or escaping the
 * transaction (PostgreSQL).
 */
export class TxScope {
  readonly #als = new AsyncLocalStorage<{ open: boolean }>();

  assertOutside(method: string): void {
    if (this.#als.getStore()?.open) {
      throw new AppError(
        'INTERNAL',
        `database.${method}() was called inside a transaction on the same database; use the transaction handle`,
      );
    }
  }

  /** Runs `fn` marked as inside a transaction; the mark ends when `fn` settles (even for work it left behind). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const state = { open: true };
    try {
      return await this.#als.run(state, fn);
    } finally {
      state.open = false;
    }
  }
}

/** What a backend's transaction connection can do. */
export interface TxRunner {
  query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  exec(sql: string): Promise<void>;
}

/** The handle given to `transaction(fn)`: refuses use after the transaction ended (a forgotten `await`). */
export class TxHandle implements Transaction {
  readonly #runner: TxRunner;
  #open = true;

  constructor(runner: TxRunner) {
    this.#runner = runner;
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    this.#assertOpen();
    return await this.#runner.query<R>(sql, params, options);
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen();
    await this.#runner.exec(sql);
  }

  end(): void {
    this.#open = false;
  }

  #assertOpen(): void {
    if (!this.#open) throw new AppError('INTERNAL', 'the transaction has already ended; was an await forgotten?');
  }
}
