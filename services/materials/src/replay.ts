/**
 * @onceonly/materials/replay: the materials service's replay projection (docs/adr/005-replay-projections.md), which
 * `onceonly audit replay` runs: every resolution (its application, applicant, item, resolver, each material's
 * decision and the exempt and required counts the exemption rate sums) rebuilt from the logged
 * `materials.resolution.made` events alone, checked against the rules of a resolution, and compared with what
 * GetResolution (asked as an auditor) answers. The hub passes it to the audit replay; the audit service never
 * imports it.
 */
import type { ProjectionDescriptor } from '@onceonly/replay';
import { MATERIALS_REPORT_SERVICE } from './adapters/events/materials-replay.js';
import { MATERIALS_RESOLUTIONS } from './domain/replay/resolutions.js';

export {
  decodeResolutionEvent,
  liveResolutionOf,
  MATERIALS_REPORT_SERVICE,
  materialsResolutionCheck,
  materialsResolutionProjection,
  type ResolutionLookup,
  resolutionFromProto,
} from './adapters/events/materials-replay.js';
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
