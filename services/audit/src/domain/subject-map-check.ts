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
  const pending = [...checkpoints].sort((a, b) => a.size - b.size);
  const state = { map: new MemoryMap(), chains: new Map<string, { key: Uint8Array; chain: SubjectChain }>() };
  const changed = new Set<string>();
  const findings: Finding[] = [];
  let size = 0;
  const reach = async () => {
    while (pending[0] !== undefined && pending[0].size === size)
      await compare(pending.shift()!, state, changed, findings);
  };
  await reach();
  for await (const leaf of leaves) {
    if (leaf.leafIndex !== size) break; // holes and disorder are LogVerifier's findings; the map stops here
    const key = subjectKeyOf(leaf.subject);
    if (key) changed.add(extend(state.chains, key, leaf));
    size++;
    await reach();
  }
  return findings;
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
