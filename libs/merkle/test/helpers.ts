import { isMerkleError } from '../src/errors.js';

/**
 * True if verification rejects: returns false, or throws a MerkleError (malformed input such as a wrong proof
 * length). Any other exception is rethrown, so a crash never counts as a rejection.
 */
export function rejects(verify: () => boolean): boolean {
  try {
    return verify() === false;
  } catch (err) {
    if (isMerkleError(err)) return true;
    throw err;
  }
}

/** A copy of `proof` with one bit flipped in element `i`. */
export function flipBit(proof: readonly Uint8Array[], i: number, bit: number): Uint8Array[] {
  return proof.map((p, j) => {
    const copy = p.slice();
    if (j === i) copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    return copy;
  });
}
