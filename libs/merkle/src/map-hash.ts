import { hasLoneSurrogate, utf8 } from './encoding.js';
import { MerkleError } from './errors.js';
import { HASH_SIZE, sha256Of } from './hash.js';

/**
 * Hashing of the subject map: a sparse Merkle tree of depth 256 (Laurie and Kasper, "Revocation Transparency", 2012;
 * Dahlberg, Pulls and Peeters, "Efficient Sparse Merkle Trees", NordSec 2016) keyed by SHA-256 of the subject.
 *
 * Every hash starts with a one-byte domain tag. The log uses 0x00 (leaf) and 0x01 (node) after RFC 9162 §2.1.1; the
 * map uses 0x10 to 0x15, so no map hash can ever equal a log hash, and no map hash of one kind can equal one of
 * another kind, even if the inputs were chosen to make them collide:
 *
 * | tag  | hash                | input after the tag                                   |
 * | ---- | ------------------- | ----------------------------------------------------- |
 * | 0x10 | key of a subject    | UTF-8 of the subject                                  |
 * | 0x11 | map leaf            | key (32) ‖ value (32)                                 |
 * | 0x12 | map interior node   | left (32) ‖ right (32)                                |
 * | 0x13 | empty leaf          | nothing                                               |
 * | 0x14 | subject chain step  | "empty" (the start), or chain (32) ‖ uint64be index ‖ leaf hash (32) |
 * | 0x15 | map value           | uint64be count ‖ chain head (32) ‖ uint64be last index |
 */
export const MAP_DEPTH = 256;

/** @internal The domain tags above. */
export const TAG = { key: 0x10, leaf: 0x11, node: 0x12, empty: 0x13, chain: 0x14, value: 0x15 } as const;

/** @internal SHA-256 of a one-byte tag followed by the parts. */
export function taggedHash(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  return sha256Of(tag, parts);
}

/**
 * The 256-bit map key of a subject: `SHA-256(0x10 || UTF-8(subject))`. Subjects are hashed, so the map never holds
 * one in clear (a citizen ID as a subject is only ever seen as this hash). Throws MAP_KEY for an empty subject or one
 * with an unpaired surrogate, which has no UTF-8 encoding and would otherwise collide with U+FFFD.
 */
export function mapKey(subject: string): Uint8Array {
  if (typeof subject !== 'string' || subject === '' || hasLoneSurrogate(subject)) {
    throw new MerkleError('MAP_KEY', 'a subject is a non-empty, well-formed string');
  }
  return taggedHash(TAG.key, utf8(subject));
}

/** Map leaf hash: `SHA-256(0x11 || key || value)`. The key is in the hash so a leaf can only stand at its own key. */
export function mapLeafHash(key: Uint8Array, value: Uint8Array): Uint8Array {
  assert32(key, 'a map key');
  assert32(value, 'a map value');
  return taggedHash(TAG.leaf, key, value);
}

/** Map interior node hash: `SHA-256(0x12 || left || right)`. */
export function mapNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return taggedHash(TAG.node, left, right);
}

/**
 * The hash of an empty subtree of each height (index = height, 0 = a leaf position, 256 = the empty map's root):
 * `E_0 = SHA-256(0x13)`, `E_{h+1} = SHA-256(0x12 || E_h || E_h)`. Precomputed once: this is the shortcut that makes
 * a tree of 2^256 leaves computable, because every subtree without a key has one of these 257 hashes.
 */
export const EMPTY_HASHES: readonly Uint8Array[] = (() => {
  const out = [taggedHash(TAG.empty)];
  for (let h = 1; h <= MAP_DEPTH; h++) out.push(mapNodeHash(out[h - 1]!, out[h - 1]!));
  return out;
})();

/** Root of the empty map (`E_256`). A fresh copy on each call. */
export function emptyMapRoot(): Uint8Array {
  return EMPTY_HASHES[MAP_DEPTH]!.slice();
}

/** @internal The bit of `key` at `depth` (0 = the most significant bit of byte 0): 0 goes left, 1 goes right. */
export function keyBit(key: Uint8Array, depth: number): number {
  return (key[depth >> 3]! >> (7 - (depth & 7))) & 1;
}

/** @internal Throws MAP_KEY unless `bytes` is a 32-byte Uint8Array. */
export function assert32(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== HASH_SIZE) {
    throw new MerkleError('MAP_KEY', `${what} must be ${HASH_SIZE} bytes`);
  }
}

/** @internal Big-endian uint64 of a safe non-negative integer (JavaScript numbers stop at 2^53, which is enough). */
export function uint64be(value: number): Uint8Array {
  const out = new Uint8Array(8);
  if (Number.isSafeInteger(value) && value >= 0) {
    // in two 32-bit halves: no BigInt and no DataView per call (a replay writes one per leaf, ADR 050)
    const high = Math.floor(value / 0x1_0000_0000);
    const low = value >>> 0;
    out[0] = high >>> 24;
    out[1] = (high >>> 16) & 0xff;
    out[2] = (high >>> 8) & 0xff;
    out[3] = high & 0xff;
    out[4] = low >>> 24;
    out[5] = (low >>> 16) & 0xff;
    out[6] = (low >>> 8) & 0xff;
    out[7] = low & 0xff;
    return out;
  }
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}
