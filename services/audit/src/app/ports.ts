import type { HashReader, MapReader, MapUpdate, SubjectChain, SubtreeNode } from '@onceonly/merkle';

/** One stored leaf with the columns kept beside it. */
export interface LeafRecord {
  readonly leafIndex: number;
  readonly eventId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: Date;
  readonly sequence: string;
  readonly bodySha256: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly canonical: Uint8Array;
  /** Empty when the reader was asked to leave bodies out. */
  readonly data: Uint8Array;
  readonly appendedAt?: Date;
  /** The parties the event's extension attributes name (who acted, whose certificate), for read access; not in the leaf. */
  readonly actor?: string | undefined;
  readonly issuer?: string | undefined;
  /** A law keeps the entry from its holder until then. */
  readonly secretUntil?: Date | undefined;
  /** The id of the event that caused this one (extension `causationid`); not in the leaf. */
  readonly causationId?: string | undefined;
}

/** The tree's right edge as stored. */
export interface TreeHead {
  readonly size: number;
  /** The compact range: the hashes of the complete subtrees of the tree, largest first. */
  readonly range: readonly Uint8Array[];
  readonly root: Uint8Array;
}

/** A witness cosignature as stored. */
export interface StoredCosignature {
  readonly witnessName: string;
  readonly keyId: string;
  readonly timestamp: number;
  readonly line: string;
  readonly addedAt: Date;
}

/** A signed checkpoint as stored, with its cosignatures. */
export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed note with the log's signature only. */
  readonly note: string;
  readonly createdAt: Date;
  readonly cosignatures: readonly StoredCosignature[];
}

/** One source's completeness. */
export interface SourceSequence {
  readonly source: string;
  readonly contiguous: bigint;
  readonly maxSeen: bigint;
  readonly events: bigint;
}

/** A gap or repeat the log detected. */
export interface SequenceGapRecord {
  readonly id: string;
  readonly source: string;
  readonly kind: 'gap' | 'repeat';
  readonly expected: bigint;
  readonly got: bigint;
  readonly eventId: string;
  readonly detectedAt: Date;
  readonly resolvedAt?: Date;
}

/** The writes of one append, all inside the consumer's transaction. */
export interface AppendPort {
  /**
   * Locks and reads the tree head: every append waits here, which puts the leaves in one global order. With a
   * subject key, also reads that subject's chain, in a statement after the lock (one that waited for the lock would
   * read the chain as of before the wait).
   */
  lockHead(subjectKey?: Uint8Array): Promise<TreeHead & { readonly chain?: SubjectChain }>;
  saveHead(head: TreeHead): Promise<void>;
  /** Stores a subject's chain after the append extended it by the new leaf (one upsert). */
  saveSubjectChain(subjectKey: Uint8Array, chain: SubjectChain): Promise<void>;
  /** False when the event id is already a leaf (nothing is written then). */
  insertLeaf(leaf: LeafRecord): Promise<boolean>;
  /** Stores interior nodes (level > 0) that the append completed. */
  insertNodes(nodes: readonly SubtreeNode[]): Promise<void>;
  sequenceOf(source: string): Promise<SourceSequence | undefined>;
  /** True when a leaf of `source` other than `eventId` carries `sequence`. */
  sequenceLogged(source: string, sequence: bigint, eventId: string): Promise<boolean>;
  /** Sequence numbers of `source` above `after`, ascending, at most `limit`. */
  sequencesAbove(source: string, after: bigint, limit: number): Promise<bigint[]>;
  saveSequence(state: SourceSequence): Promise<void>;
  recordGap(gap: Omit<SequenceGapRecord, 'id' | 'resolvedAt'>): Promise<void>;
  /** Marks resolved the open gaps of `source` whose every number is now at or below `contiguous`. */
  resolveGaps(source: string, contiguous: bigint, at: Date): Promise<void>;
}

/** A gap or repeat found by a batch append: stored with the batch, resolved already when the batch filled it. */
export type NewGapRecord = Omit<SequenceGapRecord, 'id'>;

/**
 * The writes of a batch append (ADR 011), all inside the consumer's transaction: a fixed number of statements per
 * batch, whatever its size (walks over numbers that arrived early add one read per page of 500).
 */
export interface BatchAppendPort {
  /**
   * Locks and reads the tree head (as {@link AppendPort.lockHead}), then reads the chains of `subjectKeys` (keyed by
   * the key's hex) in one statement after the lock.
   */
  lockHeadWithChains(
    subjectKeys: readonly Uint8Array[],
  ): Promise<{ head: TreeHead; chains: Map<string, SubjectChain> }>;
  /** The ids among `eventIds` that are leaves already. */
  loggedEventIds(eventIds: readonly string[]): Promise<Set<string>>;
  /** The stored completeness of these sources (a source never seen is absent). */
  sequencesOf(sources: readonly string[]): Promise<Map<string, SourceSequence>>;
  /** Which of these (source, sequence) pairs a stored leaf carries, as `sequenceKey(source, sequence)`. */
  sequencesLogged(pairs: ReadonlyArray<{ source: string; sequence: bigint }>): Promise<Set<string>>;
  /** Sequence numbers of `source` above `after`, ascending, at most `limit` (stored leaves only). */
  sequencesAbove(source: string, after: bigint, limit: number): Promise<bigint[]>;
  /** Stores the leaves (event ids not yet leaves, indexes from the head's size on). */
  insertLeaves(leaves: readonly LeafRecord[]): Promise<void>;
  insertNodes(nodes: readonly SubtreeNode[]): Promise<void>;
  saveHead(head: TreeHead): Promise<void>;
  /** Stores the chains the batch extended (one statement; each must move forward). */
  saveSubjectChains(chains: readonly KeyedChain[]): Promise<void>;
  saveSequences(states: readonly SourceSequence[]): Promise<void>;
  recordGaps(gaps: readonly NewGapRecord[]): Promise<void>;
  /** Marks resolved, per source, the stored open gaps whose every number is at or below its `contiguous`. */
  resolveGaps(resolved: ReadonlyArray<{ source: string; contiguous: bigint }>, at: Date): Promise<void>;
}

/** The key of a (source, sequence) pair in {@link BatchAppendPort.sequencesLogged}'s answer. */
export function sequenceKey(source: string, sequence: bigint): string {
  return `${sequence}\u0000${source}`;
}

/** Filters of a search; empty strings and undefined match everything. */
export interface SearchFilter {
  readonly subject?: string;
  readonly type?: string;
  readonly source?: string;
  readonly timeFrom?: Date;
  readonly timeTo?: Date;
}

/** Which leaf an inclusion proof is for. */
export type LeafRef = { readonly eventId: string } | { readonly leafIndex: number };

/** What an inclusion proof at the latest checkpoint needs, read together ({@link LogReader.entryAtLatest}). */
export interface EntryAtLatest {
  /** The entry with its body; undefined when there is no such leaf. */
  readonly entry: LeafRecord | undefined;
  /** The latest checkpoint with its cosignatures; undefined when the log has none yet. */
  readonly checkpoint: StoredCheckpoint | undefined;
  /** The tree's hashes up to the checkpoint's size, holding what was read beside the entry. */
  readonly hashes: HashReader | undefined;
}

/** What queries and proofs read. */
export interface LogReader {
  head(): Promise<{ size: number; root: Uint8Array }>;
  /** A reader of the tree's hashes up to `size`, for inclusion and consistency proofs (O(log n) reads). */
  hashReader(size: number): HashReader;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /**
   * For GetInclusionProof at the latest checkpoint, when the reader keeps the latest checkpoint in memory (ADR 016):
   * the entry, the latest checkpoint and a hash reader for its tree, in one round trip while the checkpoint is
   * unchanged. Absent: read them one by one.
   */
  entryAtLatest?(ref: LeafRef): Promise<EntryAtLatest>;
  checkpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** Checkpoints with a size above `afterSize` (all when undefined), ascending, at most `limit`. */
  checkpoints(afterSize: number | undefined, limit: number): Promise<StoredCheckpoint[]>;
  /** Leaves with start <= index < end, ascending. */
  entries(start: number, end: number, withData: boolean): Promise<LeafRecord[]>;
  entryByEventId(eventId: string, withData: boolean): Promise<LeafRecord | undefined>;
  /** Leaves matching the filter with an index above `afterIndex`, ascending, at most `limit`. */
  search(filter: SearchFilter, afterIndex: number, limit: number, withData: boolean): Promise<LeafRecord[]>;
  gaps(
    source: string | undefined,
    openOnly: boolean,
    afterId: string | undefined,
    limit: number,
  ): Promise<SequenceGapRecord[]>;
  sources(): Promise<SourceSequence[]>;
  /** The topics the log reads. */
  topics(): Promise<string[]>;
}

/** A subject's chain with its map key (the subject itself is not stored beside it). */
export interface KeyedChain {
  readonly key: Uint8Array;
  readonly chain: SubjectChain;
}

/**
 * The subject map's storage, inside the checkpoint's transaction (under the tree-head lock): versions of the map
 * are kept per checkpoint size, append-only, so that a proof for any past checkpoint can still be read.
 */
export interface SubjectMapPort {
  /** The checkpoint size of the newest map version; undefined before the first. */
  latestSize(): Promise<number | undefined>;
  /** The root of the map version of `size`, if one was stored. */
  rootAt(size: number): Promise<Uint8Array | undefined>;
  /** Every subject's chain whose last index is at or above `since` (the subjects that changed since that size). */
  chainsSince(since: number): Promise<KeyedChain[]>;
  /** The map as of `size` (the newest version at or below it). */
  reader(size: number): MapReader;
  /** Stores the map version of `size`: the update's nodes, the chains behind its values, its root. */
  save(size: number, update: MapUpdate, chains: readonly KeyedChain[]): Promise<void>;
}
