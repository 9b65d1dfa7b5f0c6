import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, RFC6962_LEAVES, RFC6962_ROOTS } from '../test/vectors.js';
import { emptyRoot, HASH_SIZE, leafHash, nodeHash, rootOf } from './hash.js';

const sha256 = (...parts: number[][]) =>
  new Uint8Array(createHash('sha256').update(Uint8Array.from(parts.flat())).digest());

describe('RFC 6962 hashing', () => {
  it('prefixes leaves with 0x00 and interior nodes with 0x01', () => {
    expect(leafHash(Uint8Array.of(1, 2))).toEqual(sha256([0x00, 1, 2]));
    const l = new Uint8Array(32).fill(7);
    const r = new Uint8Array(32).fill(9);
    expect(nodeHash(l, r)).toEqual(sha256([0x01], [...l], [...r]));
    expect(nodeHash(l, r)).not.toEqual(nodeHash(r, l));
  });

  it('gives the empty tree the hash of the empty string', () => {
    expect(emptyRoot()).toEqual(EMPTY_ROOT);
    expect(rootOf([])).toEqual(EMPTY_ROOT);
    expect(emptyRoot()).toHaveLength(HASH_SIZE);
  });

  // Public vectors: transparency-dev/merkle proof/verify_test.go `leaves` and `roots`.
  it.each(RFC6962_ROOTS.map((root, i) => [i + 1, root] as const))(
    'matches the published root of size %i',
    (size, root) => {
      expect(rootOf(RFC6962_LEAVES.slice(0, size).map(leafHash))).toEqual(root);
    },
  );

  it('rejects a leaf hash that is not 32 bytes', () => {
    expect(() => rootOf([new Uint8Array(31)])).toThrow(expect.objectContaining({ reason: 'HASH_LENGTH' }));
  });
});
