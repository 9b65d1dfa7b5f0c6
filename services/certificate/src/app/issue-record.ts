import { AppError, isAppError } from '@onceonly/errors';
import type { Signer } from '@onceonly/seal';
import type { CertificateState } from '../domain/certificate.js';
import type { SealUse } from '../domain/departments.js';
import type { CertificateEvent } from '../domain/events.js';
import { statusListPosition } from '../domain/status-list.js';
import { replayedId } from './idempotency.js';
import type { CertificateDeps, HolderDigest, IdempotencyScope } from './ports.js';
import { loadReplay, type Replayable } from './replay.js';
import { sealedRecord } from './sealing.js';

/** What issuing needs: the request's key, the counters' scopes, the seal, and the domain's new certificate. */
export interface IssueRecordInput {
  readonly idempotency: { readonly scope: IdempotencyScope; readonly hash: string };
  /** The licence-number counter's scope; undefined when the number comes from elsewhere (a credit code). */
  readonly numberScope: string | undefined;
  readonly issuerCode: string;
  /** The seal the issuer signs with. */
  readonly sealUse: SealUse;
  readonly digest: HolderDigest | undefined;
  readonly now: Date;
  /** The pure domain step, given the number's sequence. */
  readonly make: (sequence: number) => { certificate: CertificateState; event: CertificateEvent };
}

/**
 * Issues a new licence, idempotently, in three steps (docs/adr/008, docs/adr/014, docs/adr/017):
 *
 * 1. The issuer's active signer (the seal port; the stored seals keep the current seal in memory, checked against
 *    the store's bundle version). A seal that cannot sign fails the issue before a counter moves, unless the
 *    idempotency key names an earlier issue: that one is replayed.
 * 2. The licence number and the status-list slot, from blocks reserved ahead (ADR 017): usually no statement.
 *    Numbers and slots are unique and never reused; an issue that fails after this step leaves a gap.
 * 3. Sealed (JWS with x5c and the QR variant), then committed with its idempotency key and its event through the
 *    issue log: concurrent issues share one statement, or one transaction when one of them cannot be written (group
 *    commit), each answered once its group committed.
 *    A request whose key is known (a retry, or a concurrent request with the same key that committed first) is found
 *    there: replayed when it is the same request, else IDEMPOTENCY_CONFLICT; its number and slot are gaps. A stored
 *    licence with the same number is ALREADY_EXISTS.
 * @throws AppError IDEMPOTENCY_CONFLICT, ALREADY_EXISTS, CERT_ISSUE_NOT_COMMITTED, and the seal errors.
 */
export async function issueRecord(
  deps: Pick<CertificateDeps, 'certificates' | 'db' | 'idempotency' | 'issues' | 'keys' | 'takeForIssue'>,
  input: IssueRecordInput,
): Promise<Replayable> {
  const { idempotency, issuerCode, digest, now } = input;
  const { scope, hash } = idempotency;
  let signer: Signer;
  try {
    signer = await deps.keys.activeSigner(issuerCode, input.sealUse, now);
  } catch (err) {
    // a retry of an issue that succeeded is answered even when the seal has changed since
    const earlier = isAppError(err) ? await replayedId(deps, deps.db, scope, hash) : undefined;
    if (earlier !== undefined) return loadReplay(deps, earlier);
    throw err;
  }
  // no statement for the idempotency key here (ADR 017): a known key is found by the group's write, below
  const taken = await deps.takeForIssue({ numberScope: input.numberScope, issuerCode });
  const { certificate, event } = input.make(taken.sequence);
  const record = await sealedRecord(certificate, signer, statusListPosition(taken.statusSequence), digest, now);
  const outcome = await deps.issues.commit({ record, event, idempotency: scope, requestHash: hash, at: now });
  if (outcome === 'inserted') return { record, replayed: false };
  if (outcome === 'key-taken') {
    // a request with the same key committed first (a retry, or a concurrent request): answer what it made, or
    // refuse another request
    const raced = await replayedId(deps, deps.db, scope, hash);
    if (raced !== undefined) return loadReplay(deps, raced);
    throw new AppError('INTERNAL', 'the idempotency key was taken by a request that left nothing');
  }
  throw new AppError('ALREADY_EXISTS', 'a licence with this number and version exists already');
}
