import type { Evolved } from '@onceonly/replay';
import { type PieceStatus, servingRefusal, transitionRefusal } from '../consent.js';

/**
 * The consent replay (docs/adr/005, ADR 041): every explicit request, preview, decision and reuse rebuilt from the
 * logged `materials.evidence.*` events alone, and checked with the rules the service applies (`transitionRefusal`,
 * `servingRefusal` of `domain/consent.ts`): no reuse without a piece the applicant accepted, after a preview, of a
 * request of the same department for the same application; every decision a valid transition of a pending piece.
 * Pure: the decoder in `adapters/events/consent-replay.ts` hands the facts.
 */

/** The projection's name (`onceonly audit replay --projection materials-consent`). */
export const MATERIALS_CONSENT = 'materials-consent';

/** What a request's events name it by: the same in each of them, or the log was changed. */
interface Scope {
  /** The event's subject: the applicant's key. */
  readonly eventSubject: string;
  readonly requestId: string;
  readonly applicationId: string;
  readonly applicantKey: string;
}

/** A logged consent event, as the rules read it (no protobuf). */
export type ConsentFact =
  | (Scope & {
      readonly kind: 'requested';
      readonly departmentCode: string;
      readonly pieces: readonly { readonly id: string; readonly status: PieceStatus | 'unknown' }[];
    })
  | (Scope & { readonly kind: 'previewed'; readonly pieceIds: readonly string[] })
  | (Scope & {
      readonly kind: 'decided';
      readonly decision: Exclude<PieceStatus, 'pending'>;
      readonly departmentCode: string;
      readonly pieces: readonly { readonly id: string; readonly status: PieceStatus | 'unknown' }[];
    })
  | (Scope & { readonly kind: 'reused'; readonly departmentCode: string; readonly pieceId: string });

/** A piece as rebuilt. */
export interface ReplayedPiece {
  readonly status: PieceStatus;
  readonly previewed: boolean;
  readonly reuses: number;
}

/** A request as rebuilt: what the log says became of each piece. */
export interface ReplayedRequest {
  readonly applicationId: string;
  readonly applicantKey: string;
  readonly departmentCode: string;
  readonly pieces: Map<string, ReplayedPiece>;
}

/** The scope of a later event against its request's: the same application, applicant and subject. */
function scopeProblems(request: ReplayedRequest, fact: ConsentFact): string[] {
  const problems: string[] = [];
  if (fact.applicationId !== request.applicationId) problems.push(`it names application ${fact.applicationId}`);
  if (fact.applicantKey !== request.applicantKey) problems.push('it names another applicant');
  if (fact.kind === 'decided' && fact.departmentCode !== request.departmentCode) {
    problems.push(`it names department ${fact.departmentCode}, not the requesting one`);
  }
  return problems;
}

function opened(state: Map<string, ReplayedRequest>, fact: ConsentFact & { kind: 'requested' }): string[] {
  const problems: string[] = [];
  if (state.has(fact.requestId)) return ['the request id was logged before: a request is made once'];
  if (fact.pieces.length === 0) problems.push('a request without pieces');
  if (fact.pieces.some((p) => p.status !== 'pending')) problems.push('a piece was not pending when requested');
  if (new Set(fact.pieces.map((p) => p.id)).size !== fact.pieces.length) problems.push('a piece is listed twice');
  state.set(fact.requestId, {
    applicationId: fact.applicationId,
    applicantKey: fact.applicantKey,
    departmentCode: fact.departmentCode,
    pieces: new Map(fact.pieces.map((p) => [p.id, { status: 'pending', previewed: false, reuses: 0 }])),
  });
  return problems;
}

function previewed(request: ReplayedRequest, fact: ConsentFact & { kind: 'previewed' }): string[] {
  const problems: string[] = [];
  for (const id of fact.pieceIds) {
    const piece = request.pieces.get(id);
    if (!piece) problems.push(`piece ${id} is not in the request`);
    else if (piece.status !== 'pending') problems.push(`piece ${id} was shown once ${piece.status}`);
    else if (piece.previewed) problems.push(`piece ${id} was shown for the first time twice`);
    else request.pieces.set(id, { ...piece, previewed: true });
  }
  return problems;
}

function decided(request: ReplayedRequest, fact: ConsentFact & { kind: 'decided' }): string[] {
  const problems: string[] = [];
  if (fact.pieces.length === 0) problems.push('a decision on no piece');
  for (const { id, status } of fact.pieces) {
    const piece = request.pieces.get(id);
    if (!piece) {
      problems.push(`piece ${id} is not in the request`);
      continue;
    }
    if (status !== fact.decision) problems.push(`piece ${id} is ${status} in a ${fact.decision} event`);
    const refusal = transitionRefusal(
      { status: piece.status, previewedAt: piece.previewed || undefined },
      fact.decision,
    );
    if (refusal) problems.push(`piece ${id}: ${piece.status} to ${fact.decision} is refused (${refusal})`);
    else request.pieces.set(id, { ...piece, status: fact.decision });
  }
  return problems;
}

function reused(request: ReplayedRequest, fact: ConsentFact & { kind: 'reused' }): string[] {
  const piece = request.pieces.get(fact.pieceId);
  const refusal = servingRefusal(request, piece, { code: fact.departmentCode, role: 'department' });
  if (refusal) return [`piece ${fact.pieceId} was reused by ${fact.departmentCode} without consent (${refusal})`];
  request.pieces.set(fact.pieceId, { ...piece!, reuses: piece!.reuses + 1 });
  return [];
}

/** Folds one logged consent event into the state; the key is the request's id. */
export function evolveConsent(state: Map<string, ReplayedRequest>, fact: ConsentFact): Evolved {
  const problems = fact.eventSubject === fact.applicantKey ? [] : ["the event's subject is not the applicant's key"];
  if (fact.kind === 'requested') return { problems: [...problems, ...opened(state, fact)], key: fact.requestId };
  const request = state.get(fact.requestId);
  if (!request) {
    problems.push(
      fact.kind === 'reused' ? 'a reuse of a request never made: no reuse without consent' : 'no such request logged',
    );
    return { problems, key: fact.requestId };
  }
  problems.push(...scopeProblems(request, fact));
  if (fact.kind === 'previewed') problems.push(...previewed(request, fact));
  else if (fact.kind === 'decided') problems.push(...decided(request, fact));
  else problems.push(...reused(request, fact));
  return { problems, key: fact.requestId };
}
