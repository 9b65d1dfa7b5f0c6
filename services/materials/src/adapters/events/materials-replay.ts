import { materialsEventsV1 as ev, materialsV1 as mv } from '@onceonly/contracts';
import {
  type Finding,
  finding,
  type Projection,
  type ProjectionCheck,
  projectionOf,
  type ReplayEvent,
} from '@onceonly/replay';
import {
  type DecisionFact,
  evolveResolutions,
  MATERIALS_RESOLUTIONS,
  type ReplayedResolution,
  type ResolutionFact,
  replayedOf,
  resolutionDifferences,
} from '../../domain/replay/resolutions.js';
import type { RequiredReason } from '../../domain/resolution.js';
import { MATERIALS_EVENT_TYPES } from '../../topics.js';
import { REASON } from '../grpc/to-proto.js';

// The wire side of the materials replay (docs/adr/005): the logged `materials.resolution.made` bodies
// (proto/onceonly/materials/v1/events.proto) decoded into the domain's facts; GetResolution's answer into the value
// compared. The rules are in `domain/replay/resolutions.ts`.

/** The gRPC service the projection is compared with. */
export const MATERIALS_REPORT_SERVICE = 'onceonly.materials.v1.MaterialsReportService';

const REASON_OF = new Map<mv.RequiredReason, RequiredReason>(
  Object.entries(REASON).map(([k, v]) => [v, k as RequiredReason]),
);

function decisionOf(m: mv.MaterialOutcome): DecisionFact {
  const decision =
    m.decision === mv.Decision.DECISION_EXEMPT
      ? 'exempt'
      : m.decision === mv.Decision.DECISION_REQUIRED
        ? 'required'
        : 'unknown';
  const evidence = m.evidence?.evidence?.$case;
  return {
    materialCode: m.materialCode,
    decision,
    ...(decision === 'required' ? { reason: REASON_OF.get(m.reason) ?? 'unknown' } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

/** A resolution of the contracts as the rules read it. */
export function resolutionFromProto(r: mv.Resolution): Omit<ResolutionFact, 'eventSubject'> {
  return {
    id: r.id,
    applicationId: r.applicationId,
    applicantKey: r.applicantKey,
    itemCode: r.itemCode,
    itemVersion: r.itemVersion,
    resolvedBy: r.resolvedBy,
    exemptCount: r.exemptCount,
    requiredCount: r.requiredCount,
    materials: r.materials.map(decisionOf),
  };
}

/** A logged `materials.resolution.made` as the fold's fact. */
export function decodeResolutionEvent(event: ReplayEvent): ResolutionFact {
  const body = ev.ResolutionMade.decode(event.data);
  if (!body.resolution?.id) throw new Error('no resolution');
  return { eventSubject: event.subject, ...resolutionFromProto(body.resolution) };
}

/**
 * The projection reads `materials.resolution.made` only: the library's events (stored, served, refused) and the
 * other materials events change no resolution.
 */
export const materialsResolutionProjection: Projection<ReplayedResolution> = projectionOf({
  name: MATERIALS_RESOLUTIONS,
  accepts: (type) => type === MATERIALS_EVENT_TYPES.resolutionMade,
  decode: decodeResolutionEvent,
  evolve: (state, fact) => evolveResolutions(state, fact),
  keyLabel: (key) => `resolution ${key}`,
});

/** GetResolution's answer as the value compared. */
export const liveResolutionOf = (r: mv.Resolution): ReplayedResolution => replayedOf(resolutionFromProto(r));

/** How the replay reads one resolution from the service (undefined: not found). */
export type ResolutionLookup = (id: string) => Promise<ReplayedResolution | undefined>;

function differences(key: string, rebuilt: ReplayedResolution, live: ReplayedResolution | undefined): Finding[] {
  if (!live) {
    return [finding('PROJECTION_UNKNOWN_TO_SERVICE', `resolution ${key} is in the log, not in the service`, { key })];
  }
  return resolutionDifferences(rebuilt, live).map(([field, expected, actual]) =>
    finding('PROJECTION_MISMATCH', `resolution ${key}: ${field} differs from the log`, { key, expected, actual }),
  );
}

/** The resolution projection with the service's reader (GetResolution, asked as an auditor). */
export function materialsResolutionCheck(
  lookup?: ResolutionLookup,
  options: { skipped?: string } = {},
): ProjectionCheck<ReplayedResolution, ReplayedResolution> {
  return checkWith(materialsResolutionProjection, differences, lookup, options);
}

/**
 * A projection of this service with its reader (`lookup`, the service asked as an auditor), or without one (skipped,
 * saying why): its findings are the `differences` of each key.
 */
export function checkWith<S, L>(
  projection: Projection<S>,
  differences: (key: string, rebuilt: S, live: L | undefined) => Finding[],
  lookup: ((key: string) => Promise<L | undefined>) | undefined,
  options: { skipped?: string },
): ProjectionCheck<S, L> {
  return {
    projection,
    ...(lookup === undefined
      ? { skipped: options.skipped ?? 'the materials service was not asked' }
      : { reader: { read: (key: string) => lookup(key) } }),
    differences: (key, rebuilt, live) => differences(key, rebuilt, live),
  };
}
