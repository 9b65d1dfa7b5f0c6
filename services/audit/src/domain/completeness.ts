import {
  type BundleReason,
  type Checkpoint,
  type MapProof,
  SUBJECT_MAP_EXTENSION,
  type SubjectChain,
  verifySubjectBundle,
} from '@onceonly/merkle';
import { type Finding, type FindingKind, finding } from '@onceonly/replay';

/**
 * Whether a bundle proves it holds every entry about its subject:
 * - `proven`: the signed subject map commits to exactly the bundle's entries;
 * - `unproven`: the checkpoint was signed before the subject map existed (COMPLETENESS_UNPROVEN, a notice);
 * - `refuted`: a named divergence (an entry missing, added, duplicated, out of order, a bad map proof, …);
 * - `not-checked`: not a subject bundle (a checkpoint alone, one event's proof).
 */
export type Completeness = 'proven' | 'unproven' | 'refuted' | 'not-checked';

/** What {@link checkCompleteness} reads from a bundle whose checkpoint signature was verified. */
export interface CompletenessInput {
  readonly checkpoint: Checkpoint;
  readonly subject: string;
  /** The entries in bundle order, each with the leaf hash recomputed from its attributes and body. */
  readonly entries: readonly { readonly index: number; readonly leafHash: Uint8Array; readonly verified: boolean }[];
  /** The bundle's `subjectMap`, as read from JSON (not trusted: every field is checked here). */
  readonly claim: unknown;
}

const REASON_FINDING: Record<BundleReason, FindingKind> = {
  BUNDLE_MALFORMED: 'BUNDLE_MALFORMED',
  MAP_ROOT_MISSING: 'MAP_ROOT_MISSING',
  SUBJECT_MISMATCH: 'SUBJECT_MISMATCH',
  DUPLICATE_ENTRY: 'DUPLICATE_ENTRY',
  OUT_OF_ORDER: 'OUT_OF_ORDER',
  ENTRY_OUT_OF_RANGE: 'ENTRY_OUT_OF_RANGE',
  MAP_PROOF_INVALID: 'MAP_PROOF_INVALID',
  MAP_AHEAD_OF_LOG: 'MAP_AHEAD_OF_LOG',
  MISSING_ENTRY: 'MISSING_ENTRY',
  EXTRA_ENTRY: 'EXTRA_ENTRY',
  CHAIN_MISMATCH: 'CHAIN_MISMATCH',
};

/**
 * Checks that the bundle's entries are all of its subject's entries up to the checkpoint's size (ADR 006), with
 * `verifySubjectBundle`, and reports the verdict as a finding. A checkpoint without an `onceonly-subject-map` line
 * (signed before the map existed) proves nothing about completeness: a notice says so, never that it is complete.
 * A checkpoint with the line and a bundle without a proof is a divergence: stripping the proof must not turn a
 * refutable bundle into an unprovable one.
 */
export function checkCompleteness(input: CompletenessInput, findings: Finding[]): Completeness {
  const { checkpoint, subject, entries, claim } = input;
  const hasMap = (checkpoint.extensions ?? []).some((l) => l.startsWith(`${SUBJECT_MAP_EXTENSION} `));
  if (!hasMap) {
    findings.push(
      finding(
        'COMPLETENESS_UNPROVEN',
        'the checkpoint has no subject map: each event is proven, not that none is missing',
        {
          size: checkpoint.size,
        },
      ),
    );
    return 'unproven';
  }
  if (claim === undefined || claim === null) {
    findings.push(finding('MAP_PROOF_MISSING', 'the checkpoint signs a subject map but the bundle has no map proof'));
    return 'refuted';
  }
  const mapProof = readClaim(claim);
  if (mapProof === undefined) {
    findings.push(finding('BUNDLE_MALFORMED', 'the subject map proof cannot be read'));
    return 'refuted';
  }
  const result = verifySubjectBundle({ checkpoint, subject, entries, mapProof });
  if (result.ok) return 'proven';
  const at = result.position === undefined ? {} : { leafIndex: entries[result.position]?.index };
  findings.push(finding(REASON_FINDING[result.reason], `subject ${subject}: ${result.reason}`, at));
  return 'refuted';
}

const HEX32 = /^[0-9a-f]{64}$/;

function hash(text: unknown): Uint8Array | undefined {
  return typeof text === 'string' && HEX32.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined;
}

/** The claim from JSON; undefined when a field is missing or not of its type (hashes: 64 lower-case hex digits). */
function readClaim(claim: unknown): { chain: SubjectChain | undefined; proof: MapProof } | undefined {
  if (typeof claim !== 'object' || claim === null) return undefined;
  const c = claim as Record<string, unknown>;
  const bitmap = hash(c.bitmap);
  if (bitmap === undefined || !Array.isArray(c.siblings)) return undefined;
  const siblings = c.siblings.map(hash);
  if (siblings.some((s) => s === undefined)) return undefined;
  const proof: MapProof = { bitmap, siblings: siblings as Uint8Array[] };
  if (c.chain === null) return { chain: undefined, proof };
  if (typeof c.chain !== 'object' || c.chain === undefined) return undefined;
  const chain = c.chain as Record<string, unknown>;
  const head = hash(chain.head);
  if (head === undefined || typeof chain.count !== 'number' || typeof chain.lastIndex !== 'number') return undefined;
  return { chain: { count: chain.count, head, lastIndex: chain.lastIndex }, proof };
}
