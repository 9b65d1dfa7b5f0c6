import { AppError } from '@onceonly/errors';
import { isUniqueViolation } from '@onceonly/store';
import { replayedId } from './idempotency.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** An idempotent write: what it made, and whether an earlier request with the same key made it. */
export interface Replayable {
  readonly record: CertificateRecord;
  readonly replayed: boolean;
}

/** The stored certificate an earlier request made. */
export async function loadReplay(deps: Pick<CertificateDeps, 'certificates' | 'db'>, id: string): Promise<Replayable> {
  const record = await deps.certificates.get(deps.db, id);
  if (record === undefined) throw new AppError('INTERNAL', 'an idempotency key names a missing certificate');
  return { record, replayed: true };
}

/**
 * Runs an idempotent write: replays when the key was used for the same request, else writes. When a concurrent
 * request with the same key committed first (a unique violation), replays that one. Any other unique violation
 * means the licence exists already (a business licence's number is its holder's code).
 * @throws AppError IDEMPOTENCY_CONFLICT, ALREADY_EXISTS.
 */
export async function idempotentWrite(
  deps: Pick<CertificateDeps, 'certificates' | 'db' | 'idempotency'>,
  scope: { caller: string; operation: string; key: string },
  hash: string,
  write: () => Promise<CertificateRecord>,
): Promise<Replayable> {
  const earlier = await replayedId(deps, deps.db, scope, hash);
  if (earlier !== undefined) return loadReplay(deps, earlier);
  try {
    return { record: await write(), replayed: false };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const raced = await replayedId(deps, deps.db, scope, hash);
    if (raced !== undefined) return loadReplay(deps, raced);
    throw new AppError('ALREADY_EXISTS', 'a licence with this number and version exists already', { cause: err });
  }
}
