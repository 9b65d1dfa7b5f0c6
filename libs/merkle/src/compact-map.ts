import { climbEmptyPath } from './empty-path.js';
import { assert32, EMPTY_HASHES, keyBit, MAP_DEPTH, mapLeafHash, mapNodeHash } from './map-hash.js';

/** A key and its value. */
interface LeafNode {
  readonly leaf: true;
  readonly key: Uint8Array;
  value: Uint8Array;
  /** The hash at depth 256 (undefined: not computed since the value changed). */
  own: Uint8Array | undefined;
  /** The hash of the single-key subtree it stands for, seen from depth `from` (a cache). */
  seen: { from: number; hash: Uint8Array } | undefined;
}

/** Where keys part: every key below shares the first `depth` bits of `key`; bit `depth` sends them left or right. */
interface BranchNode {
  readonly leaf: false;
  readonly depth: number;
  /** Any key below (the first `depth` bits are what counts). */
  readonly key: Uint8Array;
  left: MapTrieNode;
  right: MapTrieNode;
  own: Uint8Array | undefined;
  seen: { from: number; hash: Uint8Array } | undefined;
}

type MapTrieNode = LeafNode | BranchNode;

/**
 * The subject map's sparse Merkle tree (see `updateMap`) held in memory as a compressed trie: one node per key and
 * one per point where keys part, each with its subtree's hash cached, instead of one stored node per level of every
 * path. Same roots as {@link MemoryMap} (tests compare them), synchronous, and about 2 × keys nodes: for a replay
 * that recomputes the map at every checkpoint. Setting a key clears the caches on its path only, so a root after
 * `b` changed keys costs about `b × (256 − log2 keys)` node hashes, the minimum the tree's definition allows (the
 * hashes of a path with empty siblings cannot be skipped), with no per-node allocation beyond the hashes.
 */
export class CompactMap {
  #root: MapTrieNode | undefined;
  #size = 0;

  /** Number of keys. */
  get size(): number {
    return this.#size;
  }

  /** Sets `key` to `value` (both 32 bytes; throws MAP_KEY otherwise). */
  set(key: Uint8Array, value: Uint8Array): void {
    assert32(key, 'a map key');
    assert32(value, 'a map value');
    const leaf: LeafNode = { leaf: true, key: key.slice(), value: value.slice(), own: undefined, seen: undefined };
    if (this.#root === undefined) {
      this.#root = leaf;
      this.#size++;
      return;
    }
    let parent: BranchNode | undefined;
    let node: MapTrieNode = this.#root;
    for (;;) {
      const parted = firstDifferentBit(key, node.key);
      if (node.leaf && parted === MAP_DEPTH) {
        node.value = leaf.value;
        node.own = undefined;
        node.seen = undefined;
        return;
      }
      if (node.leaf || parted < node.depth) {
        // the key leaves this subtree's path at bit `parted`: a new branch there holds both
        const branch: BranchNode = {
          leaf: false,
          depth: parted,
          key: node.key,
          left: keyBit(key, parted) ? node : leaf,
          right: keyBit(key, parted) ? leaf : node,
          own: undefined,
          seen: undefined,
        };
        if (parent === undefined) this.#root = branch;
        else if (parent.left === node) parent.left = branch;
        else parent.right = branch;
        this.#size++;
        return;
      }
      node.own = undefined;
      node.seen = undefined;
      parent = node;
      node = keyBit(key, node.depth) ? node.right : node.left;
    }
  }

  /** The root: equal to `updateMap`'s over the same keys and values (the empty map's root when there is none). */
  root(): Uint8Array {
    return this.#root === undefined ? EMPTY_HASHES[MAP_DEPTH]!.slice() : seenFrom(this.#root, 0).slice();
  }
}

/** The hash of the subtree at depth `from` on `node`'s path, which holds `node`'s keys only. */
function seenFrom(node: MapTrieNode, from: number): Uint8Array {
  if (node.seen?.from === from) return node.seen.hash;
  // up from the node's own depth: at each level the other child is an empty subtree (ADR 046: in words)
  const hash = climbEmptyPath(ownHash(node), node.key, node.leaf ? MAP_DEPTH : node.depth, from);
  node.seen = { from, hash };
  return hash;
}

function ownHash(node: MapTrieNode): Uint8Array {
  if (node.own !== undefined) return node.own;
  node.own = node.leaf
    ? mapLeafHash(node.key, node.value)
    : mapNodeHash(seenFrom(node.left, node.depth + 1), seenFrom(node.right, node.depth + 1));
  return node.own;
}

/** The index of the first bit where two 32-byte keys differ (0 = the top bit of byte 0), or 256 when equal. */
function firstDifferentBit(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return MAP_DEPTH;
}
