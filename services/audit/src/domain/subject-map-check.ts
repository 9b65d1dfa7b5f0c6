import {
  CompactMap,
  emptySubjectChain,
  extendSubjectChain,
  isMerkleError,
  type SubjectChain,
  subjectMapRoot,
  subjectMapValue,
} from '@onceonly/merkle';
import { type Finding, finding } from '@onceonly/replay';
import { subjectKeyOf } from './subject-key.js';

/** One leaf of the log as the check reads it: its index, the subject its event names, and its leaf hash. */
export interface SubjectMapLeaf {
  readonly leafIndex: number;
  readonly subject: string;
  readonly leafHash: Uint8Array;
}

/** A checkpoint whose signature was already verified: its size and its extension lines. */
export interface SignedMapCheckpoint {
  readonly size: number;
  readonly extensions?: readonly string[];
}

/**
 * Recomputes the subject map from the log's leaves and compares its root with every checkpoint's
 * `onceonly-subject-map` line (ADR 006): the check a bundle cannot make. A log that signed a map leaving out one of
 * a subject's entries serves bundles that verify; this names it (SUBJECT_MAP_MISMATCH at that checkpoint's size).
 * Checkpoints without the line (signed before the map existed) are skipped. Incremental, as the service updates
 * it: per checkpoint, the subjects changed since the previous one are set in a {@link CompactMap} (about two nodes per
 * subject, each subtree's hash cached), whose root is the map's. Memory grows with the subjects (a few hundred bytes
 * each), so this suits logs of millions of subjects.
 */
export async function checkSubjectMap(
  leaves: AsyncIterable<SubjectMapLeaf> | Iterable<SubjectMapLeaf>,
  checkpoints: readonly SignedMapCheckpoint[],
): Promise<Finding[]> {
  const check = SubjectMapCheck.start(checkpoints);
  for await (const leaf of leaves) if (!check.add(leaf)) break;
  return check.findings;
}

/**
 * {@link checkSubjectMap} fed one leaf at a time, for a replay that streams the log once for all its checks. `add`
 * answers false once the check has stopped (a hole, a leaf out of order, or {@link stop}: the map is not compared
 * past a leaf it cannot read; LogVerifier names those).
 */
export class SubjectMapCheck {
  readonly findings: Finding[] = [];
  readonly #pending: SignedMapCheckpoint[];
  readonly #map = new CompactMap();
  /** Per subject: its map key (undefined: a subject the map cannot hold) and its chain so far. */
  readonly #subjects = new Map<string, { key: Uint8Array | undefined; chain: SubjectChain }>();
  readonly #changed = new Set<string>();
  #size = 0;
  #stopped = false;

  private constructor(checkpoints: readonly SignedMapCheckpoint[]) {
    this.#pending = [...checkpoints].sort((a, b) => a.size - b.size);
  }

  /** A check of these (signature-verified) checkpoints, the empty tree's compared at once. */
  static start(checkpoints: readonly SignedMapCheckpoint[]): SubjectMapCheck {
    const check = new SubjectMapCheck(checkpoints);
    check.#reach();
    return check;
  }

  /** Adds the next leaf (index = the number added so far), comparing any checkpoint of the new size. */
  add(leaf: SubjectMapLeaf): boolean {
    if (this.#stopped) return false;
    if (leaf.leafIndex !== this.#size) {
      this.#stopped = true; // holes and disorder are LogVerifier's findings; the map stops here
      return false;
    }
    let subject = this.#subjects.get(leaf.subject);
    if (subject === undefined) {
      subject = { key: subjectKeyOf(leaf.subject), chain: emptySubjectChain() };
      this.#subjects.set(leaf.subject, subject);
    }
    if (subject.key) {
      subject.chain = extendSubjectChain(subject.chain, leaf.leafIndex, leaf.leafHash);
      this.#changed.add(leaf.subject);
    }
    this.#size++;
    this.#reach();
    return true;
  }

  /** Stops comparing (a leaf whose subject cannot be read). */
  stop(): void {
    this.#stopped = true;
  }

  #reach(): void {
    while (this.#pending[0] !== undefined && this.#pending[0].size === this.#size)
      this.#compare(this.#pending.shift()!);
  }

  #compare(checkpoint: SignedMapCheckpoint): void {
    let signed: Uint8Array | undefined;
    try {
      signed = subjectMapRoot({ extensions: [...(checkpoint.extensions ?? [])] });
    } catch (err) {
      if (!isMerkleError(err)) throw err;
      this.findings.push(
        finding('MAP_ROOT_MISSING', `checkpoint ${checkpoint.size}: ${err.reason}`, { size: checkpoint.size }),
      );
      return;
    }
    if (signed === undefined) return;
    for (const name of this.#changed) {
      const subject = this.#subjects.get(name)!;
      this.#map.set(subject.key!, subjectMapValue(subject.chain));
    }
    this.#changed.clear();
    if (!Buffer.from(this.#map.root()).equals(Buffer.from(signed))) {
      this.findings.push(
        finding(
          'SUBJECT_MAP_MISMATCH',
          `checkpoint ${checkpoint.size}: the signed subject map is not the map of the log's first ${checkpoint.size} leaves`,
          { size: checkpoint.size },
        ),
      );
    }
  }
}
