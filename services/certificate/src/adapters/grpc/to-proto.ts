import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import type { CertificateRecord } from '../../app/ports.js';
import { statusListUrl } from '../../app/status-list-url.js';
import type { CertificateType } from '../../domain/catalogue.js';
import type { CertificateState, ComponentRef } from '../../domain/certificate.js';
import type { Department } from '../../domain/departments.js';
import type { Holder } from '../../domain/holder.js';
import { INDUSTRIES, type Industry } from '../../domain/industries.js';
import { type ComponentView, type IndustryStatus, type IndustryView, requiresType } from '../../domain/industry.js';
import type { StatusPurpose } from '../../domain/status-list.js';
import { revocationKindToProto, statusToProto } from '../event-bodies.js';

/** Domain → protobuf messages of `certificate.proto`. A citizen ID never appears: only its mask and keyed hash. */

/** A holder as responses show it (the name in full: the holder's own licence names them). */
export function holderReferenceOf(holder: Holder): cv.HolderReference {
  return {
    codeType:
      holder.codeType === '001' ? HolderCodeType.HOLDER_CODE_TYPE_USCC : HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID,
    holderCode: holder.code ?? '',
    holderCodeMasked: holder.masked,
    holderKey: holder.key ?? '',
    name: holder.name,
  };
}

export function metadataOf(state: CertificateState): cv.CertificateMetadata {
  return {
    name: state.name,
    typeCode: state.typeCode,
    number: state.number,
    identifier: state.identifier,
    issuer: state.issuer.name,
    issuerCode: state.issuer.code,
    issueDate: state.issueDate,
    validFrom: state.validFrom,
    validTo: state.validTo ?? '',
    holder: holderReferenceOf(state.holder),
    division: state.division,
    fields: { ...state.fields },
  };
}

const OVERALL: Record<IndustryStatus, cv.IndustryLicenceStatus> = {
  valid: cv.IndustryLicenceStatus.INDUSTRY_LICENCE_STATUS_VALID,
  'partially-valid': cv.IndustryLicenceStatus.INDUSTRY_LICENCE_STATUS_PARTIALLY_VALID,
  invalid: cv.IndustryLicenceStatus.INDUSTRY_LICENCE_STATUS_INVALID,
};

/** An industry licence's bundle with each component's live status (UNSPECIFIED when not derived). */
export function industryBundleOf(state: CertificateState, view?: IndustryView): cv.IndustryBundle | undefined {
  const bundle = state.industry;
  if (bundle === undefined) return undefined;
  const industry = INDUSTRIES.find((i) => i.code === bundle.industryCode);
  const views: readonly (ComponentRef & Partial<ComponentView>)[] = view?.components ?? bundle.components;
  const components = views.map((c) => ({
    certificateId: c.certificateId,
    identifier: c.identifier,
    typeCode: c.typeCode,
    typeName: c.typeName,
    number: c.number,
    issuer: c.issuerName,
    issuerCode: c.issuerCode,
    digest: c.digest,
    status: c.status === undefined ? cv.LicenceStatus.LICENCE_STATUS_UNSPECIFIED : statusToProto(c.status),
    currentCertificateId: c.currentCertificateId ?? '',
    required: c.required ?? requiresType(bundle.industryCode, c.typeCode),
  }));
  return {
    industryCode: bundle.industryCode,
    industryName: industry?.nameZh ?? '',
    components,
    overallStatus:
      view === undefined ? cv.IndustryLicenceStatus.INDUSTRY_LICENCE_STATUS_UNSPECIFIED : OVERALL[view.overall],
  };
}

function disputeOf(state: CertificateState): cv.Dispute | undefined {
  const d = state.dispute;
  if (d === undefined) return undefined;
  const outcome =
    d.outcome === 'corrected'
      ? cv.DisputeOutcome.DISPUTE_OUTCOME_CORRECTED
      : d.outcome === 'rejected'
        ? cv.DisputeOutcome.DISPUTE_OUTCOME_REJECTED
        : cv.DisputeOutcome.DISPUTE_OUTCOME_UNSPECIFIED;
  return {
    id: d.id,
    claim: d.claim,
    fieldKeys: [...d.fieldKeys],
    raisedByDepartmentCode: d.raisedBy,
    raisedAt: d.raisedAt,
    open: d.open,
    outcome,
    resolutionNote: d.note ?? '',
    resolvedAt: d.resolvedAt ?? '',
    correctedCertificateId: d.correctedCertificateId ?? '',
  };
}

/** A state alone (history entries): no seal. */
export function stateToProto(state: CertificateState): cv.Certificate {
  const { suspension, revocation } = state;
  return {
    id: state.id,
    version: state.version,
    previousVersionId: state.previousVersionId ?? '',
    supersededById: state.supersededById ?? '',
    metadata: metadataOf(state),
    status: statusToProto(state.status),
    statusChangedAt: state.statusChangedAt,
    dispute: disputeOf(state),
    suspension:
      suspension === undefined
        ? undefined
        : {
            reason: suspension.reason,
            legalBasis: suspension.legalBasis,
            since: suspension.since,
            until: suspension.until ?? '',
          },
    revocation:
      revocation === undefined
        ? undefined
        : {
            kind: revocationKindToProto(revocation.kind),
            reason: revocation.reason,
            legalBasis: revocation.legalBasis,
            revokedAt: revocation.at,
          },
    cancellationReason: state.cancellationReason ?? '',
    jws: '',
    qrPayload: '',
    sealKid: '',
    statusListEntries: [],
    industry: industryBundleOf(state),
    createdAt: state.createdAt,
    commitment: state.commitment
      ? { postCheckDue: state.commitment.postCheckDue, terms: state.commitment.terms }
      : undefined,
  };
}

/** A stored version with its seal, status-list entries and (for an industry licence) live components. */
export function certificateToProto(record: CertificateRecord, baseUrl: string, view?: IndustryView): cv.Certificate {
  const { state, slot } = record;
  const entry = (purpose: StatusPurpose, proto: cv.StatusPurpose): cv.StatusListEntry => ({
    purpose: proto,
    statusListCredential: statusListUrl(baseUrl, state.issuer.code, purpose, slot.listNumber),
    statusListIndex: String(slot.index),
  });
  return {
    ...stateToProto(state),
    jws: record.jws,
    qrPayload: record.qrPayload,
    sealKid: record.sealKid,
    statusListEntries: [
      entry('revocation', cv.StatusPurpose.STATUS_PURPOSE_REVOCATION),
      entry('suspension', cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION),
    ],
    industry: industryBundleOf(state, view),
  };
}

const FIELD_TYPES: Record<string, cv.FieldType> = {
  string: cv.FieldType.FIELD_TYPE_STRING,
  date: cv.FieldType.FIELD_TYPE_DATE,
  enum: cv.FieldType.FIELD_TYPE_ENUM,
  uscc: cv.FieldType.FIELD_TYPE_USCC,
  text: cv.FieldType.FIELD_TYPE_TEXT,
};

/** A catalogue entry with the codes of the departments that issue it here. */
export function certificateTypeToProto(type: CertificateType, issuers: readonly Department[]): cv.CertificateType {
  const { validity, numbering } = type;
  return {
    typeCode: type.typeCode,
    nameZh: type.nameZh,
    nameEn: type.nameEn,
    issuerKind: type.issuerKind,
    issuerCodes: issuers.map((d) => d.code),
    fields: type.fields.map((f) => ({
      key: f.key,
      labelZh: f.labelZh,
      labelEn: f.labelEn,
      type: FIELD_TYPES[f.type] ?? cv.FieldType.FIELD_TYPE_UNSPECIFIED,
      required: f.required,
      maxLength: f.maxLength,
      pattern: f.pattern ?? '',
      enumValues: [...(f.enumValues ?? [])],
    })),
    validityRule:
      validity.kind === 'years'
        ? cv.ValidityRule.VALIDITY_RULE_YEARS
        : validity.kind === 'long-term'
          ? cv.ValidityRule.VALIDITY_RULE_LONG_TERM
          : cv.ValidityRule.VALIDITY_RULE_COMPONENTS,
    defaultValidityYears: validity.kind === 'years' ? validity.years : 0,
    numberPrefix: numbering.kind === 'prefix' ? numbering.prefix : '',
  };
}

export function industryToProto(industry: Industry): cv.Industry {
  return {
    code: industry.code,
    nameZh: industry.nameZh,
    nameEn: industry.nameEn,
    requiredTypeCodes: [...industry.requiredTypeCodes],
    optionalTypeCodes: [...industry.optionalTypeCodes],
    note: industry.note,
  };
}
