import type { materialsV1 as mv } from '@onceonly/contracts';
import { type Caller, unary } from '@onceonly/kit';
import { listNotificationsCase, listReusesCase } from '../../app/applicant-view.js';
import type { ConsentDeps } from '../../app/consent-ports.js';
import { decideEvidenceCase, previewEvidenceCase } from '../../app/decide-evidence.js';
import { fetchEvidenceCase } from '../../app/fetch-evidence.js';
import type { Actor } from '../../app/ports.js';
import { requestEvidenceCase } from '../../app/request-evidence.js';
import {
  parseAcceptEvidence,
  parseFetchEvidence,
  parseListNotifications,
  parseListReuses,
  parsePreviewEvidence,
  parseRejectEvidence,
  parseRequestEvidence,
} from './consent-requests.js';
import { notificationToProto, pieceToProto, requestToProto, reuseToProto } from './consent-to-proto.js';
import { materialToProto } from './to-proto.js';

const actorOf = (caller: Caller): Actor => ({ code: caller.departmentCode, role: caller.role });

/** The RPCs of the explicit request and preview, notifications and the applicant's view. */
export type ConsentRpcs =
  | 'requestEvidence'
  | 'previewEvidence'
  | 'acceptEvidence'
  | 'rejectEvidence'
  | 'fetchEvidence'
  | 'listNotifications'
  | 'listReuses';

/** Their handlers: parse, run the use case, map the result. */
export function consentHandlers(deps: ConsentDeps): Pick<mv.MaterialsServiceServer, ConsentRpcs> {
  return {
    requestEvidence: unary(async (r, { caller }) => ({
      request: requestToProto(await requestEvidenceCase(deps, parseRequestEvidence(r, actorOf(caller)))),
    })),
    previewEvidence: unary(async (r, { caller }) => ({
      requests: (await previewEvidenceCase(deps, parsePreviewEvidence(r, actorOf(caller)))).map(requestToProto),
    })),
    acceptEvidence: unary(async (r, { caller }) => ({
      request: requestToProto(await decideEvidenceCase(deps, parseAcceptEvidence(r, actorOf(caller)), 'accepted')),
    })),
    rejectEvidence: unary(async (r, { caller }) => ({
      request: requestToProto(await decideEvidenceCase(deps, parseRejectEvidence(r, actorOf(caller)), 'rejected')),
    })),
    fetchEvidence: unary(async (r, { caller }) => {
      const out = await fetchEvidenceCase(deps, parseFetchEvidence(r, actorOf(caller)));
      return {
        piece: pieceToProto(out.piece),
        applicationId: out.applicationId,
        legalBasis: out.legalBasis,
        material: out.material ? materialToProto(out.material) : undefined,
        content: Buffer.from(out.content ?? new Uint8Array()),
      };
    }),
    listNotifications: unary(async (r, { caller }) => ({
      notifications: (await listNotificationsCase(deps, parseListNotifications(r, actorOf(caller)))).map(
        notificationToProto,
      ),
    })),
    listReuses: unary(async (r, { caller }) => {
      const out = await listReusesCase(deps, parseListReuses(r, actorOf(caller)));
      return { reuses: out.reuses.map(reuseToProto), requests: out.requests.map(requestToProto) };
    }),
  };
}
