import type { certificateV1 as cv } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { type Caller, unary } from '@onceonly/kit';
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
import type { IndustryView } from '../../domain/industry.js';
import { certificateQueryHandlers } from './certificate-queries.js';
import {
  parseChangeCertificate,
  parseGetCertificate,
  parseGetStatusList,
  parseIdAndReason,
  parseIssueCertificate,
  parseIssueIndustryLicence,
  parseRaiseDispute,
  parseReissueCertificate,
  parseRenewCertificate,
  parseResolveDispute,
  parseRevokeCertificate,
  parseSuspendCertificate,
  parseVerifyCertificate,
} from './certificate-requests.js';
import { certificateToProto, certificateTypeToProto, industryToProto, stateToProto } from './to-proto.js';
import { verifyResponseOf } from './verify-response.js';

export { MAX_QR_LENGTH } from './certificate-requests.js';

/** Platforms check licences only under consent (PlatformService); they do not browse certificates. */
export function assertNotPlatform(caller: Caller): void {
  if (caller.role !== 'platform') return;
  throw new AppError('PERMISSION_DENIED', 'platforms check licences with PlatformService.CheckLicences');
}

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
      const result = await issueCertificateCase(deps, parseIssueCertificate(request, caller));
      return issued(result, toProto(result.record));
    }),

    getCertificate: unary(async (request: cv.GetCertificateRequest, { caller }) => {
      const who = { departmentCode: caller.departmentCode, role: caller.role };
      const view = await getCertificateCase(deps, parseGetCertificate(request, who));
      return { certificate: toProto(view.record, view.industry), history: view.history.map(stateToProto) };
    }),

    changeCertificate: unary(async (request: cv.ChangeCertificateRequest, { caller }) =>
      pair(await changeCertificateCase(deps, caller, parseChangeCertificate(request))),
    ),

    renewCertificate: unary(async (request: cv.RenewCertificateRequest, { caller }) =>
      pair(await renewCertificateCase(deps, caller, parseRenewCertificate(request))),
    ),

    reissueCertificate: unary(async (request: cv.ReissueCertificateRequest, { caller }) =>
      pair(await reissueCertificateCase(deps, caller, parseReissueCertificate(request))),
    ),

    suspendCertificate: unary(async (request: cv.SuspendCertificateRequest, { caller }) =>
      single(await suspendCertificateCase(deps, caller, parseSuspendCertificate(request))),
    ),

    resumeCertificate: unary(async (request: cv.ResumeCertificateRequest, { caller }) =>
      single(await resumeCertificateCase(deps, caller, parseIdAndReason(request))),
    ),

    revokeCertificate: unary(async (request: cv.RevokeCertificateRequest, { caller }) =>
      single(await revokeCertificateCase(deps, caller, parseRevokeCertificate(request))),
    ),

    cancelCertificate: unary(async (request: cv.CancelCertificateRequest, { caller }) =>
      single(await cancelCertificateCase(deps, caller, parseIdAndReason(request))),
    ),

    raiseDispute: unary(async (request: cv.RaiseDisputeRequest, { caller }) =>
      single(await raiseDisputeCase(deps, caller, parseRaiseDispute(request))),
    ),

    resolveDispute: unary(async (request: cv.ResolveDisputeRequest, { caller }) => {
      const result = await resolveDisputeCase(deps, caller, parseResolveDispute(request));
      return {
        certificate: toProto(result.record),
        previous: result.previous === undefined ? undefined : toProto(result.previous),
      };
    }),

    verifyCertificate: unary(async (request: cv.VerifyCertificateRequest, { caller }) =>
      verifyResponseOf(await verifyCertificateCase(deps, parseVerifyCertificate(request, caller))),
    ),

    getStatusList: unary(async (request: cv.GetStatusListRequest) => {
      const input = parseGetStatusList(request);
      const list = await getStatusListCase(deps, input);
      return {
        credentialJson: JSON.stringify(list.credential),
        jws: list.jws,
        issuerCode: input.issuerCode,
        purpose: request.purpose,
        listNumber: request.listNumber,
        updatedAt: list.updatedAt.toISOString(),
      };
    }),

    issueIndustryLicence: unary(async (request: cv.IssueIndustryLicenceRequest, { caller }) => {
      const result = await issueIndustryLicenceCase(deps, parseIssueIndustryLicence(request, caller));
      return issued(result, toProto(result.record));
    }),
  };
}
