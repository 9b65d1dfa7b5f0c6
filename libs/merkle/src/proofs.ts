import { MerkleError } from './errors.js';
import type { HashReader } from './reader.js';
import { rangeHash } from './reader.js';
import { assertIndex, assertSize, splitPoint } from './sizes.js';

/** A leaf range [start, end) whose Merkle Tree Hash is one element of a proof. */
interface Range {
  start: number;
  end: number;
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[start:end]), as the list of ranges whose hashes form the path, leaf level first.
 * At most one range is not a complete subtree, so a reader with interior nodes answers in O(log n) reads.
 */
function pathRanges(m: number, start: number, end: number): Range[] {
  const out: Range[] = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      out.push({ start, end: start + k });
      m -= k;
      start += k;
    }
  }
  return out.reverse();
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b) as ranges, in proof order. */
function subproofRanges(m: number, start: number, end: number, b: boolean): Range[] {
  const out: Range[] = [];
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      out.push({ start, end: start + k });
      m -= k;
      start += k;
      b = false;
    }
  }
  if (!b) out.push({ start, end });
  return out.reverse();
}

/** @internal Number of hashes in an inclusion proof for `index` in a tree of `size` leaves. */
export function inclusionProofLength(index: number, size: number): number {
  return pathRanges(index, 0, size).length;
}

/** @internal Number of hashes in a consistency proof from `size1` to `size2` (`0 < size1 < size2`). */
export function consistencyProofLength(size1: number, size2: number): number {
  return subproofRanges(size1, 0, size2, true).length;
}

function assertReaderHolds(reader: HashReader, treeSize: number): void {
  assertSize(treeSize, 'tree size');
  if (treeSize > reader.size) {
    throw new MerkleError('INVALID_SIZE', `tree size ${treeSize} exceeds the ${reader.size} leaves the reader holds`);
  }
}

function fetch(reader: HashReader, ranges: readonly Range[]): Promise<Uint8Array[]> {
  return Promise.all(ranges.map((r) => rangeHash(reader, r.start, r.end)));
}

/**
 * The inclusion proof (RFC 9162 §2.1.3.1 audit path) for the leaf at `index` in the tree of the first `treeSize`
 * leaves, leaf level first. Throws INVALID_SIZE or INDEX_OUT_OF_RANGE for impossible requests.
 */
export async function inclusionProof(reader: HashReader, index: number, treeSize: number): Promise<Uint8Array[]> {
  assertReaderHolds(reader, treeSize);
  assertIndex(index, treeSize);
  return fetch(reader, pathRanges(index, 0, treeSize));
}

/**
 * The consistency proof (RFC 9162 §2.1.4.1 PROOF(m, D[n])) that the tree of `size1` leaves is a prefix of the tree
 * of `size2` leaves. Empty when `size1` is 0 or equal to `size2`. Throws INVALID_SIZE unless
 * `0 <= size1 <= size2 <= reader.size`.
 */
export async function consistencyProof(reader: HashReader, size1: number, size2: number): Promise<Uint8Array[]> {
  assertReaderHolds(reader, size2);
  assertSize(size1, 'size1');
  if (size1 > size2) throw new MerkleError('INVALID_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  return fetch(reader, subproofRanges(size1, 0, size2, true));
}

/** The root hash of the tree of the first `treeSize` leaves, in O(log n) reads when the reader keeps interior nodes. */
export async function treeRoot(reader: HashReader, treeSize: number): Promise<Uint8Array> {
  assertReaderHolds(reader, treeSize);
  return rangeHash(reader, 0, treeSize);
}
