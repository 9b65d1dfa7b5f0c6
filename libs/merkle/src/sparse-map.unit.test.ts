import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rejects } from '../test/helpers.js';
import { leafHash, nodeHash } from './hash.js';
import { EMPTY_HASHES, emptyMapRoot, MAP_DEPTH, mapKey, mapLeafHash, mapNodeHash } from './map-hash.js';
import {
  type MapEntry,
  type MapNodeId,
  type MapProof,
  MemoryMap,
  mapProof,
  updateMap,
  verifyMapProof,
} from './sparse-map.js';

const reason = (r: string) => expect.objectContaining({ reason: r });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
/** Distinct keys with values: a batch the map accepts. */
const entries = fc.uniqueArray(fc.record({ key: bytes32, value: bytes32 }), {
  minLength: 1,
  maxLength: 12,
  selector: (e) => Buffer.from(e.key).toString('hex'),
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = copy[bit >> 3]! ^ (0x80 >> (bit & 7));
  return copy;
}

async function mapOf(batch: readonly MapEntry[]): Promise<MemoryMap> {
  const map = new MemoryMap();
  await map.setMany(batch);
  return map;
}

describe('map hashing', () => {
  it('uses its own domain tags, byte for byte as documented', () => {
    const key = mapKey('91350100M000100Y43');
    expect(key).toEqual(sha(Uint8Array.of(0x10), Buffer.from('91350100M000100Y43')));
    const value = new Uint8Array(32).fill(7);
    expect(mapLeafHash(key, value)).toEqual(sha(Uint8Array.of(0x11), key, value));
    expect(mapNodeHash(key, value)).toEqual(sha(Uint8Array.of(0x12), key, value));
    expect(EMPTY_HASHES[0]).toEqual(sha(Uint8Array.of(0x13)));
    expect(EMPTY_HASHES[1]).toEqual(mapNodeHash(EMPTY_HASHES[0]!, EMPTY_HASHES[0]!));
    expect(EMPTY_HASHES).toHaveLength(MAP_DEPTH + 1);
  });

  it('never equals the log hash of the same bytes', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    expect(mapNodeHash(a, b)).not.toEqual(nodeHash(a, b));
    expect(mapLeafHash(a, b)).not.toEqual(leafHash(Buffer.concat([a, b])));
  });

  it.each([
    ['an empty subject', ''],
    ['a lone surrogate', 'a\uD800'],
  ])('refuses %s as a subject', (_, subject) => {
    expect(() => mapKey(subject)).toThrow(reason('MAP_KEY'));
  });
});

describe('a map with one key', () => {
  const key = mapKey('subject-1');
  const value = new Uint8Array(32).fill(9);

  it('has the root of the leaf folded with the empty hashes, and writes 257 nodes', async () => {
    const map = new MemoryMap();
    const update = await map.set(key, value);
    let expected = mapLeafHash(key, value);
    for (let h = 0; h < MAP_DEPTH; h++) {
      const bit = (key[(255 - h) >> 3]! >> (7 - ((255 - h) & 7))) & 1;
      expected = bit ? mapNodeHash(EMPTY_HASHES[h]!, expected) : mapNodeHash(expected, EMPTY_HASHES[h]!);
    }
    expect(update.root).toEqual(expected);
    expect(update.nodes).toHaveLength(MAP_DEPTH + 1);
    expect(await map.root()).toEqual(expected);
    expect(await map.get(key)).toEqual(value);
  });

  it('proves the key with an empty bitmap and no siblings', async () => {
    const map = new MemoryMap();
    const { root } = await map.set(key, value);
    const { value: got, proof } = await map.proof(key);
    expect(got).toEqual(value);
    expect(proof.siblings).toHaveLength(0);
    expect(verifyMapProof(root, key, value, proof)).toBe(true);
  });

  it('starts from the empty root and proves any key absent there', async () => {
    const map = new MemoryMap();
    expect(await map.root()).toEqual(emptyMapRoot());
    const { value: got, proof } = await map.proof(key);
    expect(got).toBeUndefined();
    expect(verifyMapProof(emptyMapRoot(), key, undefined, proof)).toBe(true);
  });
});

describe('batches', () => {
  it('refuse the same key twice and change nothing', async () => {
    const map = new MemoryMap();
    const key = mapKey('s');
    const call = map.setMany([
      { key, value: new Uint8Array(32) },
      { key, value: new Uint8Array(32).fill(1) },
    ]);
    await expect(call).rejects.toThrow(reason('MAP_DUPLICATE_KEY'));
    expect(map.nodeCount).toBe(0);
  });

  it('refuse keys and values that are not 32 bytes', async () => {
    await expect(updateMap(new MemoryMap(), [{ key: new Uint8Array(31), value: new Uint8Array(32) }])).rejects.toThrow(
      reason('MAP_KEY'),
    );
    await expect(updateMap(new MemoryMap(), [{ key: new Uint8Array(32), value: new Uint8Array(3) }])).rejects.toThrow(
      reason('MAP_KEY'),
    );
  });
});

// Property tests hash thousands of nodes: a generous timeout on a loaded 2-core machine (timing is never what they
// check).
describe('on random maps', { timeout: 60_000 }, () => {
  it('any order and any batching of the same updates gives the same root', async () => {
    await fc.assert(
      fc.asyncProperty(entries, fc.integer({ min: 1, max: 5 }), async (batch, chunk) => {
        const together = await mapOf(batch);
        const oneByOne = new MemoryMap();
        for (const e of [...batch].reverse()) await oneByOne.set(e.key, e.value);
        const chunked = new MemoryMap();
        for (let i = 0; i < batch.length; i += chunk) await chunked.setMany(batch.slice(i, i + chunk));
        expect(await oneByOne.root()).toEqual(await together.root());
        expect(await chunked.root()).toEqual(await together.root());
        expect(chunked.nodeCount).toBe(together.nodeCount);
      }),
      { numRuns: 40 },
    );
  });

  it('a later value replaces an earlier one, as if set once', async () => {
    await fc.assert(
      fc.asyncProperty(entries, bytes32, async (batch, newValue) => {
        const map = await mapOf(batch);
        await map.set(batch[0]!.key, newValue);
        const direct = await mapOf([{ key: batch[0]!.key, value: newValue }, ...batch.slice(1)]);
        expect(await map.root()).toEqual(await direct.root());
      }),
      { numRuns: 30 },
    );
  });

  it('proves every key present and any other key absent', async () => {
    await fc.assert(
      fc.asyncProperty(entries, bytes32, async (batch, other) => {
        const map = await mapOf(batch);
        const root = await map.root();
        for (const e of batch) expect(verifyMapProof(root, e.key, e.value, (await map.proof(e.key)).proof)).toBe(true);
        const absent = await map.proof(other);
        fc.pre(absent.value === undefined);
        expect(verifyMapProof(root, other, undefined, absent.proof)).toBe(true);
        expect(rejects(() => verifyMapProof(root, batch[0]!.key, undefined, absent.proof))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a proof after any single-bit change of the proof, key, value or root', async () => {
    await fc.assert(
      fc.asyncProperty(entries, fc.nat(), async (batch, seed) => {
        const map = await mapOf(batch);
        const root = await map.root();
        const { key, value } = batch[seed % batch.length]!;
        const { proof } = await map.proof(key);
        const bit = seed % 256;
        expect(rejects(() => verifyMapProof(flip(root, bit), key, value, proof))).toBe(true);
        expect(rejects(() => verifyMapProof(root, flip(key, bit), value, proof))).toBe(true);
        expect(rejects(() => verifyMapProof(root, key, flip(value, bit), proof))).toBe(true);
        const badBitmap: MapProof = { ...proof, bitmap: flip(proof.bitmap, bit) };
        expect(rejects(() => verifyMapProof(root, key, value, badBitmap))).toBe(true);
        for (let i = 0; i < proof.siblings.length; i++) {
          const siblings = proof.siblings.map((s, j) => (j === i ? flip(s, bit) : s));
          expect(rejects(() => verifyMapProof(root, key, value, { ...proof, siblings }))).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('a reader that returns corrupt storage', () => {
  it.each([
    ['a 31-byte hash', (ids: readonly MapNodeId[]) => Promise.resolve(ids.map(() => new Uint8Array(31)))],
    ['fewer hashes than asked', () => Promise.resolve([])],
  ])('fails with READER_INCONSISTENT on %s', async (_, nodes) => {
    const reader = { nodes, value: () => Promise.resolve(undefined) };
    await expect(mapProof(reader, mapKey('k'))).rejects.toThrow(reason('READER_INCONSISTENT'));
  });
});

describe('malformed proofs', () => {
  const key = mapKey('k');
  const root = emptyMapRoot();
  it.each([
    ['a short bitmap', { bitmap: new Uint8Array(31), siblings: [] }],
    ['a sibling too many', { bitmap: new Uint8Array(32), siblings: [new Uint8Array(32)] }],
    ['a sibling of 31 bytes', { bitmap: Uint8Array.of(0x80, ...new Uint8Array(31)), siblings: [new Uint8Array(31)] }],
    [
      'an empty subtree listed as a sibling',
      { bitmap: Uint8Array.of(0x80, ...new Uint8Array(31)), siblings: [EMPTY_HASHES[0]!] },
    ],
  ])('throw MAP_PROOF_FORMAT for %s', (_, proof) => {
    expect(() => verifyMapProof(root, key, undefined, proof)).toThrow(reason('MAP_PROOF_FORMAT'));
  });
});
