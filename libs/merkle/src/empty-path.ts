import { EMPTY_HASHES, keyBit, MAP_DEPTH, TAG } from './map-hash.js';

/**
 * The climb of a single-key subtree of the subject map: from a node's hash at depth `depth` up to depth `from`,
 * every sibling on the way an empty subtree, each step `mapNodeHash` of the two (`SHA-256(0x12 || left || right)`).
 * The same hashes as that loop of `mapNodeHash` calls, computed in 32-bit words by SHA-256 as FIPS 180-4 defines it
 * (ADR 046): one step is two compressions of fixed-shape blocks, with no buffer, no call into OpenSSL and no
 * digest object per step. A replay makes about 250 steps per changed subject per checkpoint (tens of thousands at
 * 5,000 entries), where a one-shot `crypto.hash` per step costs more in the call than in the hashing. The unit tests
 * compare every climb with the `mapNodeHash` loop.
 */
export function climbEmptyPath(hash: Uint8Array, key: Uint8Array, depth: number, from: number): Uint8Array {
  if (depth <= from) return hash;
  const h = CURRENT;
  for (let i = 0; i < 8; i++) {
    h[i] = (hash[4 * i]! << 24) | (hash[4 * i + 1]! << 16) | (hash[4 * i + 2]! << 8) | hash[4 * i + 3]!;
  }
  for (let level = depth - 1; level >= from; level--) {
    // the sibling: the empty subtree of the child's height
    const empty = (MAP_DEPTH - level - 1) * 8;
    if (keyBit(key, level)) nodeWords(EMPTY_WORDS, empty, h, 0, h);
    else nodeWords(h, 0, EMPTY_WORDS, empty, h);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const word = h[i]!;
    out[4 * i] = word >>> 24;
    out[4 * i + 1] = word >>> 16;
    out[4 * i + 2] = word >>> 8;
    out[4 * i + 3] = word;
  }
  return out;
}

/** SHA-256's round constants (FIPS 180-4 §4.2.2). */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
/** SHA-256's initial hash value (FIPS 180-4 §5.3.3). */
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
/** Bits hashed by one step: the tag and two hashes, 65 bytes. */
const STEP_BITS = 65 * 8;

const W = new Int32Array(64);
const STATE = new Int32Array(8);
const CURRENT = new Int32Array(8);

/** The empty subtrees' hashes (`EMPTY_HASHES`) as words, 8 per height. */
const EMPTY_WORDS = (() => {
  const words = new Int32Array(EMPTY_HASHES.length * 8);
  EMPTY_HASHES.forEach((hash, height) => {
    for (let i = 0; i < 8; i++) {
      words[height * 8 + i] =
        (hash[4 * i]! << 24) | (hash[4 * i + 1]! << 16) | (hash[4 * i + 2]! << 8) | hash[4 * i + 3]!;
    }
  });
  return words;
})();

/**
 * `out` (8 words) = SHA-256(0x12 || left || right), the hashes read at `left[leftAt..+8]` and `right[at..+8]`.
 * `out` may hold either: both are read before it is written.
 */
function nodeWords(left: Int32Array, leftAt: number, right: Int32Array, at: number, out: Int32Array): void {
  const w = W;
  // the 65 bytes are the tag, then the 64 bytes of the two hashes: every word shifted one byte to the right
  w[0] = (TAG.node << 24) | (left[leftAt]! >>> 8);
  for (let i = 1; i < 8; i++) w[i] = (left[leftAt + i - 1]! << 24) | (left[leftAt + i]! >>> 8);
  w[8] = (left[leftAt + 7]! << 24) | (right[at]! >>> 8);
  for (let i = 9; i < 16; i++) w[i] = (right[at + i - 9]! << 24) | (right[at + i - 8]! >>> 8);
  STATE.set(IV);
  expand(w, 0);
  compress(STATE, w, 0);
  // the second block: the last byte, the 0x80 that ends the message, zeros, and the length in bits; its schedule
  // depends on that byte alone, expanded once per byte value
  compress(STATE, SECOND_BLOCKS, (right[at + 7]! & 0xff) * 64);
  out.set(STATE);
}

/** The expanded schedules of the 256 possible second blocks of a step (64 words each). */
const SECOND_BLOCKS = (() => {
  const blocks = new Int32Array(256 * 64);
  for (let byte = 0; byte < 256; byte++) {
    blocks[byte * 64] = (byte << 24) | 0x800000;
    blocks[byte * 64 + 15] = STEP_BITS;
    expand(blocks, byte * 64);
  }
  return blocks;
})();

/** Expands the message schedule of the block in `w[at..at+16]` into `w[at+16..at+64]`. */
function expand(w: Int32Array, at: number): void {
  for (let i = at + 16; i < at + 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
}

/** One SHA-256 compression into `state` of the block whose expanded schedule is `w[at..at+64]`. */
function compress(state: Int32Array, w: Int32Array, at: number): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[at + i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}
