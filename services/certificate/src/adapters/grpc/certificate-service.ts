import { certificateV1 as cv } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { type Caller, unary } from '@onceonly/kit';
import { MAX_JWS_LENGTH } from '@onceonly/seal';
import { cancelCertificateCase } from '../../app/cancel-certificate.js';
import { changeCertificateCase } from '../../app/change-certificate.js';
import { getCertificateCase } from '../../app/get-certificate.js';
import { getStatusListCase } from '../../app/get-status-list.js';
import { type IssueOutput, issueCertificateCase } from '../../app/issue-certificate.js';
import { issueIndustryLicenceCase } from '../../app/issue-industry-licence.js';
import { listCertificateTypesCase } from '../../app/list-certificate-types.js';
import type { NewVersionResult } from '../../app/new-version.js';
import type { CertificateDeps, CertificateRecord } from '../../app/ports.js';
import { raiseDisputeCase } from '../../app/raise-dispute.js';
import { reissueCertificateCase } from '../../app/reissue-certificate.js';
import { renewCertificateCase } from '../../app/renew-certificate.js';
import { resolveDisputeCase } from '../../app/resolve-dispute.js';
import { resumeCertificateCase } from '../../app/resume-certificate.js';
import { revokeCertificateCase } from '../../app/revoke-certificate.js';
import { suspendCertificateCase } from '../../app/suspend-certificate.js';
import { verifyCertificateCase } from '../../app/verify-certificate.js';
import type { RevocationKind } from '../../domain/certificate.js';
import type { IndustryView } from '../../domain/industry.js';
import type { StatusPurpose } from '../../domain/status-list.js';
import { certificateQueryHandlers, parseCertificateRef } from './certificate-queries.js';
import { certificateId, faceFields, holderInput, idempotencyKey, text, Violations } from './parse.js';
import { certificateToProto, certificateTypeToProto, industryToProto, stateToProto } from './to-proto.js';
import { verifyResponseOf } from './verify-response.js';

/** The longest QR text accepted (a version 40 QR code in alphanumeric mode). */
export const MAX_QR_LENGTH = 4_296;
/** The most component ids one industry licence request may name before it is refused unread. */
const MAX_COMPONENT_IDS = 100;
/** Status lists an issuer may have (131,072 entries each). */
const MAX_LIST_NUMBER = 10_000;

/** Platforms check licences only under consent (PlatformService); they do not browse certificates. */
export function assertNotPlatform(caller: Caller): void {
  if (caller.role !== 'platform') return;
  throw new AppError('PERMISSION_DENIED', 'platforms check licences with PlatformService.CheckLicences');
}

const REVOCATION_KINDS: Partial<Record<cv.RevocationKind, RevocationKind>> = {
  [cv.RevocationKind.REVOCATION_KIND_WITHDRAWN]: 'withdrawn',
  [cv.RevocationKind.REVOCATION_KIND_REVOKED]: 'revoked',
};

const PURPOSES: Partial<Record<cv.StatusPurpose, StatusPurpose>> = {
  [cv.StatusPurpose.STATUS_PURPOSE_REVOCATION]: 'revocation',
  [cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION]: 'suspension',
};

/** The response of IssueCertificate and IssueIndustryLicence: a citizen-ID holder's digest salt in its field. */
function issued(result: IssueOutput, certificate: cv.Certificate): cv.IssueCertificateResponse {
  return { certificate, replayed: result.replayed, holderDigestSalt: result.holderDigestSalt ?? '' };
}

/** The handlers of CertificateService. */
export function certificateHandlers(deps: CertificateDeps): cv.CertificateServiceServer {
  const toProto = (record: CertificateRecord, view?: IndustryView) =>
    certificateToProto(record, deps.statusListBaseUrl, view);
  const single = (record: CertificateRecord) => ({ certificate: toProto(record) });
  const pair = (result: NewVersionResult) => ({
    certificate: toProto(result.record),
    previous: toProto(result.previous),
  });

  return {
    ...certificateQueryHandlers(deps),
    listCertificateTypes: unary(async () => {
      const { types, industries } = listCertificateTypesCase(deps.departments);
      return {
        types: types.map((e) => certificateTypeToProto(e.type, e.issuers)),
        industries: industries.map(industryToProto),
      };
    }),

    issueCertificate: unary(async (request: cv.IssueCertificateRequest, { caller }) => {
      const out = new Violations();
      const fields = faceFields(request.fields);
      const input = {
        caller,
        idempotencyKey: idempotencyKey(request.idempotencyKey, out),
        typeCode: text(request.typeCode, 'type_code', out, 64),
        holder: holderInput(request.holder, out),
        fields,
        validFrom: text(request.validFrom, 'valid_from', out, 32),
        validTo: text(request.validTo, 'valid_to', out, 32),
        division: text(request.division, 'division', out, 32),
      };
      out.done();
      const result = await issueCertificateCase(deps, input);
      return issued(result, toProto(result.record));
    }),

    getCertificate: unary(async (request: cv.GetCertificateRequest, { caller }) => {
      assertNotPlatform(caller);
      const out = new Violations();
      const parsed = parseCertificateRef(request, out);
      out.done();
      const view = await getCertificateCase(deps, parsed);
      return { certificate: toProto(view.record, view.industry), history: view.history.map(stateToProto) };
    }),

    changeCertificate: unary(async (request: cv.ChangeCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = {
        id: certificateId(request.id, out),
        set: faceFields(request.fields),
        clear: request.clearFields.slice(0, 64).map((key, i) => text(key, `clear_fields[${i}]`, out, 64)),
        holderName: text(request.holderName, 'holder_name', out, 1000),
        reason: text(request.reason, 'reason', out),
        idempotencyKey: idempotencyKey(request.idempotencyKey, out),
      };
      if (request.clearFields.length > 64) out.add('clear_fields', 'TOO_MANY', 'at most 64 fields');
      out.done();
      return pair(await changeCertificateCase(deps, caller, input));
    }),

    renewCertificate: unary(async (request: cv.RenewCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = {
        id: certificateId(request.id, out),
        validTo: text(request.validTo, 'valid_to', out, 32),
        reason: text(request.reason, 'reason', out),
        idempotencyKey: idempotencyKey(request.idempotencyKey, out),
      };
      out.done();
      return pair(await renewCertificateCase(deps, caller, input));
    }),

    reissueCertificate: unary(async (request: cv.ReissueCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = {
        id: certificateId(request.id, out),
        reason: text(request.reason, 'reason', out),
        idempotencyKey: idempotencyKey(request.idempotencyKey, out),
      };
      out.done();
      return pair(await reissueCertificateCase(deps, caller, input));
    }),

    suspendCertificate: unary(async (request: cv.SuspendCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = {
        id: certificateId(request.id, out),
        reason: text(request.reason, 'reason', out),
        legalBasis: text(request.legalBasis, 'legal_basis', out),
        until: text(request.until, 'until', out, 32),
      };
      out.done();
      return single(await suspendCertificateCase(deps, caller, input));
    }),

    resumeCertificate: unary(async (request: cv.ResumeCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = { id: certificateId(request.id, out), reason: text(request.reason, 'reason', out) };
      out.done();
      return single(await resumeCertificateCase(deps, caller, input));
    }),

    revokeCertificate: unary(async (request: cv.RevokeCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = {
        id: certificateId(request.id, out),
        // An unspecified kind reaches the domain as empty, which names the field.
        kind: REVOCATION_KINDS[request.kind] ?? ('' as RevocationKind),
        reason: text(request.reason, 'reason', out),
        legalBasis: text(request.legalBasis, 'legal_basis', out),
      };
      out.done();
      return single(await revokeCertificateCase(deps, caller, input));
    }),

    cancelCertificate: unary(async (request: cv.CancelCertificateRequest, { caller }) => {
      const out = new Violations();
      const input = { id: certificateId(request.id, out), reason: text(request.reason, 'reason', out) };
      out.done();
      return single(await cancelCertificateCase(deps, caller, input));
    }),

    raiseDispute: unary(async (request: cv.RaiseDisputeRequest, { caller }) => {
      const out = new Violations();
      if (request.fieldKeys.length > 64) out.add('field_keys', 'TOO_MANY', 'at most 64 fields');
      const input = {
        id: certificateId(request.id, out),
        claim: text(request.claim, 'claim', out),
        fieldKeys: request.fieldKeys.slice(0, 64).map((key, i) => text(key, `field_keys[${i}]`, out, 64)),
      };
      out.done();
      return single(await raiseDisputeCase(deps, caller, input));
    }),

    resolveDispute: unary(async (request: cv.ResolveDisputeRequest, { caller }) => {
      const out = new Violations();
      const id = certificateId(request.id, out);
      const disputeId = certificateId(request.disputeId, out, 'dispute_id');
      const r = request.resolution;
      if (r === undefined) out.add('resolution', 'REQUIRED', 'correct or reject');
      const resolution =
        r?.$case === 'correct'
          ? {
              kind: 'correct' as const,
              set: faceFields(r.value.fields, 'correct.fields'),
              clear: r.value.clearFields.slice(0, 64),
              holderName: text(r.value.holderName, 'correct.holder_name', out, 1000),
              note: text(r.value.note, 'correct.note', out),
            }
          : { kind: 'reject' as const, reason: text(r?.value.reason, 'reject.reason', out) };
      out.done();
      const result = await resolveDisputeCase(deps, caller, { id, disputeId, resolution });
      return {
        certificate: toProto(result.record),
        previous: result.previous === undefined ? undefined : toProto(result.previous),
      };
    }),

    verifyCertificate: unary(async (request: cv.VerifyCertificateRequest, { caller }) => {
      const out = new Violations();
      const subject = request.subject;
      if (subject === undefined) out.add('subject', 'REQUIRED', 'give an id, a JWS or a QR payload');
      const method = subject?.$case === 'jws' ? 'jws' : subject?.$case === 'qrPayload' ? 'qr' : 'id';
      const max = method === 'jws' ? MAX_JWS_LENGTH : method === 'qr' ? MAX_QR_LENGTH : 64;
      const field = method === 'qr' ? 'qr_payload' : method;
      if ((subject?.value.length ?? 0) > max) {
        throw new AppError('REQUEST_TOO_LARGE', `${field}: at most ${max} characters`, {
          details: { fields: [{ field, reason: 'TOO_LONG', description: `at most ${max} characters` }] },
        });
      }
      const value =
        method === 'id' && subject !== undefined ? certificateId(subject.value, out) : (subject?.value ?? '');
      out.done();
      return verifyResponseOf(await verifyCertificateCase(deps, { caller, method, value }));
    }),

    getStatusList: unary(async (request: cv.GetStatusListRequest) => {
      const out = new Violations();
      const purpose = PURPOSES[request.purpose];
      if (purpose === undefined) out.add('purpose', 'REQUIRED', 'revocation or suspension');
      if (request.listNumber < 0 || request.listNumber > MAX_LIST_NUMBER) {
        out.add('list_number', 'RANGE', `0 to ${MAX_LIST_NUMBER}`);
      }
      const issuerCode = text(request.issuerCode.trim(), 'issuer_code', out, 32);
      out.done();
      const list = await getStatusListCase(deps, { issuerCode, purpose: purpose!, listNumber: request.listNumber });
      return {
        credentialJson: JSON.stringify(list.credential),
        jws: list.jws,
        issuerCode,
        purpose: request.purpose,
        listNumber: request.listNumber,
        updatedAt: list.updatedAt.toISOString(),
      };
    }),

    issueIndustryLicence: unary(async (request: cv.IssueIndustryLicenceRequest, { caller }) => {
      if (request.componentCertificateIds.length > MAX_COMPONENT_IDS) {
        throw new AppError('REQUEST_TOO_LARGE', `at most ${MAX_COMPONENT_IDS} component ids`, {
          details: { fields: [{ field: 'component_certificate_ids', reason: 'TOO_MANY', description: 'too many' }] },
        });
      }
      const out = new Violations();
      const input = {
        caller,
        idempotencyKey: idempotencyKey(request.idempotencyKey, out),
        holder: holderInput(request.holder, out),
        industryCode: text(request.industryCode, 'industry_code', out, 64),
        componentIds: request.componentCertificateIds.map((id, i) =>
          certificateId(id, out, `component_certificate_ids[${i}]`),
        ),
        fields: faceFields(request.fields),
        division: text(request.division, 'division', out, 32),
      };
      out.done();
      const result = await issueIndustryLicenceCase(deps, input);
      return issued(result, toProto(result.record));
    }),
  };
}
