import { describe, expect, it } from 'vitest';
import { flipBit, rejects } from '../test/helpers.js';
import { CONSISTENCY_PROOFS, EMPTY_ROOT, INCLUSION_PROOFS, RFC6962_LEAVES, RFC6962_ROOTS } from '../test/vectors.js';
import { leafHash, rootOf } from './hash.js';
import { MemoryTree } from './memory-tree.js';
import { consistencyProof, inclusionProof, treeRoot } from './proofs.js';
import type { HashReader } from './reader.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const LEAF_HASHES = RFC6962_LEAVES.map(leafHash);
const TREE = MemoryTree.from(LEAF_HASHES);
const rootAt = (size: number) => RFC6962_ROOTS[size - 1]!;

/** A reader that only serves leaves: every interior hash is recomputed. */
function leavesOnly(leaves: readonly Uint8Array[]): HashReader {
  return { size: leaves.length, leaf: (i) => Promise.resolve(leaves[i]!) };
}

/** A reader that keeps only the levels for which `keep(level)` holds, like sparse tile storage. */
function sparse(tree: MemoryTree, keep: (level: number) => boolean): HashReader {
  return {
    size: tree.size,
    leaf: (i) => tree.leaf(i),
    node: (level, index) => (keep(level) ? tree.node(level, index) : Promise.resolve(undefined)),
  };
}

/** Wraps a reader and counts its reads. */
function counting(inner: HashReader): { reader: HashReader; reads: () => number } {
  let reads = 0;
  const reader: HashReader = {
    size: inner.size,
    leaf: (i) => {
      reads++;
      return inner.leaf(i);
    },
    node: (l, i) => {
      reads++;
      return inner.node!(l, i);
    },
  };
  return { reader, reads: () => reads };
}

const pairs = (max: number) =>
  Array.from({ length: max }, (_, s) => Array.from({ length: s + 1 }, (_, i) => [i, s + 1] as const)).flat();

describe('inclusion proofs', () => {
  describe('against the published vectors of transparency-dev/merkle', () => {
    it.each(INCLUSION_PROOFS)('builds and verifies the proof for leaf $index in a tree of $size', async (v) => {
      expect(await inclusionProof(TREE, v.index, v.size)).toEqual(v.proof);
      expect(verifyInclusion(LEAF_HASHES[v.index]!, v.index, v.size, v.proof, rootAt(v.size))).toBe(true);
    });
  });

  // Computed by us: every (index, size <= 8) of the RFC 6962 test tree, checked against the published roots.
  describe.each(pairs(8))('for leaf %i in a tree of %i', (index, size) => {
    const leaf = LEAF_HASHES[index]!;
    const root = rootAt(size);

    it('is the same from stored nodes, from leaves only and from sparse storage, and verifies', async () => {
      const proof = await inclusionProof(TREE, index, size);
      expect(await inclusionProof(leavesOnly(LEAF_HASHES), index, size)).toEqual(proof);
      expect(
        await inclusionProof(
          sparse(TREE, (l) => l % 2 === 0),
          index,
          size,
        ),
      ).toEqual(proof);
      expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
    });

    it('fails when any single bit of the proof is flipped', async () => {
      const proof = await inclusionProof(TREE, index, size);
      for (let i = 0; i < proof.length; i++) {
        for (let bit = 0; bit < 256; bit++) {
          expect(rejects(() => verifyInclusion(leaf, index, size, flipBit(proof, i, bit), root))).toBe(true);
        }
      }
    });

    it('fails for any other index, root or leaf', async () => {
      const proof = await inclusionProof(TREE, index, size);
      for (let other = 0; other < 16; other++) {
        if (other !== index) expect(rejects(() => verifyInclusion(leaf, other, size, proof, root))).toBe(true);
      }
      for (const other of [...RFC6962_ROOTS, EMPTY_ROOT].filter((r) => r !== root)) {
        expect(rejects(() => verifyInclusion(leaf, index, size, proof, other))).toBe(true);
      }
      for (let bit = 0; bit < 256; bit++) {
        expect(rejects(() => verifyInclusion(leaf, index, size, proof, flipBit([root], 0, bit)[0]!))).toBe(true);
        expect(rejects(() => verifyInclusion(flipBit([leaf], 0, bit)[0]!, index, size, proof, root))).toBe(true);
      }
    });

    // RFC 9162 verification binds the size only together with its root: the same hashes can verify for (index, n')
    // against root(n), a pair no honest tree has (it would need a leaf hash equal to a node hash). So the check is
    // against each other size's real root, plus the size * 2 and size / 2 probes of transparency-dev/merkle.
    it("fails for any other tree size with that size's root, and for size * 2 and size / 2", async () => {
      const proof = await inclusionProof(TREE, index, size);
      for (let other = 1; other <= 8; other++) {
        if (other !== size) expect(rejects(() => verifyInclusion(leaf, index, other, proof, rootAt(other)))).toBe(true);
      }
      expect(rejects(() => verifyInclusion(leaf, index, size * 2, proof, root))).toBe(true);
      expect(rejects(() => verifyInclusion(leaf, index, Math.floor(size / 2), proof, root))).toBe(true);
    });

    it('fails with a hash added, removed or duplicated', async () => {
      const proof = await inclusionProof(TREE, index, size);
      expect(rejects(() => verifyInclusion(leaf, index, size, [...proof, root], root))).toBe(true);
      expect(rejects(() => verifyInclusion(leaf, index, size, [root, ...proof], root))).toBe(true);
      if (proof.length > 0) expect(rejects(() => verifyInclusion(leaf, index, size, proof.slice(1), root))).toBe(true);
      if (proof.length > 0)
        expect(rejects(() => verifyInclusion(leaf, index, size, proof.slice(0, -1), root))).toBe(true);
    });
  });

  describe('when the input is malformed', () => {
    it('throws INDEX_OUT_OF_RANGE for an index at or beyond the size', async () => {
      expect(() => verifyInclusion(LEAF_HASHES[0]!, 3, 3, [], rootAt(3))).toThrow(
        expect.objectContaining({ reason: 'INDEX_OUT_OF_RANGE' }),
      );
      expect(() => verifyInclusion(LEAF_HASHES[0]!, 0, 0, [], EMPTY_ROOT)).toThrow(
        expect.objectContaining({ reason: 'INDEX_OUT_OF_RANGE' }),
      );
      expect(() => verifyInclusion(LEAF_HASHES[0]!, -1, 3, [], rootAt(3))).toThrow(
        expect.objectContaining({ reason: 'INDEX_OUT_OF_RANGE' }),
      );
      await expect(inclusionProof(TREE, 8, 8)).rejects.toMatchObject({ reason: 'INDEX_OUT_OF_RANGE' });
    });

    it('throws PROOF_LENGTH for a proof of the wrong length', () => {
      const { index, size, proof } = INCLUSION_PROOFS[0]!;
      expect(() => verifyInclusion(LEAF_HASHES[index]!, index, size, proof.slice(1), rootAt(size))).toThrow(
        expect.objectContaining({ reason: 'PROOF_LENGTH' }),
      );
    });

    it('throws HASH_LENGTH for a short hash', () => {
      const { index, size, proof } = INCLUSION_PROOFS[0]!;
      const short = [proof[0]!.subarray(1), ...proof.slice(1)];
      expect(() => verifyInclusion(LEAF_HASHES[index]!, index, size, short, rootAt(size))).toThrow(
        expect.objectContaining({ reason: 'HASH_LENGTH' }),
      );
      expect(() => verifyInclusion(new Uint8Array(0), index, size, proof, rootAt(size))).toThrow(
        expect.objectContaining({ reason: 'HASH_LENGTH' }),
      );
    });

    it('throws INVALID_SIZE for a tree larger than the reader, a fractional or a negative size', async () => {
      await expect(inclusionProof(TREE, 0, 9)).rejects.toMatchObject({ reason: 'INVALID_SIZE' });
      expect(() => verifyInclusion(LEAF_HASHES[0]!, 0, 1.5, [], rootAt(1))).toThrow(
        expect.objectContaining({ reason: 'INVALID_SIZE' }),
      );
      expect(() => verifyInclusion(LEAF_HASHES[0]!, 0, -1, [], rootAt(1))).toThrow(
        expect.objectContaining({ reason: 'INVALID_SIZE' }),
      );
    });

    it('throws READER_INCONSISTENT when storage returns a wrongly sized hash', async () => {
      const broken: HashReader = { size: 4, leaf: () => Promise.resolve(new Uint8Array(31)) };
      await expect(inclusionProof(broken, 0, 4)).rejects.toMatchObject({ reason: 'READER_INCONSISTENT' });
    });
  });
});

describe('consistency proofs', () => {
  describe('against the published vectors of transparency-dev/merkle', () => {
    it.each(CONSISTENCY_PROOFS)('builds and verifies the proof from $size1 to $size2', async (v) => {
      expect(await consistencyProof(TREE, v.size1, v.size2)).toEqual(v.proof);
      expect(verifyConsistency(v.size1, v.size2, v.proof, rootAt(v.size1), rootAt(v.size2))).toBe(true);
    });
  });

  const sizePairs = pairs(8)
    .map(([a, b]) => [a + 1, b] as const)
    .filter(([a, b]) => a < b);

  // Computed by us: every 1 <= size1 < size2 <= 8 of the RFC 6962 test tree, checked against the published roots.
  describe.each(sizePairs)('from size %i to size %i', (size1, size2) => {
    const root1 = rootAt(size1);
    const root2 = rootAt(size2);

    it('is the same from stored nodes and from leaves only, and verifies', async () => {
      const proof = await consistencyProof(TREE, size1, size2);
      expect(await consistencyProof(leavesOnly(LEAF_HASHES), size1, size2)).toEqual(proof);
      expect(verifyConsistency(size1, size2, proof, root1, root2)).toBe(true);
    });

    it('fails when any single bit of the proof is flipped', async () => {
      const proof = await consistencyProof(TREE, size1, size2);
      for (let i = 0; i < proof.length; i++) {
        for (let bit = 0; bit < 256; bit++) {
          expect(rejects(() => verifyConsistency(size1, size2, flipBit(proof, i, bit), root1, root2))).toBe(true);
        }
      }
    });

    // As for inclusion, sizes are bound together with their roots; the probes are those of transparency-dev/merkle.
    it('fails for any other pair of sizes with their roots, for the size probes, for swapped or altered roots', async () => {
      const proof = await consistencyProof(TREE, size1, size2);
      const realRoot = (size: number) => (size === 0 ? EMPTY_ROOT : rootAt(size));
      for (let a = 0; a <= 8; a++) {
        for (let b = a; b <= 8; b++) {
          if (a === size1 && b === size2) continue;
          expect(rejects(() => verifyConsistency(a, b, proof, realRoot(a), realRoot(b)))).toBe(true);
        }
      }
      for (const [a, b] of [
        [size1 - 1, size2],
        [size1 + 1, size2],
        [size1 ^ 2, size2],
        [size1, size2 * 2],
        [size1, Math.floor(size2 / 2)],
      ] as const) {
        expect(rejects(() => verifyConsistency(a, b, proof, root1, root2))).toBe(true);
      }
      expect(rejects(() => verifyConsistency(size1, size2, proof, root2, root1))).toBe(true);
      for (let bit = 0; bit < 256; bit++) {
        expect(rejects(() => verifyConsistency(size1, size2, proof, flipBit([root1], 0, bit)[0]!, root2))).toBe(true);
        expect(rejects(() => verifyConsistency(size1, size2, proof, root1, flipBit([root2], 0, bit)[0]!))).toBe(true);
      }
    });

    it('fails with a hash added, removed or emptied', async () => {
      const proof = await consistencyProof(TREE, size1, size2);
      expect(rejects(() => verifyConsistency(size1, size2, [], root1, root2))).toBe(true);
      expect(rejects(() => verifyConsistency(size1, size2, [...proof, root2], root1, root2))).toBe(true);
      expect(rejects(() => verifyConsistency(size1, size2, [root1, ...proof], root1, root2))).toBe(true);
      expect(rejects(() => verifyConsistency(size1, size2, proof.slice(0, -1), root1, root2))).toBe(true);
    });
  });

  describe('at the edges the RFC leaves open', () => {
    it('accepts equal sizes with an empty proof and equal roots only', async () => {
      expect(await consistencyProof(TREE, 5, 5)).toEqual([]);
      expect(verifyConsistency(5, 5, [], rootAt(5), rootAt(5))).toBe(true);
      expect(verifyConsistency(5, 5, [], rootAt(5), rootAt(6))).toBe(false);
      expect(() => verifyConsistency(5, 5, [rootAt(5)], rootAt(5), rootAt(5))).toThrow(
        expect.objectContaining({ reason: 'PROOF_LENGTH' }),
      );
    });

    it('accepts any tree as an extension of the empty tree, given the empty root', async () => {
      expect(await consistencyProof(TREE, 0, 8)).toEqual([]);
      expect(verifyConsistency(0, 8, [], EMPTY_ROOT, rootAt(8))).toBe(true);
      expect(verifyConsistency(0, 8, [], rootAt(1), rootAt(8))).toBe(false);
      expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(true);
    });

    it('throws INVALID_SIZE when size1 exceeds size2', async () => {
      expect(() => verifyConsistency(3, 2, [], rootAt(3), rootAt(2))).toThrow(
        expect.objectContaining({ reason: 'INVALID_SIZE' }),
      );
      await expect(consistencyProof(TREE, 3, 2)).rejects.toMatchObject({ reason: 'INVALID_SIZE' });
    });
  });
});

describe('reads against storage that keeps interior nodes', () => {
  it('stay logarithmic for proofs and roots in a tree of 5000 leaves', async () => {
    const leaves = Array.from({ length: 5000 }, (_, i) => leafHash(Uint8Array.of(i & 0xff, i >> 8)));
    const tree = MemoryTree.from(leaves);
    // 5000 < 2^13: a path has at most 13 siblings, of which one may be a ragged range of at most 13 subtrees.
    for (const [index, size] of [
      [0, 5000],
      [4999, 5000],
      [2047, 4097],
      [1234, 3333],
    ] as const) {
      const { reader, reads } = counting(tree);
      const proof = await inclusionProof(reader, index, size);
      expect(reads()).toBeLessThanOrEqual(26);
      expect(verifyInclusion(leaves[index]!, index, size, proof, rootOf(leaves.slice(0, size)))).toBe(true);
    }
    // A perfect tree: each of the 12 siblings is one stored node (or leaf), one read each.
    const perfect = counting(tree);
    await inclusionProof(perfect.reader, 0, 4096);
    expect(perfect.reads()).toBe(12);
    const c = counting(tree);
    const proof = await consistencyProof(c.reader, 1234, 4999);
    expect(c.reads()).toBeLessThanOrEqual(26);
    expect(verifyConsistency(1234, 4999, proof, tree.root(1234), tree.root(4999))).toBe(true);
    const r = counting(tree);
    expect(await treeRoot(r.reader, 4999)).toEqual(rootOf(leaves.slice(0, 4999)));
    expect(r.reads()).toBeLessThanOrEqual(13);
  });
});
