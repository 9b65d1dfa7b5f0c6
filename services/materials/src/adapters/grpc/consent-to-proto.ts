import { materialsV1 as mv } from '@onceonly/contracts';
import type {
  EvidenceNotification,
  EvidencePiece,
  EvidenceRequest,
  PieceStatus,
  ReuseRecord,
} from '../../domain/consent.js';
import { evidenceToProto } from './to-proto.js';

export const STATUS: Record<PieceStatus, mv.PieceStatus> = {
  pending: mv.PieceStatus.PIECE_STATUS_PENDING,
  accepted: mv.PieceStatus.PIECE_STATUS_ACCEPTED,
  rejected: mv.PieceStatus.PIECE_STATUS_REJECTED,
  expired: mv.PieceStatus.PIECE_STATUS_EXPIRED,
};

export function pieceToProto(p: EvidencePiece): mv.EvidencePiece {
  return {
    id: p.id,
    materialCode: p.materialCode,
    nameZh: p.nameZh,
    evidence: evidenceToProto(p.evidence),
    status: STATUS[p.status],
    previewedAt: p.previewedAt?.toISOString() ?? '',
    decidedAt: p.decidedAt?.toISOString() ?? '',
    reason: p.reason ?? '',
    materialName: p.material?.name ?? '',
    mediaType: p.material?.mediaType ?? '',
    sizeBytes: String(p.material?.sizeBytes ?? 0),
  };
}

export function requestToProto(r: EvidenceRequest): mv.EvidenceRequest {
  return {
    id: r.id,
    applicationId: r.applicationId,
    resolutionId: r.resolutionId,
    applicantKey: r.applicant.key,
    applicantDisplay: r.applicant.display,
    departmentCode: r.departmentCode,
    itemCode: r.itemCode,
    legalBasis: r.legalBasis,
    requestedAt: r.requestedAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    pieces: r.pieces.map(pieceToProto),
  };
}

export function reuseToProto(r: ReuseRecord): mv.ReuseRecord {
  return {
    requestId: r.requestId,
    pieceId: r.pieceId,
    applicationId: r.applicationId,
    departmentCode: r.departmentCode,
    legalBasis: r.legalBasis,
    materialCode: r.materialCode,
    evidence: evidenceToProto(r.evidence),
    reusedAt: r.reusedAt.toISOString(),
  };
}

export function notificationToProto(n: EvidenceNotification): mv.EvidenceNotification {
  return {
    id: n.id,
    departmentCode: n.departmentCode,
    applicationId: n.applicationId,
    requestId: n.requestId,
    applicantKey: n.applicant.key,
    applicantDisplay: n.applicant.display,
    certificateId: n.certificateId,
    currentCertificateId: n.currentCertificateId,
    typeCode: n.typeCode,
    number: n.number,
    change: n.change,
    status: n.status,
    occurredAt: n.occurredAt.toISOString(),
    notifiedAt: n.notifiedAt.toISOString(),
  };
}
