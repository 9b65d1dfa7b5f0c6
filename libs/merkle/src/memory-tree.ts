import { MerkleError } from './errors.js';
import { assertHash, foldRight, nodeHash } from './hash.js';
import type { HashReader } from './reader.js';
import { assertIndex, assertSize, decompose } from './sizes.js';

/**
 * An in-memory append-only tree that keeps the hash of every complete aligned subtree, level by level (the layout
 * tile-based storage uses). It is the reference {@link HashReader}: proofs against it take O(log n) lookups.
 * Stores about 2n hashes, so it suits tests, tools and small logs, not tens of millions of entries.
 */
export class MemoryTree implements HashReader {
  // levels[l][i] is the hash of the complete subtree (l, i).
  readonly #levels: Uint8Array[][] = [[]];

  /** A tree holding the given leaf hashes, in order. */
  static from(leafHashes: Iterable<Uint8Array>): MemoryTree {
    const tree = new MemoryTree();
    for (const h of leafHashes) tree.append(h);
    return tree;
  }

  /** Number of leaves. */
  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends a leaf hash (already `leafHash(entry)`) and returns its index. */
  append(leafHash: Uint8Array): number {
    assertHash(leafHash, 'leaf hash');
    const index = this.size;
    this.#levels[0]!.push(leafHash.slice());
    let i = index;
    for (let level = 0; i % 2 === 1; level++) {
      const row = this.#levels[level]!;
      const parent = nodeHash(row[i - 1]!, row[i]!);
      if (this.#levels[level + 1] === undefined) this.#levels.push([]);
      this.#levels[level + 1]!.push(parent);
      i = Math.floor(i / 2);
    }
    return index;
  }

  /** The leaf hash at `index` (a copy). Throws INDEX_OUT_OF_RANGE beyond the size. */
  async leaf(index: number): Promise<Uint8Array> {
    assertIndex(index, this.size);
    return this.#levels[0]![index]!.slice();
  }

  /** The hash of the complete subtree (level, index) (a copy), or undefined if that subtree is not complete yet. */
  async node(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.#levels[level]?.[index]?.slice();
  }

  /** The root hash of the tree of the first `size` leaves (default: all), computed from stored subtrees. */
  root(size: number = this.size): Uint8Array {
    assertSize(size, 'size');
    if (size > this.size) throw new MerkleError('INVALID_SIZE', `size ${size} exceeds the tree's ${this.size} leaves`);
    return foldRight(decompose(0, size).map(({ level, index }) => this.#levels[level]![index]!)).slice();
  }
}
