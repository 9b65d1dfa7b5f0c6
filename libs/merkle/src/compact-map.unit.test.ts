import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactMap } from './compact-map.js';
import { emptyMapRoot } from './map-hash.js';
import { MemoryMap } from './sparse-map.js';

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Keys that share long prefixes too (a few bits flipped from one base), so that branches sit deep and shallow. */
const keyNear = (base: Uint8Array) =>
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }).map((bits) => {
    const key = base.slice();
    for (const bit of bits) key[bit >> 3] = key[bit >> 3]! ^ (0x80 >> (bit & 7));
    return key;
  });
/** Batches of updates (a key may come back in a later batch with a new value). */
const batches = bytes32.chain((base) =>
  fc.array(fc.array(fc.record({ key: fc.oneof(bytes32, keyNear(base)), value: bytes32 }), { maxLength: 10 }), {
    minLength: 1,
    maxLength: 6,
  }),
);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('CompactMap', () => {
  it('starts with the empty map’s root', () => {
    expect(new CompactMap().root()).toEqual(emptyMapRoot());
  });

  it('has the root of MemoryMap (updateMap) after every batch, whatever the keys and their order', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (all) => {
        const compact = new CompactMap();
        const memory = new MemoryMap();
        for (const batch of all) {
          // one value per key per batch, as updateMap requires: the last one wins
          const last = new Map(batch.map((e) => [hex(e.key), e]));
          for (const e of batch) compact.set(e.key, e.value);
          const { root } = await memory.setMany([...last.values()]);
          expect(hex(compact.root())).toBe(hex(root));
        }
        expect(compact.size).toBe(new Set(all.flat().map((e) => hex(e.key))).size);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('keeps no alias of what it is given or returns', () => {
    const key = new Uint8Array(32).fill(1);
    const value = new Uint8Array(32).fill(2);
    const map = new CompactMap();
    map.set(key, value);
    const root = map.root();
    value.fill(3);
    key.fill(4);
    root.fill(0);
    const again = new CompactMap();
    again.set(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
    expect(map.root()).toEqual(again.root());
  });

  it('refuses keys and values that are not 32 bytes', () => {
    const map = new CompactMap();
    expect(() => map.set(new Uint8Array(31), new Uint8Array(32))).toThrow(
      expect.objectContaining({ reason: 'MAP_KEY' }),
    );
    expect(() => map.set(new Uint8Array(32), new Uint8Array(33))).toThrow(
      expect.objectContaining({ reason: 'MAP_KEY' }),
    );
  });
});
