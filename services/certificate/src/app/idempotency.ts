import { AppError } from '@onceonly/errors';
import type { Queryable, Transaction } from '@onceonly/store';
import type { CertificateDeps } from './ports.js';

/**
 * Idempotency keys: a retried request with the same key returns what the first one made; the same key with another
 * request is refused. Keys are per caller and operation. A request is remembered by a keyed hash (HMAC) of its
 * canonical JSON, so that a citizen ID in it is never kept in clear or hashed without a key.
 */

/** JSON with object keys sorted at every level: the same request always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    // written in one pass over the sorted own keys (the default sort orders by UTF-16 code units, as `<` does):
    // every request is hashed, and building entry arrays cost more than the text
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    let out = '{';
    for (const key of keys) {
      const inner = object[key];
      if (inner === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${JSON.stringify(key)}:${canonicalJson(inner)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The fingerprint of a request of an operation. */
export function requestHash(deps: Pick<CertificateDeps, 'fingerprint'>, operation: string, request: unknown): string {
  return deps.fingerprint(`${operation}\n${canonicalJson(request)}`);
}

/**
 * The id of what an earlier request with this key made, when the request is the same.
 * @returns undefined when the key is new (or empty: no idempotency asked).
 * @throws AppError IDEMPOTENCY_CONFLICT when the key was used for another request.
 */
export async function replayedId(
  deps: Pick<CertificateDeps, 'idempotency'>,
  q: Queryable,
  scope: { caller: string; operation: string; key: string },
  hash: string,
): Promise<string | undefined> {
  if (scope.key === '') return undefined;
  const found = await deps.idempotency.find(q, scope.caller, scope.operation, scope.key);
  if (found === undefined) return undefined;
  if (found.requestHash === hash) return found.resultId;
  throw idempotencyConflict();
}

/** The error of a key used before for a different request. */
export function idempotencyConflict(): AppError {
  return new AppError('IDEMPOTENCY_CONFLICT', 'this idempotency key was used for a different request', {
    details: { fields: [{ field: 'idempotency_key', reason: 'IDEMPOTENCY_CONFLICT', description: 'used before' }] },
  });
}

/** Remembers, in the transaction that made it, what a request with an idempotency key made (no key: nothing). */
export async function rememberResult(
  deps: Pick<CertificateDeps, 'idempotency'>,
  tx: Transaction,
  scope: { caller: string; operation: string; key: string },
  hash: string,
  resultId: string,
  now: Date,
): Promise<void> {
  if (scope.key === '') return;
  await deps.idempotency.save(tx, scope.caller, scope.operation, scope.key, { requestHash: hash, resultId }, now);
}
