import { createHash } from 'node:crypto';
import type { Database, Transaction } from './database.js';

/** A stable 64-bit advisory lock key for a name: the first 8 bytes of its SHA-256, as a signed bigint. */
export function advisoryLockKey(name: string): bigint {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return digest.readBigInt64BE(0);
}

/**
 * Runs `fn` in a transaction holding `pg_advisory_xact_lock(key)`: callers with the same key, in this process or
 * any other on the same database, run one at a time. The lock ends with the transaction. A string key is hashed
 * with {@link advisoryLockKey}. On PGlite (one connection) transactions are serial anyway; the call still works.
 */
export async function withAdvisoryLock<T>(
  db: Database,
  key: string | bigint,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const lockKey = typeof key === 'bigint' ? key : advisoryLockKey(key);
  return await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey.toString()]);
    return await fn(tx);
  });
}
