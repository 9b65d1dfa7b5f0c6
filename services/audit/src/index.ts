/**
 * @onceonly/audit: the tamper-evident audit log. Every event of every `onceonly.*` topic becomes one leaf of an
 * RFC 6962 Merkle tree; signed C2SP checkpoints, witness cosignatures, inclusion and consistency proofs. The public
 * API is the module the hub runs and the variables it reads, plus the store and proof functions the benchmarks
 * measure directly. Clients (the CLI, auditors' tools) import `@onceonly/audit/client`; everything else is internal.
 */

// The benchmarks and the fault tests: the log's store, its ingest consumer and proofs, measured (or killed) directly.
export {
  appendPort,
  batchAppendPort,
  checkpointStore,
  hashReader,
  LatestCheckpoint,
  logReader,
  UpperNodes,
} from './adapters/db/audit-store.js';
export { AUDIT_GROUP, createIngest, type IngestOptions } from './adapters/events/ingest.js';
export { signCheckpoint } from './app/checkpointer.js';
export { getInclusionProof } from './app/proofs.js';
// The service the hub runs, and the variables it reads.
export { AUDIT_CONFIG } from './config.js';
export { type LoggableEvent, leafOf } from './domain/leaf.js';
export { auditModule, migrateAudit } from './module.js';
