import { CompactRange, emptyRoot, isMerkleError, leafHash, type NoteVerifier, openCheckpoint } from '@onceonly/merkle';
import { type Finding, finding } from '@onceonly/replay';
import { BusMatcher } from './bus-match.js';
import { decodeLeaf, type LeafAttributes, sha256 } from './leaf.js';
import { SequenceTracker } from './sequences.js';

/** The columns a log stores beside each leaf (what searches use), each checked against the leaf's attribute. */
const STORED_COLUMNS = ['id', 'source', 'type', 'subject', 'sequence'] as const;
type StoredColumn = (typeof STORED_COLUMNS)[number];

/** One stored entry as a log reader returns it, in leaf order. Everything but the index and bytes is optional. */
export interface VerifiableEntry {
  readonly leafIndex: number;
  readonly canonical: Uint8Array;
  /** The leaf hash the log stored (checked against the canonical bytes). */
  readonly leafHash?: Uint8Array;
  /** The body the log stored (checked against the leaf's `datasha256`). */
  readonly data?: Uint8Array;
  /**
   * Instead of the body: its SHA-256 as the source computed it from the stored body (PostgreSQL's `sha256(data)`,
   * for a replay that needs no body), checked against the leaf's `datasha256` the same way. Ignored with `data`.
   */
  readonly dataSha256?: Uint8Array;
  /** The columns the log stored beside the leaf (what searches use), checked against it. */
  readonly columns?: Partial<Pick<LeafAttributes, StoredColumn>>;
  /** Where the log read the event (not part of the leaf; checked for order). */
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  /** The id of the event that caused this one, as the log stored it beside the leaf (`causationid`). */
  readonly causationId?: string;
}

/** A stored checkpoint: its size as the log lists it, and its signed note. */
export interface VerifiableCheckpoint {
  readonly size: number;
  readonly signedNote: string;
}

/** What {@link LogVerifier} checks against. */
export interface LogVerifierOptions {
  /** The log's key(s): checkpoints must be signed by one of them. */
  readonly verifiers: readonly NoteVerifier[];
  /** The log's origin: checkpoints must name it. */
  readonly origin: string;
  readonly checkpoints: readonly VerifiableCheckpoint[];
  /**
   * The bus's events, matched with the leaves by id (replay only). The replay feeds it the bus's records while the
   * log is read; the verifier feeds it the leaves and reports what it found in {@link LogVerifier.finish}.
   */
  readonly bus?: LeafMatcher;
}

/**
 * What the verifier needs of the bus's matcher: {@link BusMatcher}, or a stand-in that hands the leaves to a matcher
 * in another thread and its findings back (ADR 022).
 */
export interface LeafMatcher {
  addLog(id: string, leafIndex: number, leafHash: Uint8Array): void;
  /** The matcher's findings, reported by {@link LogVerifier.finish} after the causation findings. */
  finish(): Finding[];
  /** Events found on both sides. */
  matched(): number;
}

export type { BusEvent } from './bus-match.js';
export { BusMatcher };

/** What the verifier made of one entry, for the replay's other checks to reuse (nothing decoded or hashed twice). */
export interface CheckedEntry {
  /** The leaf hash of the canonical bytes (recomputed). */
  readonly leafHash: Uint8Array;
  /** The leaf's attributes; undefined when the leaf is malformed (LEAF_MALFORMED) or out of order. */
  readonly attributes?: LeafAttributes;
  /** True when the entry has a body and it hashes to the leaf's `datasha256`. */
  readonly bodyMatches: boolean;
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
  /** Effects whose cause was not logged before them, by the cause's id. */
  readonly #awaitingCause = new Map<string, Array<{ leafIndex: number; id: string; time: string }>>();
  readonly #offsets = new Map<string, { offset: bigint; leafIndex: number }>();
  readonly #sequences = new Map<string, { sequence: bigint; leafIndex: number }>();
  readonly #tracker = new SequenceTracker();
  #next = 0;
  #checkpointAt = 0;
  #verified = 0;

  constructor(options: LogVerifierOptions) {
    this.#o = options;
    for (const cp of [...options.checkpoints].sort((a, b) => a.size - b.size)) {
      const opened = this.#openCheckpoint(cp);
      if (opened) this.#checkpoints.push({ ...cp, root: opened.root, extensions: opened.extensions ?? [] });
    }
    this.#checkRoots();
  }

  /**
   * Adds the next entry (entries must come in increasing leaf index). Answers what it computed of the entry: its
   * leaf hash, its attributes and whether its body matches, for the replay's other checks.
   */
  add(entry: VerifiableEntry): CheckedEntry {
    const at = { leafIndex: entry.leafIndex };
    if (entry.leafIndex < this.#next) {
      this.#report('LEAF_INDEX_INVALID', `leaf ${entry.leafIndex} was returned after leaf ${this.#next - 1}`, at);
      return { leafHash: leafHash(entry.canonical), bodyMatches: false };
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
    const bodyMatches = attributes ? this.#checkEntry(entry, attributes, hash) : false;
    this.#checkRoots();
    return attributes ? { leafHash: hash, attributes, bodyMatches } : { leafHash: hash, bodyMatches };
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
    for (const [cause, effects] of this.#awaitingCause) {
      for (const effect of effects) {
        this.#report('CAUSE_UNKNOWN', `leaf ${effect.leafIndex}: its cause ${cause} is not in the log`, {
          leafIndex: effect.leafIndex,
          eventId: effect.id,
        });
      }
    }
    if (this.#o.bus) this.#findings.push(...this.#o.bus.finish());
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
        busEventsMatched: this.#o.bus?.matched() ?? 0,
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

  /** Checks one decoded entry; answers whether its body matches the leaf. */
  #checkEntry(entry: VerifiableEntry, attributes: LeafAttributes, hash: Uint8Array): boolean {
    const at = { leafIndex: entry.leafIndex, eventId: attributes.id };
    const bodyHash = entry.data ? sha256(entry.data) : entry.dataSha256;
    const bodyMatches = bodyHash !== undefined && equal(bodyHash, attributes.dataSha256);
    if (bodyHash && !bodyMatches) {
      this.#report('BODY_MISMATCH', `leaf ${entry.leafIndex}: the stored body does not hash to the leaf's`, at);
    }
    const columns = entry.columns;
    // compared by name (no array of pairs per entry); a difference is reported in the order the source gives them
    if (columns !== undefined && !columnsMatch(columns, attributes)) {
      for (const [column, value] of Object.entries(columns)) {
        if (value !== undefined && value !== attributes[column as keyof typeof columns]) {
          this.#report('ENTRY_MISMATCH', `leaf ${entry.leafIndex}: stored ${column} differs from the leaf`, at);
        }
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
      return bodyMatches;
    }
    this.#ids.set(attributes.id, entry.leafIndex);
    this.#checkCausation(entry, attributes);
    const sequence = BigInt(attributes.sequence);
    const fresh = this.#tracker.add(attributes.source, sequence, attributes.id);
    this.#checkOrder(entry, attributes, sequence, fresh);
    this.#o.bus?.addLog(attributes.id, entry.leafIndex, hash);
    return bodyMatches;
  }

  /**
   * Causation: an effect's cause must be in the log. Before it, by leaf order; or later (the log reads topics
   * independently: CAUSE_LOGGED_AFTER, a notice) but not dated after it (CAUSE_AFTER_EFFECT). Causes never seen are
   * reported at the end (CAUSE_UNKNOWN). Only effects waiting for a cause are kept in memory.
   */
  #checkCausation(entry: VerifiableEntry, attributes: LeafAttributes): void {
    const effects = this.#awaitingCause.get(attributes.id);
    if (effects) {
      this.#awaitingCause.delete(attributes.id);
      for (const effect of effects) {
        const at = { leafIndex: effect.leafIndex, eventId: effect.id };
        if (Date.parse(attributes.time) > Date.parse(effect.time)) {
          this.#report(
            'CAUSE_AFTER_EFFECT',
            `leaf ${effect.leafIndex}: its cause ${attributes.id} (leaf ${entry.leafIndex}) is dated ${attributes.time}, after it (${effect.time})`,
            at,
          );
        } else {
          this.#report(
            'CAUSE_LOGGED_AFTER',
            `leaf ${effect.leafIndex}: its cause ${attributes.id} is logged later, at leaf ${entry.leafIndex}`,
            at,
          );
        }
      }
    }
    const cause = entry.causationId;
    if (cause === undefined || cause === '' || this.#ids.has(cause)) return;
    const waiting = this.#awaitingCause.get(cause) ?? [];
    waiting.push({ leafIndex: entry.leafIndex, id: attributes.id, time: attributes.time });
    this.#awaitingCause.set(cause, waiting);
  }

  /** Offsets per partition, and (for numbers not repeated) sequences per source within a partition, increase. */
  #checkOrder(entry: VerifiableEntry, attributes: LeafAttributes, sequence: bigint, freshSequence: boolean): void {
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
}

/**
 * Whether every column the source gave equals the leaf's attribute of that name. It walks {@link STORED_COLUMNS},
 * the list the entry's `columns` type is made from, so a column added there is compared here too.
 */
function columnsMatch(columns: NonNullable<VerifiableEntry['columns']>, a: LeafAttributes): boolean {
  for (const column of STORED_COLUMNS) {
    const value = columns[column];
    if (value !== undefined && value !== a[column]) return false;
  }
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
