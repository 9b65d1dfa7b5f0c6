import { AppError, invalid } from '@onceonly/errors';
import { consistencyProof, type HashReader, inclusionProof } from '@onceonly/merkle';
import type { LeafRecord, LeafRef, LogReader, StoredCheckpoint } from './ports.js';

export type { LeafRef } from './ports.js';

/** An inclusion proof with what it proves. */
export interface InclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly hashes: Uint8Array[];
  /** The signed checkpoint of `treeSize`, when the log stored one at that size. */
  readonly checkpoint?: StoredCheckpoint;
  readonly entry: LeafRecord;
}

/**
 * The inclusion proof of one leaf in the tree of `treeSize` leaves; by default the latest checkpoint's size, so
 * that the proof can be checked against a signed root. AUDIT_EVENT_NOT_FOUND for an unknown event id or index,
 * AUDIT_NOT_YET_CHECKPOINTED for a leaf newer than the latest checkpoint, INVALID_ARGUMENT for sizes out of range.
 */
export async function getInclusionProof(reader: LogReader, ref: LeafRef, treeSize?: number): Promise<InclusionProof> {
  if (treeSize === undefined && reader.entryAtLatest) {
    // the latest checkpoint kept in memory (ADR 016): the entry, the check that the cached checkpoint is still the
    // latest, and the leaves around the entry in one round trip; the same errors in the same order as below
    const { entry, checkpoint, hashes } = await reader.entryAtLatest(ref);
    if (entry === undefined) throw notFound(ref);
    if (checkpoint === undefined) throw noCheckpoint();
    return proveIn(reader, entry, checkpoint.size, undefined, checkpoint, hashes);
  }
  // two independent reads: on a pool they overlap (one round trip of latency instead of two); the entry's error,
  // if any, is the one reported, as when they ran one after the other
  const [found, tree] = await Promise.allSettled([findEntry(reader, ref), treeOf(reader, treeSize)]);
  if (found.status === 'rejected') throw found.reason;
  if (tree.status === 'rejected') throw tree.reason;
  return proveIn(reader, found.value, tree.value.size, treeSize, tree.value.checkpoint);
}

async function proveIn(
  reader: LogReader,
  entry: LeafRecord,
  size: number,
  treeSize: number | undefined,
  checkpoint: StoredCheckpoint | undefined,
  hashes?: HashReader,
): Promise<InclusionProof> {
  if (entry.leafIndex >= size) {
    if (treeSize === undefined) {
      throw new AppError(
        'AUDIT_NOT_YET_CHECKPOINTED',
        `leaf ${entry.leafIndex} is not in the latest checkpoint (${size} leaves) yet`,
        { details: { meta: { leafIndex: String(entry.leafIndex), checkpointSize: String(size) } } },
      );
    }
    throw invalid('INVALID_ARGUMENT', [
      {
        field: 'tree_size',
        reason: 'LEAF_NOT_IN_TREE',
        description: `leaf ${entry.leafIndex} is not in a tree of ${size}`,
      },
    ]);
  }
  return {
    leafIndex: entry.leafIndex,
    treeSize: size,
    leafHash: entry.leafHash,
    hashes: await inclusionProof(hashes ?? reader.hashReader(size), entry.leafIndex, size),
    entry,
    ...(checkpoint ? { checkpoint } : {}),
  };
}

/**
 * The consistency proof from `firstSize` to `secondSize` (default: the latest checkpoint's size). INVALID_ARGUMENT
 * when first > second or second exceeds the tree.
 */
export async function getConsistencyProof(
  reader: LogReader,
  firstSize: number,
  secondSize?: number,
): Promise<{ firstSize: number; secondSize: number; hashes: Uint8Array[] }> {
  const { size } = await treeOf(reader, secondSize);
  if (firstSize > size) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'first_size', reason: 'SIZE_OUT_OF_RANGE', description: `must be at most the second size ${size}` },
    ]);
  }
  const hashes = await consistencyProof(reader.hashReader(size), firstSize, size);
  return { firstSize, secondSize: size, hashes };
}

async function findEntry(reader: LogReader, ref: LeafRef): Promise<LeafRecord> {
  const entry =
    'eventId' in ref
      ? await reader.entryByEventId(ref.eventId, true)
      : (await reader.entries(ref.leafIndex, ref.leafIndex + 1, true))[0];
  if (entry === undefined) throw notFound(ref);
  return entry;
}

function notFound(ref: LeafRef): AppError {
  const which = 'eventId' in ref ? `event ${ref.eventId}` : `leaf ${ref.leafIndex}`;
  return new AppError('AUDIT_EVENT_NOT_FOUND', `${which} is not in the audit log`);
}

function noCheckpoint(): AppError {
  return new AppError('AUDIT_NOT_YET_CHECKPOINTED', 'the log has no checkpoint yet');
}

/** The tree size to prove against: the one asked (checked against the tree) or the latest checkpoint's. */
async function treeOf(
  reader: LogReader,
  treeSize: number | undefined,
): Promise<{ size: number; checkpoint?: StoredCheckpoint }> {
  if (treeSize === undefined) {
    const checkpoint = await reader.latestCheckpoint();
    if (checkpoint === undefined) throw noCheckpoint();
    return { size: checkpoint.size, checkpoint };
  }
  const head = await reader.head();
  if (treeSize > head.size) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'tree_size', reason: 'SIZE_OUT_OF_RANGE', description: `the tree has ${head.size} leaves` },
    ]);
  }
  const checkpoint = await reader.checkpoint(treeSize);
  return { size: treeSize, ...(checkpoint ? { checkpoint } : {}) };
}
