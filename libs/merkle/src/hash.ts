import { hash } from 'node:crypto';
import { MerkleError } from './errors.js';
import { splitPoint } from './sizes.js';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/**
 * @internal SHA-256 of a one-byte tag (when given) followed by the parts, in one `crypto.hash` call over their
 * concatenation: no Hash object per call. Trees and maps hash tens of thousands of 65-byte inputs, where the object
 * and its three `update` calls cost more than the hashing (about half the time).
 */
export function sha256Of(tag: number | undefined, parts: readonly Uint8Array[]): Uint8Array {
  let length = tag === undefined ? 0 : 1;
  for (const part of parts) length += part.length;
  const input = Buffer.allocUnsafe(length);
  let at = 0;
  if (tag !== undefined) input[at++] = tag;
  for (const part of parts) {
    input.set(part, at);
    at += part.length;
  }
  // the digest is a Buffer of its own 32 bytes: a plain Uint8Array view of it, no copy
  const digest = hash('sha256', input, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

const LEAF_TAG = 0x00;
const NODE_TAG = 0x01;

/** RFC 9162 §2.1.1 leaf hash: `SHA-256(0x00 || data)`. The prefix keeps a leaf from posing as an interior node. */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256Of(LEAF_TAG, [data]);
}

/** RFC 9162 §2.1.1 interior node hash: `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256Of(NODE_TAG, [left, right]);
}

/** Root of the empty tree: `SHA-256("")` (e3b0c442…). A fresh copy on each call. */
export function emptyRoot(): Uint8Array {
  return sha256Of(undefined, []);
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
