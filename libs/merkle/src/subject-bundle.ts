import type { Checkpoint } from './checkpoint.js';
import { bytesEqual } from './encoding.js';
import { isMerkleError } from './errors.js';
import { mapKey } from './map-hash.js';
import { type MapProof, verifyMapProof } from './sparse-map.js';
import { emptySubjectChain, extendSubjectChain, type SubjectChain, subjectMapValue } from './subject-chain.js';
import { subjectMapRoot } from './subject-map-extension.js';

/**
 * Why a subject bundle was refused. Checked in this order, so each tampering gets the most telling name:
 * - `BUNDLE_MALFORMED`: an index that is not a safe non-negative integer, a hash not 32 bytes, a bad claimed chain;
 * - `MAP_ROOT_MISSING`: the checkpoint has no valid `onceonly-subject-map` line, so nothing proves completeness;
 * - `SUBJECT_MISMATCH`: an entry says it is about another subject than the bundle;
 * - `DUPLICATE_ENTRY`: one log index twice;
 * - `OUT_OF_ORDER`: indexes not increasing;
 * - `ENTRY_OUT_OF_RANGE`: an index at or beyond the checkpoint's size;
 * - `MAP_PROOF_INVALID`: the map proof does not verify for this subject and claimed chain against the map root;
 * - `MAP_AHEAD_OF_LOG`: the map (signed!) claims an entry at or beyond the size: the log signed an inconsistent pair;
 * - `MISSING_ENTRY` / `EXTRA_ENTRY`: fewer or more entries than the map commits to, or a last index below / above it;
 * - `CHAIN_MISMATCH`: as many entries as committed, same last index, but another list (an entry replaced).
 */
export const BUNDLE_REASONS = [
  'BUNDLE_MALFORMED',
  'MAP_ROOT_MISSING',
  'SUBJECT_MISMATCH',
  'DUPLICATE_ENTRY',
  'OUT_OF_ORDER',
  'ENTRY_OUT_OF_RANGE',
  'MAP_PROOF_INVALID',
  'MAP_AHEAD_OF_LOG',
  'MISSING_ENTRY',
  'EXTRA_ENTRY',
  'CHAIN_MISMATCH',
] as const;

/** One of {@link BUNDLE_REASONS}. */
export type BundleReason = (typeof BUNDLE_REASONS)[number];

/** One log entry of a bundle: its index in the log and its RFC 6962 leaf hash. */
export interface SubjectBundleEntry {
  readonly index: number;
  readonly leafHash: Uint8Array;
  /** The subject the entry's body names, as the caller decoded it; compared with the bundle's subject when given. */
  readonly subject?: string;
}

/** The map's claim about a subject: the chain it holds (or `undefined`: absent), and the proof of that claim. */
export interface SubjectMapClaim {
  readonly chain: SubjectChain | undefined;
  readonly proof: MapProof;
}

/** What {@link verifySubjectBundle} checks: all of a subject's entries up to a checkpoint. */
export interface SubjectBundle {
  /** A checkpoint the caller has already opened with the log's key (see openCheckpoint). */
  readonly checkpoint: Checkpoint;
  readonly subject: string;
  readonly entries: readonly SubjectBundleEntry[];
  readonly mapProof: SubjectMapClaim;
}

/** The verdict: complete, with the count and last index; or refused, with a reason and the entry at fault if any. */
export type SubjectBundleResult =
  | { readonly ok: true; readonly count: number; readonly lastIndex: number }
  | { readonly ok: false; readonly reason: BundleReason; readonly position?: number };

const refuse = (reason: BundleReason, position?: number): SubjectBundleResult =>
  position === undefined ? { ok: false, reason } : { ok: false, reason, position };

/**
 * Checks that a bundle holds every entry about its subject in the log up to the checkpoint's size, and nothing
 * else: the entries' chain must equal the value the map (whose root the checkpoint signs) holds for the subject, or
 * the map must prove the subject absent and the bundle be empty. It does not check each entry's inclusion in the log
 * (do that with verifyInclusion against `checkpoint.root`), nor the checkpoint's signature.
 */
export function verifySubjectBundle(bundle: SubjectBundle): SubjectBundleResult {
  const { checkpoint, subject, entries, mapProof } = bundle;
  if (!wellFormed(bundle)) return refuse('BUNDLE_MALFORMED');
  const root = mapRootOf(checkpoint);
  if (root === undefined) return refuse('MAP_ROOT_MISSING');
  const listFault = checkList(entries, subject, checkpoint.size);
  if (listFault !== undefined) return listFault;
  if (!mapProofHolds(root, subject, mapProof)) return refuse('MAP_PROOF_INVALID');
  return compareWithMap(entries, mapProof.chain ?? emptySubjectChain(), checkpoint.size);
}

const isObject = (x: unknown): x is object => typeof x === 'object' && x !== null;

/** The bundle may come from a file an adversary wrote: check every shape before any hash is computed. */
function wellFormed({ checkpoint, subject, entries, mapProof }: SubjectBundle): boolean {
  if (!isObject(checkpoint) || !Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) return false;
  if (typeof subject !== 'string' || !Array.isArray(entries) || !isObject(mapProof) || !isObject(mapProof.proof)) {
    return false;
  }
  const isIndex = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const isHash = (h: unknown) => h instanceof Uint8Array && h.length === 32;
  const entriesOk = entries.every(
    (e: SubjectBundleEntry | null) => isObject(e) && isIndex(e.index) && isHash(e.leafHash),
  );
  const c = mapProof.chain;
  const chainOk =
    c === undefined || (isObject(c) && isIndex(c.count) && c.count >= 1 && isIndex(c.lastIndex) && isHash(c.head));
  return entriesOk && chainOk;
}

function mapRootOf(checkpoint: Checkpoint): Uint8Array | undefined {
  try {
    return subjectMapRoot(checkpoint);
  } catch (err) {
    if (isMerkleError(err)) return undefined;
    throw err;
  }
}

/** The checks that need no map: subjects, duplicates, order, range. Returns the first fault. */
function checkList(
  entries: readonly SubjectBundleEntry[],
  subject: string,
  size: number,
): SubjectBundleResult | undefined {
  const mismatch = entries.findIndex((e) => e.subject !== undefined && e.subject !== subject);
  if (mismatch >= 0) return refuse('SUBJECT_MISMATCH', mismatch);
  const seen = new Set<number>();
  for (const [i, e] of entries.entries()) {
    if (seen.has(e.index)) return refuse('DUPLICATE_ENTRY', i);
    seen.add(e.index);
  }
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.index < entries[i - 1]!.index) return refuse('OUT_OF_ORDER', i);
  }
  const beyond = entries.findIndex((e) => e.index >= size);
  return beyond >= 0 ? refuse('ENTRY_OUT_OF_RANGE', beyond) : undefined;
}

function mapProofHolds(root: Uint8Array, subject: string, claim: SubjectMapClaim): boolean {
  try {
    const value = claim.chain === undefined ? undefined : subjectMapValue(claim.chain);
    return verifyMapProof(root, mapKey(subject), value, claim.proof);
  } catch (err) {
    if (isMerkleError(err)) return false;
    throw err;
  }
}

/** The claimed chain is now authenticated by the map: compare the entries with it. */
function compareWithMap(
  entries: readonly SubjectBundleEntry[],
  claimed: SubjectChain,
  size: number,
): SubjectBundleResult {
  if (claimed.lastIndex >= size) return refuse('MAP_AHEAD_OF_LOG');
  if (entries.length < claimed.count) return refuse('MISSING_ENTRY');
  if (entries.length > claimed.count) return refuse('EXTRA_ENTRY');
  const chain = entries.reduce((c, e) => extendSubjectChain(c, e.index, e.leafHash), emptySubjectChain());
  if (bytesEqual(chain.head, claimed.head)) return { ok: true, count: chain.count, lastIndex: chain.lastIndex };
  if (chain.lastIndex < claimed.lastIndex) return refuse('MISSING_ENTRY');
  if (chain.lastIndex > claimed.lastIndex) return refuse('EXTRA_ENTRY');
  return refuse('CHAIN_MISMATCH');
}
