import { CompactRange, emptyRoot, isMerkleError, leafHash, type NoteVerifier, openCheckpoint } from '@onceonly/merkle';
import { type Finding, finding } from '@onceonly/replay';
import { decodeLeaf, type LeafAttributes, sha256 } from './leaf.js';
import { SequenceTracker } from './sequences.js';

/** One stored entry as a log reader returns it, in leaf order. Everything but the index and bytes is optional. */
export interface VerifiableEntry {
  readonly leafIndex: number;
  readonly canonical: Uint8Array;
  /** The leaf hash the log stored (checked against the canonical bytes). */
  readonly leafHash?: Uint8Array;
  /** The body the log stored (checked against the leaf's `datasha256`). */
  readonly data?: Uint8Array;
  /** The columns the log stored beside the leaf (what searches use), checked against it. */
  readonly columns?: Partial<Pick<LeafAttributes, 'id' | 'source' | 'type' | 'subject' | 'sequence'>>;
  /** Where the log read the event (not part of the leaf; checked for order). */
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
}

/** A stored checkpoint: its size as the log lists it, and its signed note. */
export interface VerifiableCheckpoint {
  readonly size: number;
  readonly signedNote: string;
}

/** An event as read from the bus, by the replay. */
export interface BusEvent {
  readonly leafHash: Uint8Array;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** True when the log's consumer group had not yet committed past this record when the replay began. */
  readonly beyondLog?: boolean;
}

/** What {@link LogVerifier} checks against. */
export interface LogVerifierOptions {
  /** The log's key(s): checkpoints must be signed by one of them. */
  readonly verifiers: readonly NoteVerifier[];
  /** The log's origin: checkpoints must name it. */
  readonly origin: string;
  readonly checkpoints: readonly VerifiableCheckpoint[];
  /** The events on the bus by id (replay only). Matched events are removed from the map as the log is read. */
  readonly bus?: Map<string, BusEvent>;
}

/** What a verification saw, besides its findings. */
export interface LogSummary {
  readonly entries: number;
  /** The root of the leaves read (recomputed). */
  readonly root: Uint8Array;
  readonly checkpointsVerified: number;
  readonly busEventsMatched: number;
  readonly sources: Array<{ source: string; maxSeen: string; contiguous: string }>;
}

/**
 * Checks a whole log streamed in leaf order, with O(log n) state for the tree: every stored leaf hash, body and
 * column against the canonical leaf, leaf indexes without holes, offsets and sequences in order per partition, no
 * event twice, every source's sequence complete, every checkpoint's signature and its root against the root
 * recomputed at its size, and (in a replay) every leaf against the event the bus holds under that id.
 */
export class LogVerifier {
  readonly #o: LogVerifierOptions;
  readonly #findings: Finding[] = [];
  readonly #range = CompactRange.empty();
  readonly #checkpoints: Array<VerifiableCheckpoint & { root: Uint8Array; extensions: readonly string[] }> = [];
  readonly #ids = new Map<string, number>();
  readonly #offsets = new Map<string, { offset: bigint; leafIndex: number }>();
  readonly #sequences = new Map<string, { sequence: bigint; leafIndex: number }>();
  readonly #tracker = new SequenceTracker();
  #next = 0;
  #checkpointAt = 0;
  #verified = 0;
  #matched = 0;

  constructor(options: LogVerifierOptions) {
    this.#o = options;
    for (const cp of [...options.checkpoints].sort((a, b) => a.size - b.size)) {
      const opened = this.#openCheckpoint(cp);
      if (opened) this.#checkpoints.push({ ...cp, root: opened.root, extensions: opened.extensions ?? [] });
    }
    this.#checkRoots();
  }

  /** Adds the next entry (entries must come in increasing leaf index). */
  add(entry: VerifiableEntry): void {
    const at = { leafIndex: entry.leafIndex };
    if (entry.leafIndex < this.#next) {
      this.#report('LEAF_INDEX_INVALID', `leaf ${entry.leafIndex} was returned after leaf ${this.#next - 1}`, at);
      return;
    }
    if (entry.leafIndex > this.#next) {
      const last = entry.leafIndex - 1;
      const range = last === this.#next ? `leaf ${this.#next} is` : `leaves ${this.#next} to ${last} are`;
      this.#report('LEAF_MISSING', `${range} missing from the log`, { leafIndex: this.#next });
    }
    this.#next = entry.leafIndex + 1;
    const hash = leafHash(entry.canonical);
    if (entry.leafHash && !equal(entry.leafHash, hash)) {
      const about = entry.columns?.id === undefined ? at : { ...at, eventId: entry.columns.id };
      this.#report(
        'LEAF_HASH_MISMATCH',
        `leaf ${entry.leafIndex}: the stored leaf hash is not the hash of its bytes`,
        about,
      );
    }
    this.#range.append(hash);
    const attributes = this.#decode(entry);
    if (attributes) this.#checkEntry(entry, attributes, hash);
    this.#checkRoots();
  }

  /**
   * Ends the check: checkpoints beyond the log, events on the bus the log lacks, sequence holes and repeats.
   * `statedSize` is the size the log says it has, when known.
   */
  finish(statedSize?: number): { findings: Finding[]; summary: LogSummary } {
    if (statedSize !== undefined && statedSize !== this.#range.size) {
      this.#report(
        'TREE_SIZE_MISMATCH',
        `the log says it holds ${statedSize} leaves and returned ${this.#range.size} (up to index ${this.#next - 1})`,
      );
    }
    for (const cp of this.#checkpoints.slice(this.#checkpointAt)) {
      this.#report('CHECKPOINT_BEYOND_LOG', `checkpoint ${cp.size} is beyond the ${this.#range.size} leaves read`, {
        size: cp.size,
      });
    }
    for (const [id, event] of this.#o.bus ?? []) {
      const where = `${event.topic}/${event.partition}@${event.offset}`;
      if (event.beyondLog) {
        this.#report('EVENT_NOT_YET_LOGGED', `event ${id} (${where}) is on the bus, not yet read by the log`, {
          eventId: id,
        });
      } else {
        this.#report('EVENT_MISSING_FROM_LOG', `event ${id} (${where}) was read by the log but is not in it`, {
          eventId: id,
        });
      }
    }
    for (const problem of this.#tracker.problems()) {
      if (problem.kind === 'gap') {
        const numbers = problem.from === problem.to ? `${problem.from}` : `${problem.from} to ${problem.to}`;
        this.#report('SEQUENCE_GAP', `source ${problem.source}: sequence ${numbers} never arrived`, {
          source: problem.source,
        });
      } else {
        this.#report(
          'SEQUENCE_REPEAT',
          `source ${problem.source}: sequence ${problem.sequence} appears again in event ${problem.eventId}`,
          { source: problem.source, eventId: problem.eventId },
        );
      }
    }
    const sources = this.#tracker
      .sources()
      .map((s) => ({ source: s.source, maxSeen: String(s.maxSeen), contiguous: String(s.contiguous) }));
    return {
      findings: [...this.#findings],
      summary: {
        entries: this.#range.size,
        root: this.#range.root(),
        checkpointsVerified: this.#verified,
        busEventsMatched: this.#matched,
        sources,
      },
    };
  }

  /** Adds a finding from a check made outside (consistency proofs the log serves, projections). */
  report(f: Finding): void {
    this.#findings.push(f);
  }

  /** The checkpoints whose signatures verified, by size, with their roots and extension lines. */
  verifiedCheckpoints(): ReadonlyArray<VerifiableCheckpoint & { root: Uint8Array; extensions: readonly string[] }> {
    return this.#checkpoints;
  }

  #report(...args: Parameters<typeof finding>): void {
    this.#findings.push(finding(...args));
  }

  #openCheckpoint(cp: VerifiableCheckpoint): { root: Uint8Array; extensions?: readonly string[] } | undefined {
    try {
      const { checkpoint } = openCheckpoint(cp.signedNote, this.#o.verifiers, this.#o.origin);
      if (checkpoint.size !== cp.size) {
        this.#report('CHECKPOINT_SIGNATURE_INVALID', `checkpoint ${cp.size}: its signed text says ${checkpoint.size}`, {
          size: cp.size,
        });
        return undefined;
      }
      return checkpoint;
    } catch (err) {
      if (!isMerkleError(err)) throw err;
      this.#report('CHECKPOINT_SIGNATURE_INVALID', `checkpoint ${cp.size}: ${err.reason}: ${err.message}`, {
        size: cp.size,
      });
      return undefined;
    }
  }

  #checkRoots(): void {
    for (;;) {
      const cp = this.#checkpoints[this.#checkpointAt];
      if (cp === undefined || cp.size !== this.#range.size) return;
      this.#checkpointAt++;
      const root = cp.size === 0 ? emptyRoot() : this.#range.root();
      if (equal(root, cp.root)) {
        this.#verified++;
        continue;
      }
      const previous = this.#checkpoints[this.#checkpointAt - 2];
      const where = previous ? ` (a change after leaf ${previous.size - 1} or earlier)` : '';
      this.#report(
        'CHECKPOINT_ROOT_MISMATCH',
        `checkpoint ${cp.size}: the signed root is not the root of the log's first ${cp.size} leaves${where}`,
        { size: cp.size },
      );
    }
  }

  #decode(entry: VerifiableEntry): LeafAttributes | undefined {
    try {
      return decodeLeaf(entry.canonical);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.#report('LEAF_MALFORMED', `leaf ${entry.leafIndex}: ${why}`, { leafIndex: entry.leafIndex });
      return undefined;
    }
  }

  #checkEntry(entry: VerifiableEntry, attributes: LeafAttributes, hash: Uint8Array): void {
    const at = { leafIndex: entry.leafIndex, eventId: attributes.id };
    if (entry.data && !equal(sha256(entry.data), attributes.dataSha256)) {
      this.#report('BODY_MISMATCH', `leaf ${entry.leafIndex}: the stored body does not hash to the leaf's`, at);
    }
    for (const [column, value] of Object.entries(entry.columns ?? {})) {
      if (value !== undefined && value !== attributes[column as keyof typeof entry.columns]) {
        this.#report('ENTRY_MISMATCH', `leaf ${entry.leafIndex}: stored ${column} differs from the leaf`, at);
      }
    }
    const first = this.#ids.get(attributes.id);
    if (first !== undefined) {
      // a second copy of one event: that is the finding; its sequence and offset say nothing more
      this.#report(
        'EVENT_DUPLICATED',
        `event ${attributes.id} is in leaf ${first} and again in ${entry.leafIndex}`,
        at,
      );
      return;
    }
    this.#ids.set(attributes.id, entry.leafIndex);
    const fresh = this.#tracker.add(attributes.source, BigInt(attributes.sequence), attributes.id);
    this.#checkOrder(entry, attributes, fresh);
    this.#compareWithBus(entry, attributes, hash);
  }

  /** Offsets per partition, and (for numbers not repeated) sequences per source within a partition, increase. */
  #checkOrder(entry: VerifiableEntry, attributes: LeafAttributes, freshSequence: boolean): void {
    if (entry.topic === undefined || entry.partition === undefined || entry.offset === undefined) return;
    const partition = `${entry.topic}/${entry.partition}`;
    const offset = BigInt(entry.offset);
    const before = this.#offsets.get(partition);
    if (before && offset <= before.offset) {
      this.#report(
        'LEAF_OUT_OF_ORDER',
        `leaf ${entry.leafIndex} (${partition}@${offset}) is logged after leaf ${before.leafIndex} (@${before.offset})`,
        { leafIndex: entry.leafIndex, eventId: attributes.id },
      );
    }
    this.#offsets.set(partition, { offset, leafIndex: entry.leafIndex });
    const stream = `${partition}/${attributes.source}`;
    const sequence = BigInt(attributes.sequence);
    const previous = this.#sequences.get(stream);
    if (freshSequence && previous && sequence < previous.sequence && !(before && offset <= before.offset)) {
      this.#report(
        'LEAF_OUT_OF_ORDER',
        `leaf ${entry.leafIndex} (${attributes.source} #${sequence}) is logged after leaf ${previous.leafIndex} (#${previous.sequence}) of the same partition`,
        { leafIndex: entry.leafIndex, eventId: attributes.id, source: attributes.source },
      );
    }
    if (freshSequence) this.#sequences.set(stream, { sequence, leafIndex: entry.leafIndex });
  }

  #compareWithBus(entry: VerifiableEntry, attributes: LeafAttributes, hash: Uint8Array): void {
    const bus = this.#o.bus;
    if (bus === undefined) return;
    const event = bus.get(attributes.id);
    const at = { leafIndex: entry.leafIndex, eventId: attributes.id };
    if (event === undefined) {
      this.#report('EVENT_NOT_ON_BUS', `leaf ${entry.leafIndex}: event ${attributes.id} is not on the bus`, at);
      return;
    }
    bus.delete(attributes.id);
    this.#matched++;
    if (!equal(event.leafHash, hash)) {
      this.#report(
        'EVENT_ALTERED',
        `leaf ${entry.leafIndex}: event ${attributes.id} differs from the bus's copy (${event.topic}/${event.partition}@${event.offset})`,
        at,
      );
    }
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
