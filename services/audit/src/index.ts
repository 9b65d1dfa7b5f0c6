/**
 * @onceonly/audit: the tamper-evident audit log. Every event of every `onceonly.*` topic becomes one leaf of an
 * RFC 6962 Merkle tree; signed C2SP checkpoints, witness cosignatures, inclusion and consistency proofs; and the
 * pure checks behind `onceonly audit verify` and `replay`.
 */

export { AUDIT_SCHEMA, appendPort, checkpointStore, hashReader, logReader } from './adapters/db/audit-store.js';
export { databaseExportSource } from './adapters/db/export-source.js';
export { databaseLogSource } from './adapters/db/replay-source.js';
export { type BusSourceOptions, transportBusSource } from './adapters/events/bus-reader.js';
export {
  type CertificateLookup,
  certificateStatusCheck,
  certificateStatusProjection,
  decodeCertificateEvent,
  liveCertificateOf,
} from './adapters/events/certificate-projection.js';
export { AUDIT_SOURCE, CHECKPOINT_TOPIC, CheckpointSignedEvent } from './adapters/events/checkpoint-event.js';
export { AUDIT_GROUP, auditedTopics, createIngest, type IngestOptions } from './adapters/events/ingest.js';
export { type AuditServiceDeps, auditService, toCheckpoint, toEntry } from './adapters/grpc/audit-service.js';
export { DEV_ORIGIN, devKeyPath, loadNoteSigner, parseWitnessKeys } from './adapters/keys.js';
export { addCosignature, cosignedNote } from './app/add-cosignature.js';
export { type AppendOutcome, appendEvent, type ReadFrom } from './app/append-event.js';
export { Checkpointer, type CheckpointerOptions, type SignedCheckpoint, signCheckpoint } from './app/checkpointer.js';
export {
  type ExportedEntry,
  type ExportOptions,
  type ExportSource,
  exportBundle,
} from './app/export-bundle.js';
export type * from './app/ports.js';
export { getConsistencyProof, getInclusionProof, type InclusionProof, type LeafRef } from './app/proofs.js';
export {
  type BusRecord,
  type ReplayBusSource,
  type ReplayLogSource,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayReport,
  replay,
  replayMarkdown,
} from './app/replay.js';
export { AUDIT_CONFIG, type AuditConfig, loadAuditConfig } from './config.js';
export {
  type AuditBundle,
  BUNDLE_FORMAT,
  type BundleEvent,
  type BundleReport,
  type BundleTrust,
  verifyBundle,
} from './domain/bundle.js';
export {
  type CheckpointPolicy,
  checkpointDue,
  DEFAULT_CHECKPOINT_POLICY,
  type LastCheckpoint,
  nextCheckpointDelay,
} from './domain/checkpoint-policy.js';
export {
  divergences,
  FINDING_KINDS,
  type Finding,
  type FindingKind,
  finding,
  type Severity,
} from './domain/findings.js';
export {
  decodeLeaf,
  encodeLeaf,
  LEAF_FORMAT,
  type Leaf,
  type LeafAttributes,
  LeafFormatError,
  type LoggableEvent,
  leafOf,
  sha256,
} from './domain/leaf.js';
export {
  type BusEvent,
  type LogSummary,
  LogVerifier,
  type LogVerifierOptions,
  type VerifiableCheckpoint,
  type VerifiableEntry,
} from './domain/log-verifier.js';
export {
  type CompareContext,
  MAX_READ_FAILURES,
  type Projection,
  type ProjectionCheck,
  type ProjectionReader,
  ProjectionRun,
  type ProjectionSummary,
} from './domain/projection.js';
export {
  CERTIFICATE_SERVICE,
  CERTIFICATE_STATUS,
  CERTIFICATE_STATUS_NAMES,
  type CertificateStatus,
  certificateDifferences,
  type LiveCertificate,
  PROJECTION_NAMES,
  PROJECTIONS,
  type ProjectionName,
  statusCode,
} from './domain/projections/index.js';
export { SequenceTracker } from './domain/sequences.js';
export { auditMigrations, auditModule, migrateAudit, type RunningAudit, startAudit } from './module.js';
