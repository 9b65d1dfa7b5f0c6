import type { materialsV1 as mv } from '@onceonly/contracts';
import { FieldCheck } from '@onceonly/kit';
import type { DecideInput, PreviewInput } from '../../app/decide-evidence.js';
import type { FetchEvidenceInput } from '../../app/fetch-evidence.js';
import type { Actor, NamedApplicant } from '../../app/ports.js';
import type { RequestEvidenceInput } from '../../app/request-evidence.js';
import { applicant as applicantOf } from './materials-requests.js';

/**
 * One parser per RPC of the explicit request, preview, notifications and the applicant's view: every invalid field
 * named in one coded error (the kit's FieldCheck), before anything runs.
 */

const MAX_ID = 100;
const MAX_TEXT = 500;
const MAX_PIECES = 64;

const id = (check: FieldCheck, field: string, value: string, required = true) =>
  check.text(field, value, { max: MAX_ID, required, trim: true });

export function parseRequestEvidence(r: mv.RequestEvidenceRequest, actor: Actor): RequestEvidenceInput {
  return FieldCheck.parse((check) => {
    const resolutionId = id(check, 'resolution_id', r.resolutionId, false);
    const legalBasis = check.text('legal_basis', r.legalBasis, { max: MAX_TEXT, trim: true });
    return {
      actor,
      applicationId: id(check, 'application_id', r.applicationId),
      ...(resolutionId ? { resolutionId } : {}),
      ...(legalBasis ? { legalBasis } : {}),
    };
  });
}

export function parsePreviewEvidence(r: mv.PreviewEvidenceRequest, actor: Actor): PreviewInput {
  return FieldCheck.parse((check) => {
    const applicant: NamedApplicant = applicantOf(check, 'applicant', r.applicant);
    const requestId = id(check, 'request_id', r.requestId, false);
    return { actor, applicant, ...(requestId ? { requestId } : {}) };
  });
}

function pieceIds(check: FieldCheck, ids: readonly string[]): string[] {
  if (ids.length > MAX_PIECES) check.fail('piece_ids', 'TOO_MANY', `at most ${MAX_PIECES} pieces`);
  return ids.slice(0, MAX_PIECES).map((p, i) => id(check, `piece_ids[${i}]`, p));
}

export function parseAcceptEvidence(r: mv.AcceptEvidenceRequest, actor: Actor): DecideInput {
  return FieldCheck.parse((check) => ({
    actor,
    applicant: applicantOf(check, 'applicant', r.applicant),
    requestId: id(check, 'request_id', r.requestId),
    pieceIds: pieceIds(check, r.pieceIds),
  }));
}

export function parseRejectEvidence(r: mv.RejectEvidenceRequest, actor: Actor): DecideInput {
  return FieldCheck.parse((check) => {
    const reason = check.text('reason', r.reason, { max: MAX_TEXT, trim: true });
    return {
      actor,
      applicant: applicantOf(check, 'applicant', r.applicant),
      requestId: id(check, 'request_id', r.requestId),
      pieceIds: pieceIds(check, r.pieceIds),
      ...(reason ? { reason } : {}),
    };
  });
}

export function parseFetchEvidence(r: mv.FetchEvidenceRequest, actor: Actor): FetchEvidenceInput {
  return FieldCheck.parse((check) => ({
    actor,
    requestId: id(check, 'request_id', r.requestId),
    pieceId: id(check, 'piece_id', r.pieceId),
  }));
}

export function parseListNotifications(r: mv.ListNotificationsRequest, actor: Actor) {
  return FieldCheck.parse((check) => {
    const applicationId = id(check, 'application_id', r.applicationId, false);
    return {
      actor,
      ...(applicationId ? { applicationId } : {}),
      limit: check.pageSize('page_size', r.pageSize, 1000),
    };
  });
}

export function parseListReuses(r: mv.ListReusesRequest, actor: Actor) {
  return FieldCheck.parse((check) => ({ actor, applicant: applicantOf(check, 'applicant', r.applicant) }));
}
