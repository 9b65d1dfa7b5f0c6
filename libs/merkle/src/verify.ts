import { bytesEqual } from './encoding.js';
import { MerkleError } from './errors.js';
import { assertHash, emptyRoot, nodeHash } from './hash.js';
import { consistencyProofLength, inclusionProofLength } from './proofs.js';
import { assertIndex, assertSize, isPowerOfTwo, lsb, shr } from './sizes.js';

function assertProof(proof: readonly Uint8Array[], expected: number): void {
  if (proof.length !== expected) {
    throw new MerkleError('PROOF_LENGTH', `proof has ${proof.length} hashes, expected ${expected}`);
  }
  for (const p of proof) assertHash(p, 'proof hash');
}

/**
 * Verifies an inclusion proof exactly as RFC 9162 §2.1.3.2 describes. Returns `false` when the proof does not lead
 * from `leafHash` to `root`; throws a MerkleError (INDEX_OUT_OF_RANGE, INVALID_SIZE, PROOF_LENGTH, HASH_LENGTH) when
 * the input is malformed, so that a caller can tell a wrong proof from a broken request.
 *
 * @param leafHash - `leafHash(entry)`, not the entry itself.
 * @param index - zero-based leaf index.
 * @param treeSize - number of leaves of the tree `root` belongs to.
 * @param proof - the audit path, leaf level first, as {@link inclusionProof} returns it.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  assertSize(treeSize, 'tree size');
  assertIndex(index, treeSize); // step 1: leaf_index >= tree_size fails
  assertHash(leafHash, 'leaf hash');
  assertHash(root, 'root');
  assertProof(proof, inclusionProofLength(index, treeSize));
  let fn = index; // step 2
  let sn = treeSize - 1;
  let r = leafHash; // step 3
  for (const p of proof) {
    if (sn === 0) return false; // step 4a
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r); // 4b.i
      while (!lsb(fn) && fn !== 0) {
        fn = shr(fn);
        sn = shr(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = shr(fn); // 4c
    sn = shr(sn);
  }
  return sn === 0 && bytesEqual(r, root); // step 5
}

/**
 * Verifies a consistency proof exactly as RFC 9162 §2.1.4.2 describes, for `0 < size1 < size2`. The edge cases the
 * RFC leaves out are settled as follows: `size1 === size2` needs an empty proof and equal roots; `size1 === 0` needs
 * an empty proof and `root1` equal to {@link emptyRoot} (every tree extends the empty tree).
 *
 * Returns `false` for a well-formed proof that fails; throws a MerkleError (INVALID_SIZE when size1 > size2,
 * PROOF_LENGTH, HASH_LENGTH) for malformed input.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  assertSize(size1, 'size1');
  assertSize(size2, 'size2');
  if (size1 > size2) throw new MerkleError('INVALID_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
  assertHash(root1, 'root1');
  assertHash(root2, 'root2');
  if (size1 === size2) {
    assertProof(proof, 0);
    return bytesEqual(root1, root2);
  }
  if (size1 === 0) {
    assertProof(proof, 0);
    return bytesEqual(root1, emptyRoot());
  }
  assertProof(proof, consistencyProofLength(size1, size2));
  return rfc9162Consistency(size1, size2, proof, root1, root2);
}

function rfc9162Consistency(
  first: number,
  second: number,
  consistencyPath: readonly Uint8Array[],
  firstHash: Uint8Array,
  secondHash: Uint8Array,
): boolean {
  if (consistencyPath.length === 0) return false; // step 1
  const path = isPowerOfTwo(first) ? [firstHash, ...consistencyPath] : consistencyPath; // step 2
  let fn = first - 1; // step 3
  let sn = second - 1;
  while (lsb(fn)) {
    fn = shr(fn); // step 4
    sn = shr(sn);
  }
  let fr = path[0]!; // step 5
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false; // step 6a
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr); // 6b.i
      sr = nodeHash(c, sr); // 6b.ii
      while (!lsb(fn) && fn !== 0) {
        fn = shr(fn); // 6b.iii
        sn = shr(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = shr(fn); // 6c
    sn = shr(sn);
  }
  return bytesEqual(fr, firstHash) && bytesEqual(sr, secondHash) && sn === 0; // step 7
}
