import { bytesEqual, toHex } from './encoding.js';
import { MerkleError } from './errors.js';
import { assert32, EMPTY_HASHES, keyBit, MAP_DEPTH, mapLeafHash, mapNodeHash } from './map-hash.js';

/**
 * A node of the map: the subtree at `depth` (0 = the root, 256 = a leaf) whose keys all start with the first `depth`
 * bits of `prefix`. `prefix` is 32 bytes with every bit from `depth` on set to zero, so `(depth, prefix)` is a
 * canonical storage key.
 */
export interface MapNodeId {
  readonly depth: number;
  readonly prefix: Uint8Array;
}

/** A stored node: its id and its hash. Only non-empty subtrees are ever stored. */
export interface MapNode extends MapNodeId {
  readonly hash: Uint8Array;
}

/** One key and its 32-byte value. */
export interface MapEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * The port through which the map reads storage (a PostgreSQL table keyed by `(depth, prefix)`, or memory in tests).
 * Both reads are batched: an update or a proof asks for all the nodes it needs in one call, so that SQL can answer
 * with one statement.
 */
export interface MapReader {
  /** The stored hash of each node, in the order asked, or `undefined` where the subtree is empty (never stored). */
  nodes(ids: readonly MapNodeId[]): Promise<readonly (Uint8Array | undefined)[]>;
  /** The value stored at `key`, or `undefined` if the key is absent. */
  value(key: Uint8Array): Promise<Uint8Array | undefined>;
}

/** What one update computed: the new root, and the nodes and values to write (in one transaction, to stay whole). */
export interface MapUpdate {
  readonly root: Uint8Array;
  /** Every node on the updated paths, leaves (depth 256) included: upsert them by `(depth, prefix)`. */
  readonly nodes: readonly MapNode[];
  /** The new values, by key. */
  readonly values: readonly MapEntry[];
}

/**
 * A compressed map proof: which of the 256 siblings on the key's path are not empty subtrees, and those siblings.
 * Bit `i` of `bitmap` (most significant bit of byte 0 first) is set when the sibling at height `i` (0 = the leaf's
 * sibling, 255 = a child of the root) is stored; `siblings` holds exactly those hashes, from height 0 upward.
 */
export interface MapProof {
  readonly bitmap: Uint8Array;
  readonly siblings: readonly Uint8Array[];
}

/** @internal The first `depth` bits of `key`, the rest zeroed. */
export function prefixOf(key: Uint8Array, depth: number): Uint8Array {
  const out = new Uint8Array(32);
  out.set(key.subarray(0, depth >> 3));
  if (depth & 7 && depth < MAP_DEPTH) out[depth >> 3] = key[depth >> 3]! & (0xff << (8 - (depth & 7)));
  return out;
}

/** The sibling of the node at `depth + 1` on `key`'s path: same prefix, bit `depth` flipped. */
function siblingId(key: Uint8Array, depth: number): MapNodeId {
  const prefix = prefixOf(key, depth + 1);
  prefix[depth >> 3] = prefix[depth >> 3]! ^ (0x80 >> (depth & 7));
  return { depth: depth + 1, prefix };
}

// A Map key per node: the depth and the prefix's significant bytes as latin1 (shorter and faster than hex).
const idString = (id: MapNodeId): string =>
  `${id.depth}/${Buffer.from(id.prefix.buffer, id.prefix.byteOffset, (id.depth + 7) >> 3).toString('latin1')}`;

/** @internal Compares keys as big-endian numbers, which is the left-to-right order of the tree. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function sortedUnique(entries: readonly MapEntry[]): MapEntry[] {
  for (const e of entries) {
    assert32(e.key, 'a map key');
    assert32(e.value, 'a map value');
  }
  const sorted = [...entries].sort((a, b) => compareKeys(a.key, b.key));
  for (let i = 1; i < sorted.length; i++) {
    if (compareKeys(sorted[i - 1]!.key, sorted[i]!.key) === 0) {
      throw new MerkleError('MAP_DUPLICATE_KEY', 'a batch of map updates names the same key twice');
    }
  }
  return sorted;
}

/** First index in `[lo, hi)` whose key has bit `depth` set (keys are sorted, so the range splits there). */
function split(entries: readonly MapEntry[], depth: number, lo: number, hi: number): number {
  let mid = lo;
  while (mid < hi && keyBit(entries[mid]!.key, depth) === 0) mid++;
  return mid;
}

/** Collects the siblings that the batch does not recompute: the side of each split that no updated key enters. */
function collectSiblings(entries: readonly MapEntry[], depth: number, lo: number, hi: number, out: MapNodeId[]): void {
  if (depth === MAP_DEPTH) return;
  const mid = split(entries, depth, lo, hi);
  if (mid === lo || mid === hi) out.push(siblingId(entries[lo]!.key, depth));
  if (mid > lo) collectSiblings(entries, depth + 1, lo, mid, out);
  if (mid < hi) collectSiblings(entries, depth + 1, mid, hi, out);
}

/** One pass over a sorted batch: the hash of the subtree at `depth` holding `[lo, hi)`, writing each node it makes. */
function build(
  entries: readonly MapEntry[],
  depth: number,
  lo: number,
  hi: number,
  stored: ReadonlyMap<string, Uint8Array>,
  out: MapNode[],
): Uint8Array {
  const key = entries[lo]!.key;
  const hash =
    depth === MAP_DEPTH ? mapLeafHash(key, entries[lo]!.value) : buildChildren(entries, depth, lo, hi, stored, out);
  out.push({ depth, prefix: prefixOf(key, depth), hash });
  return hash;
}

function buildChildren(
  entries: readonly MapEntry[],
  depth: number,
  lo: number,
  hi: number,
  stored: ReadonlyMap<string, Uint8Array>,
  out: MapNode[],
): Uint8Array {
  const mid = split(entries, depth, lo, hi);
  const other = () => stored.get(idString(siblingId(entries[lo]!.key, depth))) ?? EMPTY_HASHES[MAP_DEPTH - depth - 1]!;
  const left = mid > lo ? build(entries, depth + 1, lo, mid, stored, out) : other();
  const right = mid < hi ? build(entries, depth + 1, mid, hi, stored, out) : other();
  return mapNodeHash(left, right);
}

async function readNodes(reader: MapReader, ids: readonly MapNodeId[]): Promise<Map<string, Uint8Array>> {
  const hashes = await reader.nodes(ids);
  if (hashes.length !== ids.length) throw new MerkleError('READER_INCONSISTENT', 'the map reader lost a node');
  const out = new Map<string, Uint8Array>();
  ids.forEach((id, i) => {
    const h = hashes[i];
    if (h === undefined) return;
    // Storage is not a caller, but a wrong-sized hash there must never become a root or a proof.
    if (!(h instanceof Uint8Array) || h.length !== 32) {
      throw new MerkleError('READER_INCONSISTENT', `the map reader returned a bad hash at depth ${id.depth}`);
    }
    out.set(idString(id), h);
  });
  return out;
}

/** The current root: the stored root node, or the empty map's root. */
export async function mapRoot(reader: MapReader): Promise<Uint8Array> {
  const root: MapNodeId = { depth: 0, prefix: new Uint8Array(32) };
  return (await readNodes(reader, [root])).get(idString(root)) ?? EMPTY_HASHES[MAP_DEPTH]!.slice();
}

/**
 * Sets several keys in one pass. Reads every untouched sibling in one `nodes` call, then hashes each node on the
 * union of the paths once (a batch of b keys shares its top levels: about b·(256 − log2 b) node hashes instead of
 * b·256). The result does not depend on the order of `entries`. Throws MAP_KEY (a key or value not 32 bytes) or
 * MAP_DUPLICATE_KEY. Writes nothing: the caller stores `nodes` and `values`.
 */
export async function updateMap(reader: MapReader, entries: readonly MapEntry[]): Promise<MapUpdate> {
  const sorted = sortedUnique(entries);
  if (sorted.length === 0) return { root: await mapRoot(reader), nodes: [], values: [] };
  const ids: MapNodeId[] = [];
  collectSiblings(sorted, 0, 0, sorted.length, ids);
  const stored = await readNodes(reader, ids);
  const nodes: MapNode[] = [];
  const root = build(sorted, 0, 0, sorted.length, stored, nodes);
  return { root, nodes, values: sorted.map((e) => ({ key: e.key, value: e.value })) };
}

/**
 * The value at `key` (or `undefined`) and its compressed proof of inclusion (or, when absent, of non-inclusion).
 * One `nodes` call for the 256 siblings. Verify with {@link verifyMapProof}.
 */
export async function mapProof(
  reader: MapReader,
  key: Uint8Array,
): Promise<{ value: Uint8Array | undefined; proof: MapProof }> {
  assert32(key, 'a map key');
  const ids = Array.from({ length: MAP_DEPTH }, (_, height) => siblingId(key, MAP_DEPTH - 1 - height));
  const [stored, value] = await Promise.all([readNodes(reader, ids), reader.value(key)]);
  const bitmap = new Uint8Array(32);
  const siblings: Uint8Array[] = [];
  ids.forEach((id, height) => {
    const h = stored.get(idString(id));
    if (h === undefined || bytesEqual(h, EMPTY_HASHES[height]!)) return;
    bitmap[height >> 3] = bitmap[height >> 3]! | (0x80 >> (height & 7));
    siblings.push(h);
  });
  return { value: value?.slice(), proof: { bitmap, siblings } };
}

/**
 * Checks a map proof: that `root` maps `key` to `value`, or, with `value` undefined, that `key` is absent. Walks the
 * path from the leaf up, taking each sibling from the proof where its bit is set and the empty-subtree hash where it
 * is not. Returns `false` when the hashes do not add up. Throws MAP_KEY (key, value or root not 32 bytes) or
 * MAP_PROOF_FORMAT (bitmap not 32 bytes, sibling count not the number of set bits, a sibling not 32 bytes or equal
 * to the empty-subtree hash, which would make proofs non-unique).
 */
export function verifyMapProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: MapProof,
): boolean {
  assert32(root, 'a map root');
  assert32(key, 'a map key');
  let hash = value === undefined ? EMPTY_HASHES[0]! : mapLeafHash(key, value);
  const siblings = checkedSiblings(proof);
  let next = 0;
  for (let height = 0; height < MAP_DEPTH; height++) {
    const set = (proof.bitmap[height >> 3]! >> (7 - (height & 7))) & 1;
    const sibling = set ? siblings[next++]! : EMPTY_HASHES[height]!;
    if (set && bytesEqual(sibling, EMPTY_HASHES[height]!)) {
      throw new MerkleError('MAP_PROOF_FORMAT', 'a map proof lists an empty subtree as a sibling');
    }
    hash = keyBit(key, MAP_DEPTH - 1 - height) ? mapNodeHash(sibling, hash) : mapNodeHash(hash, sibling);
  }
  return bytesEqual(hash, root);
}

function checkedSiblings(proof: MapProof): readonly Uint8Array[] {
  if (
    typeof proof !== 'object' ||
    proof === null ||
    !(proof.bitmap instanceof Uint8Array) ||
    proof.bitmap.length !== 32
  ) {
    throw new MerkleError('MAP_PROOF_FORMAT', 'a map proof bitmap is 32 bytes');
  }
  let bits = 0;
  for (const byte of proof.bitmap) for (let b = byte; b; b >>= 1) bits += b & 1;
  if (!Array.isArray(proof.siblings) || proof.siblings.length !== bits) {
    throw new MerkleError('MAP_PROOF_FORMAT', 'a map proof has one sibling per set bit');
  }
  for (const s of proof.siblings) {
    if (!(s instanceof Uint8Array) || s.length !== 32)
      throw new MerkleError('MAP_PROOF_FORMAT', 'a sibling is 32 bytes');
  }
  return proof.siblings;
}

/**
 * The map in memory, for tests and benches: a {@link MapReader} plus {@link MemoryMap.set}, which applies an update
 * the way a database writer would (upsert every node and value it returns).
 */
export class MemoryMap implements MapReader {
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #values = new Map<string, Uint8Array>();

  nodes(ids: readonly MapNodeId[]): Promise<readonly (Uint8Array | undefined)[]> {
    return Promise.resolve(ids.map((id) => this.#nodes.get(idString(id))));
  }

  value(key: Uint8Array): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#values.get(toHex(key)));
  }

  /** Number of stored nodes (leaves included). */
  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** Stores what an update computed. */
  apply(update: MapUpdate): void {
    for (const n of update.nodes) this.#nodes.set(idString(n), n.hash);
    for (const v of update.values) this.#values.set(toHex(v.key), v.value.slice());
  }

  /** Computes and applies one update; returns it (root, nodes written, values). */
  async set(key: Uint8Array, value: Uint8Array): Promise<MapUpdate> {
    return this.setMany([{ key, value }]);
  }

  /** Computes and applies a batch; returns it. */
  async setMany(entries: readonly MapEntry[]): Promise<MapUpdate> {
    const update = await updateMap(this, entries);
    this.apply(update);
    return update;
  }

  /** The value at `key`. */
  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.value(key);
  }

  /** The current root. */
  root(): Promise<Uint8Array> {
    return mapRoot(this);
  }

  /** The value at `key` and its proof. */
  proof(key: Uint8Array): Promise<{ value: Uint8Array | undefined; proof: MapProof }> {
    return mapProof(this, key);
  }
}
