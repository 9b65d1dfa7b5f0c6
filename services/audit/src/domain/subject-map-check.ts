import {
  emptySubjectChain,
  extendSubjectChain,
  isMerkleError,
  MemoryMap,
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
 * it: per checkpoint, one update of the subjects changed since the previous one. Memory grows with the map (about
 * 257 − log2(S) nodes per subject), so this suits logs of up to some hundred thousand subjects.
 */
export async function checkSubjectMap(
  leaves: AsyncIterable<SubjectMapLeaf> | Iterable<SubjectMapLeaf>,
  checkpoints: readonly SignedMapCheckpoint[],
): Promise<Finding[]> {
  const check = await SubjectMapCheck.start(checkpoints);
  for await (const leaf of leaves) if (!(await check.add(leaf))) break;
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
  readonly #state = { map: new MemoryMap(), chains: new Map<string, { key: Uint8Array; chain: SubjectChain }>() };
  readonly #changed = new Set<string>();
  #size = 0;
  #stopped = false;

  private constructor(checkpoints: readonly SignedMapCheckpoint[]) {
    this.#pending = [...checkpoints].sort((a, b) => a.size - b.size);
  }

  /** A check of these (signature-verified) checkpoints, the empty tree's compared at once. */
  static async start(checkpoints: readonly SignedMapCheckpoint[]): Promise<SubjectMapCheck> {
    const check = new SubjectMapCheck(checkpoints);
    await check.#reach();
    return check;
  }

  /** Adds the next leaf (index = the number added so far), comparing any checkpoint of the new size. */
  async add(leaf: SubjectMapLeaf): Promise<boolean> {
    if (this.#stopped) return false;
    if (leaf.leafIndex !== this.#size) {
      this.#stopped = true; // holes and disorder are LogVerifier's findings; the map stops here
      return false;
    }
    const key = subjectKeyOf(leaf.subject);
    if (key) this.#changed.add(extend(this.#state.chains, key, leaf));
    this.#size++;
    await this.#reach();
    return true;
  }

  /** Stops comparing (a leaf whose subject cannot be read). */
  stop(): void {
    this.#stopped = true;
  }

  async #reach(): Promise<void> {
    while (this.#pending[0] !== undefined && this.#pending[0].size === this.#size)
      await compare(this.#pending.shift()!, this.#state, this.#changed, this.findings);
  }
}

function extend(
  chains: Map<string, { key: Uint8Array; chain: SubjectChain }>,
  key: Uint8Array,
  leaf: SubjectMapLeaf,
): string {
  const id = Buffer.from(key).toString('hex');
  const chain = extendSubjectChain(chains.get(id)?.chain ?? emptySubjectChain(), leaf.leafIndex, leaf.leafHash);
  chains.set(id, { key, chain });
  return id;
}

async function compare(
  checkpoint: SignedMapCheckpoint,
  state: { map: MemoryMap; chains: Map<string, { key: Uint8Array; chain: SubjectChain }> },
  changed: Set<string>,
  findings: Finding[],
): Promise<void> {
  let signed: Uint8Array | undefined;
  try {
    signed = subjectMapRoot({ extensions: [...(checkpoint.extensions ?? [])] });
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    findings.push(
      finding('MAP_ROOT_MISSING', `checkpoint ${checkpoint.size}: ${err.reason}`, { size: checkpoint.size }),
    );
    return;
  }
  if (signed === undefined) return;
  const entries = [...changed]
    .map((id) => state.chains.get(id)!)
    .map((c) => ({ key: c.key, value: subjectMapValue(c.chain) }));
  changed.clear();
  const { root } = await state.map.setMany(entries);
  if (!Buffer.from(root).equals(Buffer.from(signed))) {
    findings.push(
      finding(
        'SUBJECT_MAP_MISMATCH',
        `checkpoint ${checkpoint.size}: the signed subject map is not the map of the log's first ${checkpoint.size} leaves`,
        { size: checkpoint.size },
      ),
    );
  }
}
