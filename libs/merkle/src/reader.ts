import { MerkleError } from './errors.js';
import { foldRight, HASH_SIZE, nodeHash } from './hash.js';
import { decompose } from './sizes.js';

/**
 * The port through which proofs read a stored tree. Storage for a large log keeps the hashes of complete aligned
 * subtrees (as tiles or per-level tables), so a proof needs O(log n) reads instead of O(n).
 *
 * The subtree at `(level, index)` covers leaves `[index * 2^level, (index + 1) * 2^level)`; level 0 is the leaf
 * hashes themselves. Because the log is append-only, a complete subtree's hash never changes, whatever the tree size.
 */
export interface HashReader {
  /** Number of leaves the reader can serve; proofs may be asked for any tree size up to it. */
  readonly size: number;
  /** The leaf hash (already `leafHash(data)`) at `index`. */
  leaf(index: number): Promise<Uint8Array>;
  /**
   * The hash of the complete subtree at `(level, index)`, or `undefined` if this storage does not keep it (the
   * proof then recomputes it from the level below). Omit the method entirely to recompute everything from leaves.
   */
  node?(level: number, index: number): Promise<Uint8Array | undefined>;
}

function checked(hash: Uint8Array | undefined, level: number, index: number): Uint8Array {
  // The reader is storage, not a caller: a wrong-sized hash means corrupt storage, which must not become a proof.
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new MerkleError('READER_INCONSISTENT', `reader returned no ${HASH_SIZE}-byte hash at (${level}, ${index})`);
  }
  return hash;
}

/** @internal Hash of the complete subtree (level, index): stored if the reader has it, else built from below. */
export async function subtreeHash(reader: HashReader, level: number, index: number): Promise<Uint8Array> {
  if (level === 0) return checked(await reader.leaf(index), 0, index);
  if (reader.node) {
    const stored = await reader.node(level, index);
    if (stored !== undefined) return checked(stored, level, index);
  }
  const [left, right] = await Promise.all([
    subtreeHash(reader, level - 1, 2 * index),
    subtreeHash(reader, level - 1, 2 * index + 1),
  ]);
  return nodeHash(left, right);
}

/**
 * @internal The Merkle Tree Hash of the leaf range [start, end), which must be one of the ranges the RFC 6962
 * recursion produces (start aligned to the power of two at or above its length).
 */
export async function rangeHash(reader: HashReader, start: number, end: number): Promise<Uint8Array> {
  const parts = await Promise.all(decompose(start, end).map(({ level, index }) => subtreeHash(reader, level, index)));
  return foldRight(parts);
}
