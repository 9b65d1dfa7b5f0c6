import { AppError, isAppError } from '@onceonly/errors';
import { type EvidencePiece, pieceToServe, reuseOf } from '../domain/consent.js';
import type { StoredMaterial } from '../domain/library.js';
import type { ConsentDeps } from './consent-ports.js';
import type { Actor } from './ports.js';

export interface FetchEvidenceInput {
  readonly actor: Actor;
  readonly requestId: string;
  readonly pieceId: string;
}

export interface FetchedEvidence {
  readonly piece: EvidencePiece;
  readonly applicationId: string;
  readonly legalBasis: string;
  readonly material?: StoredMaterial;
  readonly content?: Uint8Array;
}

/**
 * FetchEvidence: the requesting department receives an accepted piece (a stored material with its content). The
 * delivery is a reuse: one transaction records it and `materials.evidence.reused` (who, what, which application,
 * which legal basis). A refusal (not the requesting department: not part of the application; a piece not accepted)
 * changes no state: it is recorded as `materials.evidence.refused`, committed before the error is answered.
 * @throws AppError MATERIALS_REQUEST_NOT_FOUND, MATERIALS_ACCESS_DENIED, MATERIALS_PIECE_NOT_FOUND,
 * MATERIALS_EVIDENCE_NOT_ACCEPTED.
 */
export async function fetchEvidenceCase(deps: ConsentDeps, input: FetchEvidenceInput): Promise<FetchedEvidence> {
  const request = await deps.consent.request(deps.db, input.requestId);
  if (!request) throw new AppError('MATERIALS_REQUEST_NOT_FOUND', `no evidence request ${input.requestId}`);
  let piece: EvidencePiece;
  try {
    piece = pieceToServe(request, input.pieceId, input.actor);
  } catch (err) {
    if (isAppError(err)) {
      const refusal = {
        request,
        pieceId: input.pieceId,
        reader: input.actor.code,
        role: input.actor.role,
        code: err.code,
      };
      await deps.db.transaction((tx) => deps.consentOutbox.refused(tx, refusal, deps.clock()));
      deps.relay.kick();
    }
    throw err;
  }
  let material: StoredMaterial | undefined;
  let content: Uint8Array | undefined;
  if (piece.evidence.kind === 'material') {
    material = await deps.materials.get(deps.db, piece.evidence.materialId);
    content = material && (await deps.vault.get(deps.db, material.sha256));
    if (!material || !content) throw new AppError('INTERNAL', `material ${piece.evidence.materialId} has no content`);
  }
  const reuse = reuseOf(request, piece, deps.newId(), deps.clock());
  await deps.db.transaction(async (tx) => {
    await deps.consent.addReuse(tx, reuse);
    await deps.consentOutbox.reused(tx, reuse);
  });
  deps.relay.kick();
  return {
    piece,
    applicationId: request.applicationId,
    legalBasis: request.legalBasis,
    ...(material ? { material } : {}),
    ...(content ? { content } : {}),
  };
}
