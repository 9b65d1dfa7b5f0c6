/**
 * @onceonly/materials/replay: the materials service's replay projections (docs/adr/005-replay-projections.md), which
 * `onceonly audit replay` runs: every resolution (its application, applicant, item, resolver, each material's
 * decision and the exempt and required counts the exemption rate sums) rebuilt from the logged
 * `materials.resolution.made` events alone, checked against the rules of a resolution, and compared with what
 * GetResolution (asked as an auditor) answers; and every explicit request (ADR 041) rebuilt from the consent events,
 * each decision checked as a transition of a pending piece, each reuse checked to follow an accepted, previewed piece
 * of a request of the same department for the same application, and compared with GetEvidenceRequest. The hub passes
 * them to the audit replay; the audit service never imports them.
 */
import type { ProjectionDescriptor } from '@onceonly/replay';
import { MATERIALS_REPORT_SERVICE } from './adapters/events/materials-replay.js';
import { MATERIALS_CONSENT } from './domain/replay/consent.js';
import { MATERIALS_RESOLUTIONS } from './domain/replay/resolutions.js';

export {
  type ComparedRequest,
  decodeConsentEvent,
  type EvidenceRequestLookup,
  liveRequestOf,
  materialsConsentCheck,
  materialsConsentProjection,
} from './adapters/events/consent-replay.js';
export {
  decodeResolutionEvent,
  liveResolutionOf,
  MATERIALS_REPORT_SERVICE,
  materialsResolutionCheck,
  materialsResolutionProjection,
  type ResolutionLookup,
  resolutionFromProto,
} from './adapters/events/materials-replay.js';
export { type ConsentFact, evolveConsent, MATERIALS_CONSENT, type ReplayedRequest } from './domain/replay/consent.js';
export {
  evolveResolutions,
  MATERIALS_RESOLUTIONS,
  type ReplayedResolution,
  type ResolutionFact,
  resolutionDifferences,
} from './domain/replay/resolutions.js';

/** The resolution projection, as the hub lists it. */
export const MATERIALS_RESOLUTION_REPLAY: ProjectionDescriptor = {
  name: MATERIALS_RESOLUTIONS,
  service: MATERIALS_REPORT_SERVICE,
  what: "every resolution: each material's decision and the exempt and required counts the exemption rate sums",
};

/** The consent projection, as the hub lists it. */
export const MATERIALS_CONSENT_REPLAY: ProjectionDescriptor = {
  name: MATERIALS_CONSENT,
  service: MATERIALS_REPORT_SERVICE,
  what: "every explicit request: each piece's preview, decision and reuse (no reuse without the applicant's consent)",
};
