/**
 * @onceonly/replay: the contract between the audit replay and the services whose state it rebuilds
 * (docs/adr/005-replay-projections.md). A service exports a {@link ProjectionCheck} (its pure fold, its decoder and
 * the reader of its answer); the audit replay runs every check it is given and reports {@link Finding}s. No I/O.
 */
export { type Evolved, type EvolveSpec, invalidEvent, projectionOf } from './evolve.js';
export { divergences, FINDING_KINDS, type Finding, type FindingKind, finding, type Severity } from './findings.js';
export type {
  CompareContext,
  Projection,
  ProjectionCheck,
  ProjectionDescriptor,
  ProjectionReader,
  ReplayEvent,
} from './projection.js';
