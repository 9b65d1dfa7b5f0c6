/**
 * @onceonly/merkle: the append-only Merkle tree of RFC 6962 / RFC 9162 (hashing, inclusion and consistency proofs
 * and their verifiers), an O(log n) compact range for appending, and the C2SP formats a transparency log publishes:
 * `tlog-checkpoint`, `signed-note` with Ed25519 keys, and `tlog-cosignature` v1 witness cosignatures.
 *
 * Pure: no I/O. Storage is reached through the {@link HashReader} port; keys through {@link NoteSigner} and
 * {@link NoteVerifier}; time is always a parameter. The only import is node:crypto (SHA-256, Ed25519).
 *
 * @packageDocumentation
 */

export {
  type Checkpoint,
  formatCheckpoint,
  type OpenedCheckpoint,
  openCheckpoint,
  parseCheckpoint,
} from './checkpoint.js';
export { CompactMap } from './compact-map.js';
export { CompactRange, type SubtreeNode } from './compact-range.js';
export { type Cosignature, cosign, type VerifyCosignatureOptions, verifyCosignature } from './cosignature.js';
// Errors.
export { isMerkleError, MERKLE_REASONS, MerkleError, type MerkleReason } from './errors.js';
// Tree hashing and proofs (RFC 9162 §2.1).
export { emptyRoot, HASH_SIZE, leafHash, nodeHash, rootOf } from './hash.js';
// The subject map: a sparse Merkle tree from subject to the hash chain of its log entries (docs/adr/006).
export { EMPTY_HASHES, emptyMapRoot, MAP_DEPTH, mapKey, mapLeafHash, mapNodeHash } from './map-hash.js';
export { MemoryTree } from './memory-tree.js';
export {
  type NoteSignature,
  type OpenedNote,
  openNote,
  parseSignatureLine,
  SIGNATURE_PREFIX,
  signNote,
  type UnverifiedSignature,
  type VerifiedSignature,
} from './note.js';
// Signed notes, checkpoints and cosignatures (C2SP).
export {
  generateNoteKey,
  type NoteKeyPair,
  type NoteKeyType,
  type NoteSigner,
  type NoteVerifier,
  noteKeyFromSeed,
  noteKeyHash,
  type ParsedSignerKey,
  type ParsedVerifierKey,
  parseSignerKey,
  parseVerifierKey,
} from './note-keys.js';
export { consistencyProof, inclusionProof, treeRoot } from './proofs.js';
export type { HashReader } from './reader.js';
export {
  type MapEntry,
  type MapNode,
  type MapNodeId,
  type MapProof,
  type MapReader,
  type MapUpdate,
  MemoryMap,
  mapProof,
  mapRoot,
  updateMap,
  verifyMapProof,
} from './sparse-map.js';
export {
  BUNDLE_REASONS,
  type BundleReason,
  type SubjectBundle,
  type SubjectBundleEntry,
  type SubjectBundleResult,
  type SubjectMapClaim,
  verifySubjectBundle,
} from './subject-bundle.js';
export { emptySubjectChain, extendSubjectChain, type SubjectChain, subjectMapValue } from './subject-chain.js';
export { SUBJECT_MAP_EXTENSION, subjectMapExtension, subjectMapRoot } from './subject-map-extension.js';
export { type ReplayedSubjectMap, replaySubjectMap, type SubjectLeaf } from './subject-map-replay.js';
export { verifyConsistency, verifyInclusion } from './verify.js';
