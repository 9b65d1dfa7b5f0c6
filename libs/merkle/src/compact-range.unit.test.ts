import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, RFC6962_LEAVES, RFC6962_ROOTS } from '../test/vectors.js';
import { CompactRange } from './compact-range.js';
import { leafHash, rootOf } from './hash.js';
import { MemoryTree } from './memory-tree.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i & 0xff, i >> 8)));

describe('CompactRange', () => {
  it('starts at the empty root', () => {
    expect(CompactRange.empty().root()).toEqual(EMPTY_ROOT);
    expect(CompactRange.empty().size).toBe(0);
  });

  it('gives the published roots of the RFC 6962 test tree after each append', () => {
    const range = CompactRange.empty();
    RFC6962_LEAVES.forEach((data, i) => {
      range.append(leafHash(data));
      expect(range.root()).toEqual(RFC6962_ROOTS[i]);
    });
  });

  it('keeps one hash per set bit of the size', () => {
    const range = CompactRange.empty();
    for (const [i, h] of leaves(100).entries()) {
      range.append(h);
      expect(range.hashes()).toHaveLength((i + 1).toString(2).replaceAll('0', '').length);
    }
  });

  it('reports the leaf and every subtree an append completes, as MemoryTree stores them', async () => {
    const hashes = leaves(37);
    const tree = MemoryTree.from(hashes);
    const range = CompactRange.empty();
    const reported = hashes.flatMap((h) => range.append(h));
    expect(reported).toHaveLength(2 * 37 - 3); // 37 leaves + 34 interior nodes (37 minus its 3 set bits)
    for (const node of reported) expect(await tree.node(node.level, node.index)).toEqual(node.hash);
    const again = CompactRange.empty();
    const perAppend = hashes.map((h) => again.append(h).map((n) => [n.level, n.index]));
    expect(perAppend[35]).toEqual([
      [0, 35],
      [1, 17],
      [2, 8],
    ]);
    expect(perAppend[36]).toEqual([[0, 36]]);
  });

  it('restores from persisted hashes and from a reader, and carries on appending', async () => {
    const hashes = leaves(50);
    const tree = MemoryTree.from(hashes);
    const first = CompactRange.empty();
    for (const h of hashes.slice(0, 29)) first.append(h);
    const restored = CompactRange.fromHashes(first.size, first.hashes());
    const loaded = await CompactRange.fromReader(tree, 29);
    expect(loaded.hashes()).toEqual(first.hashes());
    for (const h of hashes.slice(29)) {
      restored.append(h);
      loaded.append(h);
    }
    expect(restored.root()).toEqual(rootOf(hashes));
    expect(loaded.root()).toEqual(tree.root());
  });

  it('rejects persisted state with the wrong number of hashes', () => {
    expect(() => CompactRange.fromHashes(5, [EMPTY_ROOT])).toThrow(expect.objectContaining({ reason: 'PROOF_LENGTH' }));
    expect(() => CompactRange.fromHashes(5, [EMPTY_ROOT, new Uint8Array(3)])).toThrow(
      expect.objectContaining({ reason: 'HASH_LENGTH' }),
    );
  });

  it('is not changed by callers mutating what it returned', () => {
    const range = CompactRange.empty();
    const [leaf] = range.append(leafHash(Uint8Array.of(1)));
    const before = range.root();
    leaf!.hash.fill(0);
    range.root().fill(0);
    range.hashes()[0]!.fill(0);
    expect(range.root()).toEqual(before);
  });
});

describe('MemoryTree', () => {
  it('serves roots of every earlier size', () => {
    const tree = MemoryTree.from(RFC6962_LEAVES.map(leafHash));
    for (let size = 1; size <= 8; size++) expect(tree.root(size)).toEqual(RFC6962_ROOTS[size - 1]);
    expect(tree.root(0)).toEqual(EMPTY_ROOT);
    expect(() => tree.root(9)).toThrow(expect.objectContaining({ reason: 'INVALID_SIZE' }));
  });

  it('has no node for a subtree that is not complete yet', async () => {
    const tree = MemoryTree.from(leaves(5));
    expect(await tree.node(2, 0)).toBeDefined();
    expect(await tree.node(1, 2)).toBeUndefined();
    expect(await tree.node(3, 0)).toBeUndefined();
    await expect(tree.leaf(5)).rejects.toMatchObject({ reason: 'INDEX_OUT_OF_RANGE' });
  });
});
