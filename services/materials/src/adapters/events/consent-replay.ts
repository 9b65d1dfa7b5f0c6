import { materialsEventsV1 as ev, type materialsV1 as mv } from '@onceonly/contracts';
import {
  type Finding,
  finding,
  type Projection,
  type ProjectionCheck,
  projectionOf,
  type ReplayEvent,
} from '@onceonly/replay';
import type { PieceStatus } from '../../domain/consent.js';
import {
  type ConsentFact,
  evolveConsent,
  MATERIALS_CONSENT,
  type ReplayedRequest,
} from '../../domain/replay/consent.js';
import { fieldDifferences } from '../../domain/replay/resolutions.js';
import { CONSENT_EVENT_TYPES } from '../../topics.js';
import { STATUS } from '../grpc/consent-to-proto.js';
import { checkWith } from './materials-replay.js';

// The wire side of the consent replay (docs/adr/005, ADR 041): the logged `materials.evidence.requested`,
// `.previewed`, `.accepted`, `.rejected`, `.expired` and `.reused` bodies decoded into the domain's facts; the
// service's answer (GetEvidenceRequest) into the value compared. The rules are in `domain/replay/consent.ts`.

const STATUS_OF = new Map<mv.PieceStatus, PieceStatus>(Object.entries(STATUS).map(([k, v]) => [v, k as PieceStatus]));
const statusOf = (s: mv.PieceStatus): PieceStatus | 'unknown' => STATUS_OF.get(s) ?? 'unknown';
const piecesOf = (pieces: readonly mv.EvidencePiece[]) => pieces.map((p) => ({ id: p.id, status: statusOf(p.status) }));

const DECISION: Record<string, 'accepted' | 'rejected' | 'expired'> = {
  [CONSENT_EVENT_TYPES.accepted]: 'accepted',
  [CONSENT_EVENT_TYPES.rejected]: 'rejected',
  [CONSENT_EVENT_TYPES.expired]: 'expired',
};

/** What every consent event names its request by. */
const scopeOf = (eventSubject: string, b: { requestId: string; applicationId: string; applicantKey: string }) => ({
  eventSubject,
  requestId: b.requestId,
  applicationId: b.applicationId,
  applicantKey: b.applicantKey,
});

/** A logged consent event as the fold's fact. */
export function decodeConsentEvent(event: ReplayEvent): ConsentFact {
  const eventSubject = event.subject;
  switch (event.type) {
    case CONSENT_EVENT_TYPES.requested: {
      const r = ev.EvidenceRequested.decode(event.data).request;
      if (!r?.id) throw new Error('no request');
      const scope = scopeOf(eventSubject, { ...r, requestId: r.id });
      return { kind: 'requested', ...scope, departmentCode: r.departmentCode, pieces: piecesOf(r.pieces) };
    }
    case CONSENT_EVENT_TYPES.previewed: {
      const b = ev.EvidencePreviewed.decode(event.data);
      const scope = scopeOf(eventSubject, b);
      return { kind: 'previewed', ...scope, pieceIds: b.pieceIds };
    }
    case CONSENT_EVENT_TYPES.reused: {
      const b = ev.EvidenceReused.decode(event.data);
      const scope = scopeOf(eventSubject, b);
      return { kind: 'reused', ...scope, departmentCode: b.departmentCode, pieceId: b.pieceId };
    }
    default: {
      const b = ev.EvidenceDecided.decode(event.data);
      const scope = scopeOf(eventSubject, b);
      const decision = DECISION[event.type]!;
      return { kind: 'decided', ...scope, decision, departmentCode: b.departmentCode, pieces: piecesOf(b.pieces) };
    }
  }
}

const READ = new Set<string>([
  CONSENT_EVENT_TYPES.requested,
  CONSENT_EVENT_TYPES.previewed,
  CONSENT_EVENT_TYPES.reused,
  ...Object.keys(DECISION),
]);

/**
 * The projection reads the explicit requests, previews, decisions and reuses; refusals, notifications and reads of
 * the applicant's view change no request.
 */
export const materialsConsentProjection: Projection<ReplayedRequest> = projectionOf({
  name: MATERIALS_CONSENT,
  accepts: (type) => READ.has(type),
  decode: decodeConsentEvent,
  evolve: (state, fact) => evolveConsent(state, fact),
  keyLabel: (key) => `evidence request ${key}`,
});

/** A request as compared: its scope and each piece's status, by piece id. */
export interface ComparedRequest {
  readonly applicationId: string;
  readonly applicantKey: string;
  readonly departmentCode: string;
  readonly pieces: Readonly<Record<string, PieceStatus | 'unknown'>>;
}

/** GetEvidenceRequest's answer as the value compared. */
export function liveRequestOf(r: mv.EvidenceRequest): ComparedRequest {
  return {
    applicationId: r.applicationId,
    applicantKey: r.applicantKey,
    departmentCode: r.departmentCode,
    pieces: Object.fromEntries(r.pieces.map((p) => [p.id, statusOf(p.status)])),
  };
}

function comparedOf(r: ReplayedRequest): ComparedRequest {
  return {
    applicationId: r.applicationId,
    applicantKey: r.applicantKey,
    departmentCode: r.departmentCode,
    pieces: Object.fromEntries([...r.pieces].map(([id, p]) => [id, p.status])),
  };
}

/** How the replay reads one request from the service (undefined: not found). */
export type EvidenceRequestLookup = (id: string) => Promise<ComparedRequest | undefined>;

function differences(key: string, rebuilt: ReplayedRequest, live: ComparedRequest | undefined): Finding[] {
  if (!live) {
    return [
      finding('PROJECTION_UNKNOWN_TO_SERVICE', `evidence request ${key} is in the log, not in the service`, { key }),
    ];
  }
  return fieldDifferences(comparedOf(rebuilt), live).map(([field, expected, actual]) =>
    finding('PROJECTION_MISMATCH', `evidence request ${key}: ${field} differs from the log`, { key, expected, actual }),
  );
}

/** The consent projection with the service's reader (GetEvidenceRequest, asked as an auditor). */
export function materialsConsentCheck(
  lookup?: EvidenceRequestLookup,
  options: { skipped?: string } = {},
): ProjectionCheck<ReplayedRequest, ComparedRequest> {
  return checkWith(materialsConsentProjection, differences, lookup, options);
}
