import { createHash } from 'node:crypto';
import { MerkleError } from './errors.js';
import { splitPoint } from './sizes.js';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

/** RFC 9162 §2.1.1 leaf hash: `SHA-256(0x00 || data)`. The prefix keeps a leaf from posing as an interior node. */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

/** RFC 9162 §2.1.1 interior node hash: `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

/** Root of the empty tree: `SHA-256("")` (e3b0c442…). A fresh copy on each call. */
export function emptyRoot(): Uint8Array {
  return sha256();
}

/** @internal Throws HASH_LENGTH unless `hash` is 32 bytes. */
export function assertHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new MerkleError('HASH_LENGTH', `${what} must be ${HASH_SIZE} bytes`);
  }
}

/**
 * The Merkle Tree Hash of RFC 9162 §2.1.1 over already hashed leaves, by its recursive definition: split at the
 * largest power of two below n. Reads every leaf, so it is the reference, not the tool for large trees; use
 * {@link CompactRange} or {@link treeRoot} there.
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  for (const h of leafHashes) assertHash(h, 'leaf hash');
  return mth(leafHashes, 0, leafHashes.length);
}

function mth(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if (n === 1) return leaves[start]!;
  const k = splitPoint(n);
  return nodeHash(mth(leaves, start, start + k), mth(leaves, start + k, end));
}

/** @internal Folds the hashes of consecutive complete subtrees (left to right) into the hash of their range. */
export function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}
