import { mapKey } from './map-hash.js';
import { MemoryMap } from './sparse-map.js';
import { emptySubjectChain, extendSubjectChain, type SubjectChain, subjectMapValue } from './subject-chain.js';

/** One log leaf as replay reads it: the subject its event names and its RFC 9162 leaf hash, in log order. */
export interface SubjectLeaf {
  readonly subject: string;
  readonly leafHash: Uint8Array;
}

/** The subject map recomputed from the log: its root, every subject's chain, and the map itself (for proofs). */
export interface ReplayedSubjectMap {
  readonly root: Uint8Array;
  readonly chains: ReadonlyMap<string, SubjectChain>;
  readonly map: MemoryMap;
}

/**
 * Recomputes the subject map from the first leaves of the log (leaf i is `leaves[i]`). A bundle cannot show that the
 * map itself left an entry out; replay can: the root from here must equal the checkpoint's `onceonly-subject-map`
 * line at `leaves.length`. In memory, so for replay and tests, not for a log of millions (see ADR 006).
 */
export async function replaySubjectMap(leaves: readonly SubjectLeaf[]): Promise<ReplayedSubjectMap> {
  const chains = new Map<string, SubjectChain>();
  leaves.forEach(({ subject, leafHash }, index) => {
    chains.set(subject, extendSubjectChain(chains.get(subject) ?? emptySubjectChain(), index, leafHash));
  });
  const map = new MemoryMap();
  const entries = [...chains].map(([subject, chain]) => ({ key: mapKey(subject), value: subjectMapValue(chain) }));
  const { root } = await map.setMany(entries);
  return { root, chains, map };
}
