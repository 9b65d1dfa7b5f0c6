import { materialsV1 as mv } from '@onceonly/contracts';
import type { LicensingItem, MaterialSource, MaterialType } from '../../domain/catalogue.js';
import type { StoredMaterial } from '../../domain/library.js';
import type { Evidence, MaterialOutcome, RequiredReason, Resolution } from '../../domain/resolution.js';

export function sourceToProto(s: MaterialSource): mv.MaterialSource {
  switch (s.kind) {
    case 'certificate':
      return { source: { $case: 'certificateTypeCode', value: s.typeCode } };
    case 'library':
      return { source: { $case: 'libraryMaterialType', value: s.materialType } };
    case 'assistance-item':
      return { source: { $case: 'assistanceItemCode', value: s.itemCode } };
    case 'credit-profile':
      return { source: { $case: 'creditProfileFact', value: s.fact } };
  }
}

export function itemToProto(item: LicensingItem): mv.Item {
  return {
    code: item.code,
    version: item.version,
    nameZh: item.nameZh,
    nameEn: item.nameEn,
    certificateTypeCode: item.certificateTypeCode ?? '',
    industryCode: item.industryCode ?? '',
    legalBasis: item.legalBasis,
    materials: item.materials.map((m) => ({
      code: m.code,
      nameZh: m.nameZh,
      nameEn: m.nameEn,
      sources: m.sources.map(sourceToProto),
      note: m.note ?? '',
    })),
  };
}

export function materialTypeToProto(t: MaterialType): mv.MaterialType {
  return { code: t.code, nameZh: t.nameZh, nameEn: t.nameEn };
}

export function materialToProto(m: StoredMaterial): mv.StoredMaterial {
  return {
    id: m.id,
    sha256: m.sha256,
    materialType: m.materialType,
    sizeBytes: String(m.sizeBytes),
    ownerKey: m.owner.key,
    ownerDisplay: m.owner.display,
    name: m.name,
    mediaType: m.mediaType,
    validUntil: m.validUntil ?? '',
    sourceApplicationId: m.sourceApplicationId ?? '',
    uploadedBy: m.uploadedBy,
    uploadedAt: m.uploadedAt.toISOString(),
  };
}

export const REASON: Record<RequiredReason, mv.RequiredReason> = {
  'no-source': mv.RequiredReason.REQUIRED_REASON_NO_SOURCE,
  'certificate-not-found': mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_NOT_FOUND,
  'certificate-revoked': mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_REVOKED,
  'certificate-suspended': mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_SUSPENDED,
  'certificate-expired': mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_EXPIRED,
  'certificate-not-valid': mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_NOT_VALID,
  'provider-unavailable': mv.RequiredReason.REQUIRED_REASON_PROVIDER_UNAVAILABLE,
  'no-stored-material': mv.RequiredReason.REQUIRED_REASON_NO_STORED_MATERIAL,
  'material-expired': mv.RequiredReason.REQUIRED_REASON_MATERIAL_EXPIRED,
  'source-not-connected': mv.RequiredReason.REQUIRED_REASON_SOURCE_NOT_CONNECTED,
  'data-not-satisfied': mv.RequiredReason.REQUIRED_REASON_DATA_NOT_SATISFIED,
  'data-requested': mv.RequiredReason.REQUIRED_REASON_DATA_REQUESTED,
  'not-consented': mv.RequiredReason.REQUIRED_REASON_NOT_CONSENTED,
};

export function evidenceToProto(e: Evidence): mv.Evidence {
  if (e.kind === 'certificate') {
    return {
      evidence: {
        $case: 'certificate',
        value: {
          certificateId: e.certificateId,
          typeCode: e.typeCode,
          number: e.number,
          status: e.status,
          validTo: e.validTo ?? '',
          verifiedAt: e.verifiedAt.toISOString(),
        },
      },
    };
  }
  if (e.kind === 'data') {
    return {
      evidence: {
        $case: 'data',
        value: {
          provider: e.provider,
          reference: e.reference,
          value: e.value,
          asOf: e.asOf,
          checkedAt: e.checkedAt.toISOString(),
        },
      },
    };
  }
  return {
    evidence: {
      $case: 'material',
      value: {
        materialId: e.materialId,
        sha256: e.sha256,
        materialType: e.materialType,
        validUntil: e.validUntil ?? '',
      },
    },
  };
}

function outcomeToProto(m: MaterialOutcome): mv.MaterialOutcome {
  return {
    materialCode: m.materialCode,
    nameZh: m.nameZh,
    decision: m.decision === 'exempt' ? mv.Decision.DECISION_EXEMPT : mv.Decision.DECISION_REQUIRED,
    evidence: m.evidence ? evidenceToProto(m.evidence) : undefined,
    reason: m.reason ? REASON[m.reason] : mv.RequiredReason.REQUIRED_REASON_UNSPECIFIED,
    tried: m.tried.map((t) => ({
      source: sourceToProto(t.source),
      reason: REASON[t.reason],
      reference: t.reference ?? '',
    })),
  };
}

export function resolutionToProto(r: Resolution): mv.Resolution {
  return {
    id: r.id,
    applicationId: r.applicationId,
    applicantKey: r.applicant.key,
    applicantDisplay: r.applicant.display,
    itemCode: r.itemCode,
    itemVersion: r.itemVersion,
    resolvedBy: r.resolvedBy,
    resolvedAt: r.resolvedAt.toISOString(),
    materials: r.materials.map(outcomeToProto),
    exemptCount: r.exemptCount,
    requiredCount: r.requiredCount,
  };
}
