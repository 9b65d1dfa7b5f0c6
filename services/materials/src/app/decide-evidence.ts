import { AppError } from '@onceonly/errors';
import type { Transaction } from '@onceonly/store';
import { assertApplicant, decide, type EvidenceRequest, expire, preview } from '../domain/consent.js';
import type { ConsentDeps } from './consent-ports.js';
import { type Actor, type NamedApplicant, ownerOf } from './ports.js';

function assertPortal(actor: Actor): void {
  if (actor.role !== 'portal') {
    throw new AppError('MATERIALS_ACCESS_DENIED', 'only the portal acting for the applicant previews and decides');
  }
}

async function lockedRequest(deps: ConsentDeps, tx: Transaction, id: string) {
  const request = await deps.consent.request(tx, id, true);
  if (!request) throw new AppError('MATERIALS_REQUEST_NOT_FOUND', `no evidence request ${id}`);
  return request;
}

export interface PreviewInput {
  readonly actor: Actor;
  readonly applicant: NamedApplicant;
  readonly requestId?: string;
}

/**
 * PreviewEvidence: the applicant's requests awaiting a decision (or the one named), as the portal shows them; the
 * pieces shown for the first time get their preview time, and each request with such pieces writes
 * `materials.evidence.previewed`, in one transaction.
 * @throws AppError MATERIALS_ACCESS_DENIED (not the portal), MATERIALS_REQUEST_NOT_FOUND, MATERIALS_PREVIEW_NOT_YOURS.
 */
export async function previewEvidenceCase(deps: ConsentDeps, input: PreviewInput): Promise<EvidenceRequest[]> {
  assertPortal(input.actor);
  const applicant = ownerOf(deps, input.applicant);
  const now = deps.clock();
  const shown = await deps.db.transaction(async (tx) => {
    const requests = input.requestId
      ? [await lockedRequest(deps, tx, input.requestId)]
      : await deps.consent.requestsOf(tx, applicant.key, { now });
    const out: EvidenceRequest[] = [];
    for (const request of requests) {
      assertApplicant(request, applicant.key);
      const next = preview(request, now);
      if (next.shown.length > 0) {
        await deps.consent.savePieces(
          tx,
          next.request.pieces.filter((p) => next.shown.includes(p.id)),
        );
        await deps.consentOutbox.previewed(tx, next.request, next.shown, input.actor.code, now);
      }
      out.push(next.request);
    }
    return out;
  });
  deps.relay.kick();
  return shown;
}

export interface DecideInput {
  readonly actor: Actor;
  readonly applicant: NamedApplicant;
  readonly requestId: string;
  readonly pieceIds: readonly string[];
  readonly reason?: string;
}

/**
 * AcceptEvidence / RejectEvidence: the domain checks the applicant, the expiry, the pieces and their states; one
 * transaction (the request's row locked) saves the pieces and `materials.evidence.accepted|rejected`. Nothing is
 * written when the decision is refused, nor when it changes nothing (the same decision again).
 * @throws AppError MATERIALS_ACCESS_DENIED, MATERIALS_REQUEST_NOT_FOUND, MATERIALS_PREVIEW_NOT_YOURS,
 * MATERIALS_PREVIEW_EXPIRED, MATERIALS_PIECE_NOT_FOUND, MATERIALS_PREVIEW_DECIDED, MATERIALS_PREVIEW_NOT_SHOWN.
 */
export async function decideEvidenceCase(
  deps: ConsentDeps,
  input: DecideInput,
  decision: 'accepted' | 'rejected',
): Promise<EvidenceRequest> {
  assertPortal(input.actor);
  const applicant = ownerOf(deps, input.applicant);
  const now = deps.clock();
  const decided = await deps.db.transaction(async (tx) => {
    const request = await lockedRequest(deps, tx, input.requestId);
    const next = decide(
      request,
      {
        applicantKey: applicant.key,
        pieceIds: input.pieceIds,
        decision,
        ...(input.reason ? { reason: input.reason } : {}),
      },
      now,
    );
    if (next.changed.length > 0) {
      await deps.consent.savePieces(tx, next.changed);
      await deps.consentOutbox.decided(tx, next.request, next.changed, decision, input.actor.code, now);
    }
    return next;
  });
  if (decided.changed.length > 0) deps.relay.kick();
  return decided.request;
}

/**
 * The preview sweep: every request past its expiry with pending pieces gets them `expired`, each request in its own
 * transaction with `materials.evidence.expired` (the request's row locked: a concurrent decision waits, then finds
 * the preview expired). Returns how many pieces expired.
 */
export async function expirePreviews(deps: ConsentDeps, limit = 500): Promise<number> {
  const now = deps.clock();
  let expired = 0;
  for (const id of await deps.consent.dueForExpiry(deps.db, now, limit)) {
    expired += await deps.db.transaction(async (tx) => {
      const request = await deps.consent.request(tx, id, true);
      if (!request) return 0;
      const next = expire(request, now);
      if (next.changed.length === 0) return 0;
      await deps.consent.savePieces(tx, next.changed);
      await deps.consentOutbox.decided(tx, next.request, next.changed, 'expired', '', now);
      return next.changed.length;
    });
  }
  if (expired > 0) deps.relay.kick();
  return expired;
}
