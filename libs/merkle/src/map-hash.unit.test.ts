import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uint64be } from './map-hash.js';

/** The encoding as written before its two 32-bit halves (ADR 050): a BigInt through a DataView. */
function viaBigInt(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

describe('the big-endian uint64 of map hashes and subject chains', () => {
  it('is the 8-byte big-endian form of every safe non-negative integer', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (n) => {
        expect(uint64be(n)).toEqual(viaBigInt(n));
      }),
      { numRuns: 5_000 },
    );
    for (const n of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      expect(uint64be(n)).toEqual(viaBigInt(n));
    }
  });
});
