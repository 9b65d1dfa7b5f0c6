import { MerkleError } from './errors.js';

// Sizes and indexes are plain numbers: a log of 2^53 - 1 entries is far beyond what the hub will hold, and numbers
// keep the hot paths free of BigInt. JavaScript's bitwise operators truncate to 32 bits, so every bit operation here
// is done with arithmetic instead.

/** @internal Throws INVALID_SIZE unless `n` is a safe non-negative integer. */
export function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MerkleError('INVALID_SIZE', `${what} must be a non-negative safe integer, got ${String(n)}`);
  }
}

/** @internal Throws INDEX_OUT_OF_RANGE unless `0 <= index < size`. */
export function assertIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new MerkleError('INDEX_OUT_OF_RANGE', `leaf index ${String(index)} is not below tree size ${size}`);
  }
}

/** @internal The largest power of two strictly below `n` (the RFC 6962 split point `k`); `n` must be at least 2. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** @internal True if `n` is a power of two (1, 2, 4, ...). */
export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && splitPoint(n + 1) === n;
}

/** @internal True if the least significant bit of `n` is set. */
export function lsb(n: number): boolean {
  return n % 2 === 1;
}

/** @internal `n >> 1` without 32-bit truncation. */
export function shr(n: number): number {
  return Math.floor(n / 2);
}

/**
 * @internal The complete aligned subtrees that make up the leaf range [start, end), left to right: at each step the
 * largest power-of-two block that starts at `start` (is aligned to it) and fits.
 */
export function decompose(start: number, end: number): Array<{ level: number; index: number }> {
  const out: Array<{ level: number; index: number }> = [];
  let at = start;
  while (at < end) {
    let level = 0;
    while ((at / 2 ** (level + 1)) % 1 === 0 && at + 2 ** (level + 1) <= end) level++;
    out.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return out;
}
