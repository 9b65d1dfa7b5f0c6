import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange } from './compact-range.js';
import { leafHash, rootOf } from './hash.js';
import { MemoryTree } from './memory-tree.js';
import { consistencyProof, inclusionProof, treeRoot } from './proofs.js';
import type { HashReader } from './reader.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

// Random trees of up to a few hundred leaves; each leaf is the leaf hash of a few random bytes.
const tree = fc
  .array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 300 })
  .map((data) => data.map(leafHash));
const treeAndIndex = tree.chain((leaves) =>
  fc
    .integer({ min: 1, max: leaves.length })
    .chain((size) => fc.tuple(fc.constant(leaves), fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
);
const treeAndSizes = tree.chain((leaves) =>
  fc
    .integer({ min: 0, max: leaves.length })
    .chain((size2) => fc.tuple(fc.constant(leaves), fc.integer({ min: 0, max: size2 }), fc.constant(size2))),
);

function leavesOnly(leaves: readonly Uint8Array[]): HashReader {
  return { size: leaves.length, leaf: (i) => Promise.resolve(leaves[i]!) };
}

describe('on random trees', () => {
  it('every inclusion proof verifies, from stored nodes or from leaves alone', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndIndex, async ([leaves, size, index]) => {
        const proof = await inclusionProof(MemoryTree.from(leaves), index, size);
        expect(await inclusionProof(leavesOnly(leaves), index, size)).toEqual(proof);
        expect(verifyInclusion(leaves[index]!, index, size, proof, rootOf(leaves.slice(0, size)))).toBe(true);
      }),
    );
  });

  it('every consistency proof verifies', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndSizes, async ([leaves, size1, size2]) => {
        const proof = await consistencyProof(MemoryTree.from(leaves), size1, size2);
        const root1 = rootOf(leaves.slice(0, size1));
        const root2 = rootOf(leaves.slice(0, size2));
        expect(verifyConsistency(size1, size2, proof, root1, root2)).toBe(true);
      }),
    );
  });

  it('MemoryTree, CompactRange and treeRoot agree with rootOf at every size', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndSizes, async ([leaves, cut]) => {
        const memory = MemoryTree.from(leaves);
        const range = CompactRange.empty();
        for (const h of leaves.slice(0, cut)) range.append(h);
        expect(range.root()).toEqual(rootOf(leaves.slice(0, cut)));
        expect(memory.root(cut)).toEqual(range.root());
        expect(await treeRoot(memory, cut)).toEqual(range.root());
        for (const h of leaves.slice(cut)) range.append(h);
        expect(range.root()).toEqual(rootOf(leaves));
      }),
    );
  });

  it('a proof from one tree does not verify against the root of a different tree', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndIndex, tree, async ([leaves, size, index], others) => {
        const other = leaves.map((h, i) => others[i % others.length] ?? h);
        const otherRoot = rootOf(other.slice(0, size));
        fc.pre(!Buffer.from(otherRoot).equals(rootOf(leaves.slice(0, size))));
        const proof = await inclusionProof(MemoryTree.from(leaves), index, size);
        expect(verifyInclusion(leaves[index]!, index, size, proof, otherRoot)).toBe(false);
        const consistency = await consistencyProof(MemoryTree.from(leaves), index + 1, size);
        if (index + 1 < size) {
          const root1 = rootOf(leaves.slice(0, index + 1));
          expect(verifyConsistency(index + 1, size, consistency, root1, otherRoot)).toBe(false);
        }
      }),
    );
  });
});
