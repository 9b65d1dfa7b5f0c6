import { MerkleError } from './errors.js';
import { assertHash, foldRight, nodeHash } from './hash.js';
import type { HashReader } from './reader.js';
import { subtreeHash } from './reader.js';
import { assertSize, decompose } from './sizes.js';

/** The hash of one complete aligned subtree: leaves `[index * 2^level, (index + 1) * 2^level)`. */
export interface SubtreeNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/**
 * The right edge ("frontier", "compact range" [0, size)) of an append-only tree: one hash per set bit of the size,
 * largest subtree first. O(log n) state is enough to append and to compute the root, so a log writer never reads
 * the whole tree. Each append reports the complete subtrees it finished, which storage can keep for proofs.
 */
export class CompactRange {
  #size: number;
  #hashes: Uint8Array[];

  private constructor(size: number, hashes: Uint8Array[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  /** An empty range (tree size 0). */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /**
   * Restores a range from its persisted state, as returned by {@link CompactRange.hashes}. Throws INVALID_SIZE or
   * PROOF_LENGTH (wrong number of hashes for the size) or HASH_LENGTH.
   */
  static fromHashes(size: number, hashes: readonly Uint8Array[]): CompactRange {
    assertSize(size, 'size');
    const expected = decompose(0, size).length;
    if (hashes.length !== expected) {
      throw new MerkleError('PROOF_LENGTH', `a range of size ${size} has ${expected} hashes, got ${hashes.length}`);
    }
    for (const h of hashes) assertHash(h, 'range hash');
    return new CompactRange(
      size,
      hashes.map((h) => h.slice()),
    );
  }

  /** Loads the range of the first `size` leaves from storage: O(log n) reads when the reader keeps interior nodes. */
  static async fromReader(reader: HashReader, size: number): Promise<CompactRange> {
    assertSize(size, 'size');
    if (size > reader.size) {
      throw new MerkleError('INVALID_SIZE', `size ${size} exceeds the ${reader.size} leaves the reader holds`);
    }
    const nodes = decompose(0, size);
    return new CompactRange(size, await Promise.all(nodes.map((n) => subtreeHash(reader, n.level, n.index))));
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** The frontier hashes, largest subtree first (copies). Persist them with the size to restore the range. */
  hashes(): Uint8Array[] {
    return this.#hashes.map((h) => h.slice());
  }

  /**
   * Appends one leaf hash. Returns the complete subtrees this append finished: the leaf itself at level 0, then each
   * parent it completed, bottom up.
   */
  append(leafHash: Uint8Array): SubtreeNode[] {
    assertHash(leafHash, 'leaf hash');
    let hash: Uint8Array = leafHash.slice();
    let index = this.#size;
    let level = 0;
    const done: SubtreeNode[] = [{ level, index, hash }];
    while (index % 2 === 1) {
      hash = nodeHash(this.#hashes.pop()!, hash);
      index = Math.floor(index / 2);
      level++;
      done.push({ level, index, hash });
    }
    this.#hashes.push(hash);
    this.#size++;
    return done.map((n) => ({ ...n, hash: n.hash.slice() }));
  }

  /** The root hash of the tree of {@link CompactRange.size} leaves; the empty root for size 0. */
  root(): Uint8Array {
    return foldRight(this.#hashes).slice();
  }
}
