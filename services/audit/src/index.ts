/**
 * @onceonly/audit: the tamper-evident audit log. Every event of every `onceonly.*` topic becomes one leaf of an
 * RFC 6962 Merkle tree; signed C2SP checkpoints, witness cosignatures, inclusion and consistency proofs; and the
 * pure checks behind `onceonly audit verify` and `replay`. The public API is the module the hub runs plus what the
 * CLI (`services/hub`) and the benchmarks (`test/bench`) use today; everything else is internal.
 */

// The benchmarks: the log's store and proofs, measured directly.
export { appendPort, checkpointStore, hashReader, logReader } from './adapters/db/audit-store.js';
// The CLI: export, verify and replay (offline, or against a hub).
export { databaseLogSource } from './adapters/db/replay-source.js';
export { transportBusSource } from './adapters/events/bus-reader.js';
export { certificateStatusCheck } from './adapters/events/certificate-projection.js';
export { signCheckpoint } from './app/checkpointer.js';
export { type ExportSource, exportBundle } from './app/export-bundle.js';
export { getInclusionProof } from './app/proofs.js';
export {
  type ReplayBusSource,
  type ReplayLogSource,
  type ReplayProgress,
  replay,
  replayMarkdown,
} from './app/replay.js';
// The service the hub runs, and the variables it reads.
export { AUDIT_CONFIG } from './config.js';
export { type AuditBundle, type BundleReport, verifyBundle } from './domain/bundle.js';
export { divergences, type Finding } from './domain/findings.js';
export { type LoggableEvent, leafOf } from './domain/leaf.js';
export type { ProjectionCheck } from './domain/projection.js';
export { CERTIFICATE_STATUS, PROJECTION_NAMES, PROJECTIONS, type ProjectionName } from './domain/projections/index.js';
export { auditModule, migrateAudit } from './module.js';
