import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import type { VerifyOutput } from '../../app/verify-certificate.js';
import { methodToProto, reasonToProto, statusToProto } from '../event-bodies.js';
import { industryBundleOf, metadataOf } from './to-proto.js';
import { verdictReasonsOf } from './verdict-to-proto.js';

/** The VerifyCertificate response: the verdict, and the metadata as signed (or as recorded, for an id). */

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The metadata a signed payload states (read defensively: it verified, but its shape is the sealer's). */
export function payloadMetadata(payload: Record<string, unknown>): cv.CertificateMetadata {
  const face =
    payload.face !== null && typeof payload.face === 'object' ? (payload.face as Record<string, unknown>) : {};
  const citizen = payload.holderCodeType === '111';
  return {
    name: str(payload.licenceName),
    typeCode: str(payload.typeCode),
    number: str(payload.licenceNumber),
    identifier: str(payload.licenceId),
    issuer: str(payload.issuer),
    issuerCode: str(payload.issuerCode),
    issueDate: str(payload.issueDate),
    validFrom: str(payload.validFrom),
    validTo: str(payload.validTo),
    holder: {
      codeType: citizen ? HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID : HolderCodeType.HOLDER_CODE_TYPE_USCC,
      holderCode: citizen ? '' : str(payload.holderCode),
      holderCodeMasked: str(payload.holderCode),
      holderKey: '',
      name: str(payload.holderName),
    },
    division: str(payload.division),
    fields: Object.fromEntries(Object.entries(face).map(([k, v]) => [k, str(v)])),
  };
}

/**
 * The response of a verification. With disclosure `verdict` (by id, a caller who may not see the face) only the
 * verdict: valid, status, reasons, the id asked about and when; no face, holder, seal, components or newer version.
 */
export function verifyResponseOf(output: VerifyOutput): cv.VerifyCertificateResponse {
  const { record, payload } = output;
  if (output.disclosure === 'verdict') return verdictOnly(output);
  const asRecorded = record !== undefined && (output.method === 'id' || !output.reasons.includes('RECORD_MISMATCH'));
  const metadata = asRecorded ? metadataOf(record.state) : payload === undefined ? undefined : payloadMetadata(payload);
  return {
    valid: output.valid,
    reasons: output.reasons.map(reasonToProto),
    status: output.status === undefined ? cv.LicenceStatus.LICENCE_STATUS_UNSPECIFIED : statusToProto(output.status),
    metadata,
    certificateId: record?.state.id ?? '',
    version: record?.state.version ?? 0,
    sealKid: output.sealKid ?? '',
    sealedAt: output.sealedAt?.toISOString() ?? '',
    checkedAt: output.checkedAt.toISOString(),
    industry: record === undefined ? undefined : industryBundleOf(record.state, output.industry),
    currentCertificateId: output.currentCertificateId ?? '',
    method: methodToProto(output.method),
    ...answersOf(output, true),
  };
}

/** The two answers (ADR 033), each with its reasons in words. */
function answersOf(output: VerifyOutput, showComponents: boolean) {
  const { verdict } = output;
  return {
    genuine: verdict.genuine,
    genuineReasons: verdictReasonsOf(verdict.genuineFindings, showComponents),
    mayOperate: verdict.mayOperate,
    mayOperateReasons: verdictReasonsOf(verdict.operationFindings, showComponents),
  };
}

function verdictOnly(output: VerifyOutput): cv.VerifyCertificateResponse {
  return cv.VerifyCertificateResponse.fromPartial({
    valid: output.valid,
    reasons: output.reasons.map(reasonToProto),
    status: output.status === undefined ? cv.LicenceStatus.LICENCE_STATUS_UNSPECIFIED : statusToProto(output.status),
    certificateId: output.record?.state.id ?? '',
    checkedAt: output.checkedAt.toISOString(),
    method: methodToProto(output.method),
    ...answersOf(output, false),
  });
}
