import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { climbEmptyPath } from './empty-path.js';
import { EMPTY_HASHES, keyBit, MAP_DEPTH, mapNodeHash } from './map-hash.js';

/** The climb by its definition: one `mapNodeHash` (one-shot SHA-256) per level, the sibling an empty subtree. */
function climbByDefinition(hash: Uint8Array, key: Uint8Array, depth: number, from: number): Uint8Array {
  let out = hash;
  for (let level = depth - 1; level >= from; level--) {
    const empty = EMPTY_HASHES[MAP_DEPTH - level - 1]!;
    out = keyBit(key, level) ? mapNodeHash(empty, out) : mapNodeHash(out, empty);
  }
  return out;
}

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('climbEmptyPath', () => {
  it('gives the hashes of the mapNodeHash loop, from any depth to any depth above it', () => {
    fc.assert(
      fc.property(
        bytes32,
        bytes32,
        fc.integer({ min: 0, max: MAP_DEPTH }),
        fc.integer({ min: 0, max: MAP_DEPTH }),
        (hash, key, a, b) => {
          const [from, depth] = a <= b ? [a, b] : [b, a];
          expect(hex(climbEmptyPath(hash, key, depth, from))).toBe(hex(climbByDefinition(hash, key, depth, from)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('climbs a whole path (every bit of the key, both sides) and keeps no alias of its input', () => {
    for (const fill of [0x00, 0xff, 0x5a, 0xa5]) {
      const key = new Uint8Array(32).fill(fill);
      const hash = new Uint8Array(32).fill(fill ^ 0x33);
      const climbed = climbEmptyPath(hash, key, MAP_DEPTH, 0);
      expect(hex(climbed)).toBe(hex(climbByDefinition(hash, key, MAP_DEPTH, 0)));
      expect(hash).toEqual(new Uint8Array(32).fill(fill ^ 0x33));
    }
    // the empty leaf climbed to the top is the empty map's root
    expect(hex(climbEmptyPath(EMPTY_HASHES[0]!, new Uint8Array(32), MAP_DEPTH, 0))).toBe(hex(EMPTY_HASHES[MAP_DEPTH]!));
  });
});
