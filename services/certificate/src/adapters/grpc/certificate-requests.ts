import { certificateV1 as cv } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { FieldCheck } from '@onceonly/kit';
import { MAX_JWS_LENGTH } from '@onceonly/seal';
import type { CallerRef } from '../../app/callers.js';
import type { changeCertificateCase } from '../../app/change-certificate.js';
import type { CertificateRef } from '../../app/get-certificate.js';
import type { HolderCodeInput } from '../../app/holder-query.js';
import type { IssueInput } from '../../app/issue-certificate.js';
import type { IssueIndustryInput } from '../../app/issue-industry-licence.js';
import type { resolveDisputeCase } from '../../app/resolve-dispute.js';
import type { VerifyInput } from '../../app/verify-certificate.js';
import type { RevocationKind } from '../../domain/certificate.js';
import type { StatusPurpose } from '../../domain/status-list.js';
import {
  certificateId,
  codes,
  codeTypeOf,
  faceFields,
  holderCode,
  holderInput,
  idempotencyKey,
  line,
  MAX_CODE,
  MAX_HOLDER_NAME,
  MAX_SHORT,
  prose,
} from './parse.js';

/**
 * One parser per CertificateService RPC: the request in, the use case's input out, or one coded error naming every
 * field at fault (see `@onceonly/kit` FieldCheck). Nothing runs before a request has parsed.
 */

/** The longest QR text accepted (a version 40 QR code in alphanumeric mode). */
export const MAX_QR_LENGTH = 4_296;
/** The longest licence number or identifier accepted before it is refused unread. */
const MAX_REF_LENGTH = 200;
/** The most component ids one industry licence request may name before it is refused unread. */
const MAX_COMPONENT_IDS = 100;
/** Status lists an issuer may have (131,072 entries each). */
const MAX_LIST_NUMBER = 10_000;

const REVOCATION_KINDS: Partial<Record<cv.RevocationKind, RevocationKind>> = {
  [cv.RevocationKind.REVOCATION_KIND_WITHDRAWN]: 'withdrawn',
  [cv.RevocationKind.REVOCATION_KIND_REVOKED]: 'revoked',
};

const PURPOSES: Partial<Record<cv.StatusPurpose, StatusPurpose>> = {
  [cv.StatusPurpose.STATUS_PURPOSE_REVOCATION]: 'revocation',
  [cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION]: 'suspension',
};

export function parseIssueCertificate(request: cv.IssueCertificateRequest, caller: CallerRef): IssueInput {
  return FieldCheck.parse((check) => ({
    caller,
    fields: faceFields(check, request.fields),
    idempotencyKey: idempotencyKey(check, request.idempotencyKey),
    typeCode: line(check, 'type_code', request.typeCode, MAX_CODE),
    holder: holderInput(check, request.holder),
    validFrom: line(check, 'valid_from', request.validFrom, MAX_SHORT),
    validTo: line(check, 'valid_to', request.validTo, MAX_SHORT),
    division: line(check, 'division', request.division, MAX_SHORT),
    ...(request.commitment === undefined
      ? {}
      : {
          commitment: {
            postCheckDue: line(check, 'commitment.post_check_due', request.commitment.postCheckDue, MAX_SHORT),
            terms: check.text('commitment.terms', request.commitment.terms, { max: 1000, multiline: true, trim: true }),
          },
        }),
  }));
}

/** GetCertificate: the reference, and the holder a portal names when it acts for one. */
export function parseGetCertificate(
  request: cv.GetCertificateRequest,
  caller: CallerRef,
): { ref: CertificateRef; caller: CallerRef; holder?: HolderCodeInput } {
  return FieldCheck.parse((check) => {
    const holder = request.holderCode.trim() === '' ? undefined : parseHolderQuery(check, request);
    return { ref: certificateRef(check, request), caller, ...(holder === undefined ? {} : { holder }) };
  });
}

function parseHolderQuery(check: FieldCheck, request: cv.GetCertificateRequest): HolderCodeInput {
  return { code: holderCode(check, 'holder_code', request.holderCode), codeType: codeTypeOf(request.holderCodeType) };
}

function certificateRef(check: FieldCheck, request: cv.GetCertificateRequest): CertificateRef {
  const ref = request.ref;
  if (ref === undefined) {
    check.fail('ref', 'REQUIRED', 'give the id, the licence identifier or the licence number');
    return { id: '' };
  }
  if (ref.$case === 'identifier') return { identifier: line(check, 'identifier', ref.value.trim(), MAX_REF_LENGTH) };
  if (ref.$case === 'number') {
    const number = line(check, 'number', ref.value.trim(), MAX_REF_LENGTH);
    if (number === '') check.fail('number', 'REQUIRED', 'the licence number is required');
    const typeCode = line(check, 'type_code', request.typeCode.trim(), MAX_CODE);
    return { number, ...(typeCode === '' ? {} : { typeCode }) };
  }
  return { id: certificateId(check, ref.value) };
}

/** ListHolderCertificates: the holder code under the text rule here; its check character is the use case's. */
export function parseListHolderCertificates(request: cv.ListHolderCertificatesRequest): HolderCodeInput {
  return FieldCheck.parse((check) => ({
    code: holderCode(check, 'holder_code', request.holderCode),
    codeType: codeTypeOf(request.holderCodeType),
  }));
}

export function parseChangeCertificate(
  request: cv.ChangeCertificateRequest,
): Parameters<typeof changeCertificateCase>[2] {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    set: faceFields(check, request.fields),
    clear: codes(check, 'clear_fields', request.clearFields),
    holderName: line(check, 'holder_name', request.holderName, MAX_HOLDER_NAME),
    reason: line(check, 'reason', request.reason),
    idempotencyKey: idempotencyKey(check, request.idempotencyKey),
  }));
}

export function parseRenewCertificate(request: cv.RenewCertificateRequest) {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    validTo: line(check, 'valid_to', request.validTo, MAX_SHORT),
    reason: line(check, 'reason', request.reason),
    idempotencyKey: idempotencyKey(check, request.idempotencyKey),
  }));
}

export function parseReissueCertificate(request: cv.ReissueCertificateRequest) {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    reason: line(check, 'reason', request.reason),
    idempotencyKey: idempotencyKey(check, request.idempotencyKey),
  }));
}

export function parseSuspendCertificate(request: cv.SuspendCertificateRequest) {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    reason: line(check, 'reason', request.reason),
    legalBasis: line(check, 'legal_basis', request.legalBasis),
    until: line(check, 'until', request.until, MAX_SHORT),
  }));
}

/** ResumeCertificate and CancelCertificate: an id and a reason. */
export function parseIdAndReason(request: { id: string; reason: string }) {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    reason: line(check, 'reason', request.reason),
  }));
}

export function parseRevokeCertificate(request: cv.RevokeCertificateRequest) {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    // An unspecified kind reaches the domain as empty, which names the field.
    kind: REVOCATION_KINDS[request.kind] ?? ('' as RevocationKind),
    reason: line(check, 'reason', request.reason),
    legalBasis: line(check, 'legal_basis', request.legalBasis),
  }));
}

export function parseRaiseDispute(request: cv.RaiseDisputeRequest) {
  return FieldCheck.parse((check) => ({
    id: certificateId(check, request.id),
    claim: prose(check, 'claim', request.claim),
    fieldKeys: codes(check, 'field_keys', request.fieldKeys),
  }));
}

export function parseResolveDispute(request: cv.ResolveDisputeRequest): Parameters<typeof resolveDisputeCase>[2] {
  return FieldCheck.parse((check) => {
    const id = certificateId(check, request.id);
    const disputeId = certificateId(check, request.disputeId, 'dispute_id');
    const r = request.resolution;
    if (r === undefined) check.fail('resolution', 'REQUIRED', 'correct or reject');
    const resolution =
      r?.$case === 'correct'
        ? {
            kind: 'correct' as const,
            set: faceFields(check, r.value.fields, 'correct.fields'),
            clear: codes(check, 'correct.clear_fields', r.value.clearFields),
            holderName: line(check, 'correct.holder_name', r.value.holderName, MAX_HOLDER_NAME),
            note: prose(check, 'correct.note', r.value.note),
          }
        : { kind: 'reject' as const, reason: prose(check, 'reject.reason', r?.value.reason) };
    return { id, disputeId, resolution };
  });
}

function tooLarge(field: string, reason: string, description: string): AppError {
  return new AppError('REQUEST_TOO_LARGE', `${field}: ${description}`, {
    details: { fields: [{ field, reason, description }] },
  });
}

export function parseVerifyCertificate(request: cv.VerifyCertificateRequest, caller: CallerRef): VerifyInput {
  const subject = request.subject;
  const method = subject?.$case === 'jws' ? 'jws' : subject?.$case === 'qrPayload' ? 'qr' : 'id';
  const max = method === 'jws' ? MAX_JWS_LENGTH : method === 'qr' ? MAX_QR_LENGTH : 64;
  const field = method === 'qr' ? 'qr_payload' : method;
  if ((subject?.value.length ?? 0) > max) throw tooLarge(field, 'TOO_LONG', `at most ${max} characters`);
  return FieldCheck.parse((check) => {
    if (subject === undefined) check.fail('subject', 'REQUIRED', 'give an id, a JWS or a QR payload');
    const value =
      method === 'id' && subject !== undefined
        ? certificateId(check, subject.value)
        : check.text(field, subject?.value, { max, mayHoldCitizenId: true });
    return { caller, method, value };
  });
}

export function parseGetStatusList(request: cv.GetStatusListRequest) {
  return FieldCheck.parse((check) => {
    const purpose = PURPOSES[request.purpose];
    if (purpose === undefined) check.fail('purpose', 'REQUIRED', 'revocation or suspension');
    if (request.listNumber < 0 || request.listNumber > MAX_LIST_NUMBER) {
      check.fail('list_number', 'RANGE', `0 to ${MAX_LIST_NUMBER}`);
    }
    const issuerCode = line(check, 'issuer_code', request.issuerCode.trim(), MAX_SHORT);
    return { issuerCode, purpose: purpose as StatusPurpose, listNumber: request.listNumber };
  });
}

export function parseIssueIndustryLicence(
  request: cv.IssueIndustryLicenceRequest,
  caller: CallerRef,
): IssueIndustryInput {
  if (request.componentCertificateIds.length > MAX_COMPONENT_IDS) {
    throw tooLarge('component_certificate_ids', 'TOO_MANY', `at most ${MAX_COMPONENT_IDS} component ids`);
  }
  return FieldCheck.parse((check) => ({
    caller,
    idempotencyKey: idempotencyKey(check, request.idempotencyKey),
    holder: holderInput(check, request.holder),
    industryCode: line(check, 'industry_code', request.industryCode, MAX_CODE),
    componentIds: request.componentCertificateIds.map((id, i) =>
      certificateId(check, id, `component_certificate_ids[${i}]`),
    ),
    fields: faceFields(check, request.fields),
    division: line(check, 'division', request.division, MAX_SHORT),
  }));
}
