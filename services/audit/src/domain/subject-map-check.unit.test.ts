import {
  emptySubjectChain,
  extendSubjectChain,
  MemoryMap,
  mapKey,
  type SubjectChain,
  subjectMapExtension,
  subjectMapValue,
} from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { signedLog } from '../../test/fixtures.js';
import { checkSubjectMap, type SubjectMapLeaf } from './subject-map-check.js';

/** The map root of the first `size` leaves, optionally leaving one leaf out (what a lying log would sign). */
async function rootOf(leaves: readonly SubjectMapLeaf[], size: number, leaveOut?: number): Promise<Uint8Array> {
  const chains = new Map<string, SubjectChain>();
  for (const leaf of leaves.slice(0, size)) {
    if (leaf.leafIndex === leaveOut) continue;
    chains.set(
      leaf.subject,
      extendSubjectChain(chains.get(leaf.subject) ?? emptySubjectChain(), leaf.leafIndex, leaf.leafHash),
    );
  }
  const { root } = await new MemoryMap().setMany(
    [...chains].map(([s, c]) => ({ key: mapKey(s), value: subjectMapValue(c) })),
  );
  return root;
}

async function logOf(n: number) {
  const log = await signedLog(n, []);
  return log.events.map((e, i) => ({ leafIndex: i, subject: e.subject, leafHash: log.leaves[i]!.hash }));
}

const line = (root: Uint8Array) => [subjectMapExtension(root)];

describe('recomputing the subject map in a replay', () => {
  it('finds nothing when every checkpoint signs the map of its leaves, and skips checkpoints without the line', async () => {
    const leaves = await logOf(10);
    const checkpoints = [
      { size: 0, extensions: line(await rootOf(leaves, 0)) },
      { size: 3 },
      { size: 4, extensions: line(await rootOf(leaves, 4)) },
      { size: 10, extensions: line(await rootOf(leaves, 10)) },
    ];
    expect(await checkSubjectMap(leaves, checkpoints)).toEqual([]);
  });

  it('names the checkpoint whose signed map leaves out one of a subject’s entries', async () => {
    const leaves = await logOf(10);
    const checkpoints = [
      { size: 4, extensions: line(await rootOf(leaves, 4)) },
      { size: 10, extensions: line(await rootOf(leaves, 10, 5)) },
    ];
    const findings = await checkSubjectMap(leaves, checkpoints);
    expect(findings.map((f) => [f.kind, f.size])).toEqual([['SUBJECT_MAP_MISMATCH', 10]]);
  });

  it('names a checkpoint with two map lines', async () => {
    const leaves = await logOf(4);
    const root = await rootOf(leaves, 4);
    const findings = await checkSubjectMap(leaves, [{ size: 4, extensions: [...line(root), ...line(root)] }]);
    expect(findings.map((f) => [f.kind, f.size])).toEqual([['MAP_ROOT_MISSING', 4]]);
  });
});
