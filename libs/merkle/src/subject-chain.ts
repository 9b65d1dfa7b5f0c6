import { MerkleError } from './errors.js';
import { assert32, TAG, taggedHash, uint64be } from './map-hash.js';

/**
 * The state of one subject in the map: a hash chain over the log leaves about that subject, in log order. The chain
 * makes the map value commit to the whole list of (index, leaf hash), not only its length: removing, adding,
 * reordering or replacing one entry changes the head.
 *
 * `chain_0 = SHA-256(0x14 || "empty")`,
 * `chain_{k+1} = SHA-256(0x14 || chain_k || uint64be(index) || leafHash)`.
 */
export interface SubjectChain {
  /** Number of entries about the subject; 0 for a subject the log never mentioned. */
  readonly count: number;
  /** The chain head after `count` entries. */
  readonly head: Uint8Array;
  /** The log index of the last entry; -1 when `count` is 0. */
  readonly lastIndex: number;
}

const CHAIN_START = taggedHash(TAG.chain, new TextEncoder().encode('empty'));

/** The chain of a subject with no entries. */
export function emptySubjectChain(): SubjectChain {
  return { count: 0, head: CHAIN_START.slice(), lastIndex: -1 };
}

/**
 * Appends one log entry to a subject's chain. The log is append-only, so indexes only grow: throws CHAIN_ORDER for an
 * index that is not a safe integer above `lastIndex`, MAP_KEY for a leaf hash that is not 32 bytes.
 */
export function extendSubjectChain(chain: SubjectChain, index: number, leafHash: Uint8Array): SubjectChain {
  if (!Number.isSafeInteger(index) || index <= chain.lastIndex || index < 0) {
    throw new MerkleError('CHAIN_ORDER', 'a subject chain grows by strictly increasing log indexes');
  }
  assert32(leafHash, 'a leaf hash');
  const head = taggedHash(TAG.chain, chain.head, uint64be(index), leafHash);
  return { count: chain.count + 1, head, lastIndex: index };
}

/**
 * The 32-byte map value of a non-empty chain: `SHA-256(0x15 || uint64be(count) || head || uint64be(lastIndex))`.
 * A subject without entries has no value: it is absent from the map. Throws CHAIN_ORDER for an empty chain.
 */
export function subjectMapValue(chain: SubjectChain): Uint8Array {
  if (chain.count < 1 || chain.lastIndex < 0) {
    throw new MerkleError('CHAIN_ORDER', 'a subject without entries is absent from the map');
  }
  return taggedHash(TAG.value, uint64be(chain.count), chain.head, uint64be(chain.lastIndex));
}
