import { AppError } from '@onceonly/errors';
import type { Owner, StoredMaterial } from './library.js';
import type { CertificateStatus, Evidence, Resolution } from './resolution.js';

/**
 * Explicit request and preview (the EU's once-only technical system): after a resolution, the department of the
 * application asks for the evidence it found reusable; the applicant previews each piece and accepts or rejects it,
 * or the request expires; only an accepted piece is served to that department. Pure: the use cases load the
 * request and store what these functions return.
 */

export type PieceStatus = 'pending' | 'accepted' | 'rejected' | 'expired';

/** One piece of evidence a request would reuse. */
export interface EvidencePiece {
  readonly id: string;
  readonly position: number;
  readonly materialCode: string;
  readonly nameZh: string;
  readonly evidence: Evidence;
  readonly status: PieceStatus;
  readonly previewedAt?: Date;
  readonly decidedAt?: Date;
  /** The applicant's reason when rejecting. */
  readonly reason?: string;
  /** For a stored material: what the preview shows of it. */
  readonly material?: Pick<StoredMaterial, 'name' | 'mediaType' | 'sizeBytes'>;
}

/** A department's explicit request for the evidence of one of its resolutions. */
export interface EvidenceRequest {
  readonly id: string;
  readonly applicationId: string;
  readonly resolutionId: string;
  readonly applicant: Owner;
  readonly departmentCode: string;
  readonly itemCode: string;
  readonly legalBasis: string;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  readonly pieces: readonly EvidencePiece[];
}

/** The default time an applicant has to decide: 7 days, as a configured default. */
export const DEFAULT_PREVIEW_TTL_MS = 7 * 24 * 3600_000;

/**
 * Opens the explicit request for `resolution`: one pending piece per EXEMPT material, with its evidence.
 * @throws AppError MATERIALS_ACCESS_DENIED when the caller is not the department that resolved the application;
 * MATERIALS_NOTHING_TO_REQUEST when nothing was found reusable.
 */
export function openRequest(
  resolution: Resolution,
  input: {
    id: string;
    departmentCode: string;
    legalBasis: string;
    at: Date;
    ttlMs: number;
    pieceId: () => string;
    materials: ReadonlyMap<string, StoredMaterial>;
  },
): EvidenceRequest {
  if (resolution.resolvedBy !== input.departmentCode) {
    throw new AppError(
      'MATERIALS_ACCESS_DENIED',
      'only the department that resolved the application requests its evidence',
    );
  }
  const pieces = resolution.materials.flatMap((m, position): EvidencePiece[] => {
    if (m.decision !== 'exempt' || !m.evidence) return [];
    const stored = m.evidence.kind === 'material' ? input.materials.get(m.evidence.materialId) : undefined;
    return [
      {
        id: input.pieceId(),
        position,
        materialCode: m.materialCode,
        nameZh: m.nameZh,
        evidence: m.evidence,
        status: 'pending',
        ...(stored
          ? { material: { name: stored.name, mediaType: stored.mediaType, sizeBytes: stored.sizeBytes } }
          : {}),
      },
    ];
  });
  if (pieces.length === 0) {
    throw new AppError('MATERIALS_NOTHING_TO_REQUEST', 'the resolution found no material reusable: nothing to request');
  }
  return {
    id: input.id,
    applicationId: resolution.applicationId,
    resolutionId: resolution.id,
    applicant: resolution.applicant,
    departmentCode: input.departmentCode,
    itemCode: resolution.itemCode,
    legalBasis: input.legalBasis,
    requestedAt: input.at,
    expiresAt: new Date(input.at.getTime() + input.ttlMs),
    pieces,
  };
}

/** Whether the request's preview has expired at `now`. */
export function isExpired(request: Pick<EvidenceRequest, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= request.expiresAt.getTime();
}

/** The pieces of a request the applicant still has to decide on (pending, not expired) at `now`. */
export function openPieces(request: EvidenceRequest, now: Date): EvidencePiece[] {
  return isExpired(request, now) ? [] : request.pieces.filter((p) => p.status === 'pending');
}

/** @throws AppError MATERIALS_PREVIEW_NOT_YOURS when the request is about another applicant. */
export function assertApplicant(request: EvidenceRequest, applicantKey: string): void {
  if (request.applicant.key !== applicantKey) {
    throw new AppError('MATERIALS_PREVIEW_NOT_YOURS', 'the request is about another applicant');
  }
}

/** Showing the open pieces: those not shown before get `previewedAt` (the ids of those newly shown). */
export function preview(request: EvidenceRequest, now: Date): { request: EvidenceRequest; shown: string[] } {
  const open = new Set(openPieces(request, now).map((p) => p.id));
  const shown: string[] = [];
  const pieces = request.pieces.map((p) => {
    if (!open.has(p.id) || p.previewedAt) return p;
    shown.push(p.id);
    return { ...p, previewedAt: now };
  });
  return { request: { ...request, pieces }, shown };
}

/**
 * The applicant's decision on pieces (none named: every open piece). Deciding again the same way changes nothing;
 * checked in one order: applicant, expiry, pieces named, each piece's state.
 * @throws AppError MATERIALS_PREVIEW_NOT_YOURS, MATERIALS_PREVIEW_EXPIRED, MATERIALS_PIECE_NOT_FOUND,
 * MATERIALS_PREVIEW_DECIDED, MATERIALS_PREVIEW_NOT_SHOWN (accepting a piece never shown).
 */
export function decide(
  request: EvidenceRequest,
  input: { applicantKey: string; pieceIds: readonly string[]; decision: 'accepted' | 'rejected'; reason?: string },
  now: Date,
): { request: EvidenceRequest; changed: EvidencePiece[] } {
  assertApplicant(request, input.applicantKey);
  if (isExpired(request, now)) {
    throw new AppError('MATERIALS_PREVIEW_EXPIRED', `the preview expired at ${request.expiresAt.toISOString()}`);
  }
  const named = input.pieceIds.length > 0 ? new Set(input.pieceIds) : undefined;
  for (const id of named ?? []) {
    if (!request.pieces.some((p) => p.id === id)) {
      throw new AppError('MATERIALS_PIECE_NOT_FOUND', `no piece ${id} in request ${request.id}`);
    }
  }
  const targets = request.pieces.filter((p) => (named ? named.has(p.id) : p.status === 'pending'));
  for (const p of targets) {
    // deciding again the same way changes nothing
    const refusal = p.status === input.decision ? undefined : transitionRefusal(p, input.decision);
    if (refusal) throw new AppError(refusal, `piece ${p.id} may not become ${input.decision} (${p.status})`);
  }
  const changing = new Set(targets.filter((p) => p.status === 'pending').map((p) => p.id));
  const changed: EvidencePiece[] = [];
  const pieces = request.pieces.map((p) => {
    if (!changing.has(p.id)) return p;
    const next: EvidencePiece = {
      ...p,
      status: input.decision,
      decidedAt: now,
      ...(input.decision === 'rejected' && input.reason ? { reason: input.reason } : {}),
    };
    changed.push(next);
    return next;
  });
  return { request: { ...request, pieces }, changed };
}

/**
 * Why a piece may not go from its status to `to`, or undefined when it may: only a pending piece is decided, and
 * acceptance follows a preview. The rule {@link decide} applies and the replay checks logged decisions with.
 */
export function transitionRefusal(
  piece: { readonly status: PieceStatus; readonly previewedAt?: unknown },
  to: Exclude<PieceStatus, 'pending'>,
): 'MATERIALS_PREVIEW_DECIDED' | 'MATERIALS_PREVIEW_NOT_SHOWN' | undefined {
  if (piece.status !== 'pending') return 'MATERIALS_PREVIEW_DECIDED';
  if (to === 'accepted' && !piece.previewedAt) return 'MATERIALS_PREVIEW_NOT_SHOWN';
  return undefined;
}

/**
 * Why `reader` may not be served a piece of a request, or undefined when it may: the requesting department only,
 * and the piece accepted. The rule {@link pieceToServe} applies and the replay checks logged reuses with.
 */
export function servingRefusal(
  request: { readonly departmentCode: string },
  piece: { readonly status: PieceStatus } | undefined,
  reader: { readonly code: string; readonly role: string },
): 'MATERIALS_ACCESS_DENIED' | 'MATERIALS_PIECE_NOT_FOUND' | 'MATERIALS_EVIDENCE_NOT_ACCEPTED' | undefined {
  if (reader.role !== 'department' || reader.code !== request.departmentCode) return 'MATERIALS_ACCESS_DENIED';
  if (!piece) return 'MATERIALS_PIECE_NOT_FOUND';
  if (piece.status !== 'accepted') return 'MATERIALS_EVIDENCE_NOT_ACCEPTED';
  return undefined;
}

/** The pieces still pending once the request expired: they become `expired` (the sweep's decision). */
export function expire(request: EvidenceRequest, now: Date): { request: EvidenceRequest; changed: EvidencePiece[] } {
  if (!isExpired(request, now)) return { request, changed: [] };
  const changed: EvidencePiece[] = [];
  const pieces = request.pieces.map((p) => {
    if (p.status !== 'pending') return p;
    const next: EvidencePiece = { ...p, status: 'expired', decidedAt: now };
    changed.push(next);
    return next;
  });
  return { request: { ...request, pieces }, changed };
}

const SERVING_REFUSED = {
  MATERIALS_ACCESS_DENIED: 'evidence is served only to the department that requested it',
  MATERIALS_PIECE_NOT_FOUND: 'no such piece in the request',
  MATERIALS_EVIDENCE_NOT_ACCEPTED: 'the piece was not accepted by the applicant',
} as const;

/**
 * Whether a department may receive a piece: it is the requesting department (part of the application), and the
 * applicant accepted the piece.
 * @throws AppError MATERIALS_ACCESS_DENIED, MATERIALS_PIECE_NOT_FOUND, MATERIALS_EVIDENCE_NOT_ACCEPTED.
 */
export function pieceToServe(
  request: EvidenceRequest,
  pieceId: string,
  reader: { code: string; role: string },
): EvidencePiece {
  const piece = request.pieces.find((p) => p.id === pieceId);
  const refusal = servingRefusal(request, piece, reader);
  if (refusal || !piece) {
    throw new AppError(refusal ?? 'MATERIALS_PIECE_NOT_FOUND', SERVING_REFUSED[refusal ?? 'MATERIALS_PIECE_NOT_FOUND']);
  }
  return piece;
}

/** A delivery of an accepted piece: the applicant's view lists them. */
export interface ReuseRecord {
  readonly id: string;
  readonly requestId: string;
  readonly pieceId: string;
  readonly applicationId: string;
  readonly applicant: Owner;
  readonly departmentCode: string;
  readonly legalBasis: string;
  readonly materialCode: string;
  readonly evidence: Evidence;
  readonly reusedAt: Date;
}

/** The reuse record of delivering `piece` of `request`. */
export function reuseOf(request: EvidenceRequest, piece: EvidencePiece, id: string, at: Date): ReuseRecord {
  return {
    id,
    requestId: request.id,
    pieceId: piece.id,
    applicationId: request.applicationId,
    applicant: request.applicant,
    departmentCode: request.departmentCode,
    legalBasis: request.legalBasis,
    materialCode: piece.materialCode,
    evidence: piece.evidence,
    reusedAt: at,
  };
}

/** What happened to a certificate, as the certificate service's events say it. */
export type CertificateChange =
  | 'suspended'
  | 'resumed'
  | 'revoked'
  | 'cancelled'
  | 'expired'
  | 'changed'
  | 'renewed'
  | 'reissued'
  | 'corrected';

/** The changes that make a new version (a new certificate id): the watch follows it. */
export const NEW_VERSION_CHANGES: ReadonlySet<CertificateChange> = new Set([
  'changed',
  'renewed',
  'reissued',
  'corrected',
]);

/** A certificate change as the consumer decoded it. */
export interface CertificateChangeFact {
  readonly change: CertificateChange;
  /** The certificate (version) the change is about: the new one for a new version. */
  readonly certificateId: string;
  /** The version it replaced, for a new version. */
  readonly previousCertificateId?: string;
  readonly typeCode: string;
  readonly number: string;
  readonly status: CertificateStatus;
  readonly occurredAt: Date;
}

/** A piece watching a certificate, with its request: whom to tell. */
export interface Watch {
  readonly pieceId: string;
  readonly pieceStatus: PieceStatus;
  readonly certificateId: string;
  readonly request: Pick<EvidenceRequest, 'id' | 'applicationId' | 'departmentCode' | 'applicant'>;
}

export interface EvidenceNotification {
  readonly id: string;
  readonly departmentCode: string;
  readonly applicationId: string;
  readonly requestId: string;
  readonly applicant: Owner;
  /** The certificate the application reused. */
  readonly certificateId: string;
  /** Its version now. */
  readonly currentCertificateId: string;
  readonly typeCode: string;
  readonly number: string;
  readonly change: CertificateChange;
  readonly status: CertificateStatus;
  readonly occurredAt: Date;
  readonly notifiedAt: Date;
}

/**
 * Whom a certificate change tells: one notification per department and application among the watches of pieces
 * still pending or accepted (a rejected or expired piece was never reused). Deterministic order.
 */
export function notificationsFor(
  fact: CertificateChangeFact,
  watches: readonly Watch[],
  context: { newId: () => string; at: Date },
): EvidenceNotification[] {
  const told = new Map<string, EvidenceNotification>();
  const live = watches
    .filter((w) => w.pieceStatus === 'pending' || w.pieceStatus === 'accepted')
    .sort((a, b) => (a.request.id < b.request.id ? -1 : a.request.id > b.request.id ? 1 : 0));
  for (const w of live) {
    const key = `${w.request.departmentCode}\u0000${w.request.applicationId}`;
    if (told.has(key)) continue;
    told.set(key, {
      id: context.newId(),
      departmentCode: w.request.departmentCode,
      applicationId: w.request.applicationId,
      requestId: w.request.id,
      applicant: w.request.applicant,
      certificateId: w.certificateId,
      currentCertificateId: fact.certificateId,
      typeCode: fact.typeCode,
      number: fact.number,
      change: fact.change,
      status: fact.status,
      occurredAt: fact.occurredAt,
      notifiedAt: context.at,
    });
  }
  return [...told.values()];
}
