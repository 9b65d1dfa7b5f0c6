import {
  type Checkpoint,
  isMerkleError,
  type NoteVerifier,
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '@onceonly/merkle';
import { type Finding, finding } from '@onceonly/replay';
import { type Completeness, type CompletenessInput, checkCompleteness } from './completeness.js';
import { followKeyAnnouncements, keyAtSize } from './key-rotation.js';
import { type LoggableEvent, leafOf } from './leaf.js';
import { checkAgainstLog, type OnlineLogView } from './online-key-check.js';

/** The format tag of an export bundle: v2 adds the subject map proof (ADR 006). */
export const BUNDLE_FORMAT = 'onceonly.audit.bundle/v2';
/** The format before the subject map: still verified, with a notice that completeness is not proven. */
export const BUNDLE_FORMAT_V1 = 'onceonly.audit.bundle/v1';

/**
 * The subject map's claim in a bundle (ADR 006), hashes in hex: the chain the map holds for the bundle's subject at
 * the checkpoint's size (null: the map proves the subject absent), and the compressed proof of it.
 */
export interface BundleSubjectMap {
  readonly chain: { readonly count: number; readonly head: string; readonly lastIndex: number } | null;
  /** 32 bytes: bit i set when the sibling at height i is listed. */
  readonly bitmap: string;
  readonly siblings: readonly string[];
}

/** One event of a bundle: its attributes and body, its leaf and its inclusion proof in the bundle's checkpoint. */
export interface BundleEvent {
  readonly leafIndex: number;
  /** Hex. Informative: the verifier recomputes it from `event`. */
  readonly leafHash: string;
  /** Hex hashes of the audit path, bottom up. */
  readonly proof: readonly string[];
  /** The CloudEvents attributes and the body (`data`, standard base64). */
  readonly event: Omit<LoggableEvent, 'data'> & { readonly data: string };
}

/**
 * What `onceonly audit export` writes: a subject's events with inclusion proofs, the signed checkpoint they are
 * proven against and the log's verifier key, so that `onceonly audit verify` can check it with no access to the hub.
 */
export interface AuditBundle {
  readonly format: typeof BUNDLE_FORMAT | typeof BUNDLE_FORMAT_V1;
  readonly origin: string;
  /** C2SP vkey of the log. Compare it with the published one (or pass it to verify). */
  readonly verifierKey: string;
  /** The signed checkpoint note (with any witness cosignatures). */
  readonly checkpoint: string;
  readonly treeSize: number;
  /** Hex. */
  readonly rootHash: string;
  readonly subject: string;
  readonly exportedAt: string;
  readonly events: readonly BundleEvent[];
  /** A consistency proof from an earlier tree size the auditor holds a checkpoint of (`export --since-size`). */
  readonly consistency?: { readonly fromSize: number; readonly proof: readonly string[] };
  /**
   * When the log rotated its key: the signed checkpoints that announce each new key (`onceonly-key-rotation`), oldest
   * first, so that a verifier holding an earlier key can follow to `verifierKey`.
   */
  readonly keyAnnouncements?: readonly string[];
  /** The proof that `events` are all of the subject's entries up to `treeSize` (v2; absent in v1). */
  readonly subjectMap?: BundleSubjectMap;
}

/** What the auditor trusts, given to {@link verifyBundle}. */
export interface BundleTrust {
  /** The log's verifier key as published. Without it the bundle's own key is used (and a notice says so). */
  readonly verifierKey?: string;
  /** A signed checkpoint the auditor saw earlier: the bundle's checkpoint must be consistent with it. */
  readonly earlierCheckpoint?: string;
  /**
   * Not a subject bundle but a checkpoint alone or one event's proof (`audit checkpoint`, `audit prove`): the
   * subject and completeness are not checked. `audit verify` never sets it.
   */
  readonly partial?: boolean;
  /**
   * The verifier knows the bundle is a role-filtered view (a department's or the portal's export, which holds only the
   * entries that role may read) and does not ask it to be complete: each event must still be proven and of the
   * subject. A bundle that carries a subject map proof is still checked against it. `audit verify --filtered-view`.
   */
  readonly filteredView?: boolean;
  /**
   * The log as it is now, fetched by the verifier (`audit verify --online`): its key announcements and latest
   * checkpoint, against which the bundle's checkpoint is checked (domain/online-key-check.ts; ADR 009's known limit).
   * Without it, a bundle checked with a pinned key gets the notice KEY_ROTATION_UNCHECKED.
   */
  readonly online?: OnlineLogView;
}

/** The result of {@link verifyBundle}. */
export interface BundleReport {
  readonly findings: Finding[];
  readonly treeSize?: number;
  readonly events: number;
  readonly eventsVerified: number;
  /** False when no key was given and the bundle's own key was used (KEY_UNPINNED): compare it with the published. */
  readonly keyPinned: boolean;
  /** Whether the bundle proves it holds every entry of its subject up to `treeSize` (see {@link Completeness}). */
  readonly completeness: Completeness;
  /** Whether the pinned key's replacement before the checkpoint was ruled out (see {@link KeyRotationCheck}). */
  readonly keyRotation?: KeyRotationCheck;
}

/**
 * `checked-online`: the log's own announcements and latest checkpoint were fetched and the checkpoint is signed by the
 * key in force at its size, in a tree the log still extends; `unchecked`: verified offline with a pinned key, which
 * cannot show that key had not been replaced (ADR 009); `not-applicable`: no key pinned, or not a subject bundle.
 */
export type KeyRotationCheck = 'checked-online' | 'unchecked' | 'not-applicable';

const HEX32 = /^[0-9a-f]{64}$/;

/**
 * Checks a bundle offline: the checkpoint's signature with the trusted key, every event's leaf recomputed from its
 * attributes and body, every inclusion proof against the signed root, and optionally consistency with a checkpoint
 * seen earlier. Every problem is a named finding; no exception escapes for bad input.
 */
export function verifyBundle(input: unknown, trust: BundleTrust = {}): BundleReport {
  const findings: Finding[] = [];
  const keyPinned = trust.verifierKey !== undefined;
  const bundle = readBundle(input, findings);
  if (bundle === undefined) return { findings, events: 0, eventsVerified: 0, keyPinned, completeness: 'refuted' };
  const keys = trustedVerifier(bundle, trust, findings);
  const verifier = keys?.current;
  const checkpoint = verifier ? openSigned(bundle.checkpoint, verifier, bundle.origin, findings) : undefined;
  const events = bundle.events.length;
  if (checkpoint === undefined) return { findings, events, eventsVerified: 0, keyPinned, completeness: 'refuted' };
  if (checkpoint.size !== bundle.treeSize || hex(checkpoint.root) !== bundle.rootHash) {
    findings.push(
      finding('BUNDLE_MALFORMED', 'the bundle states another tree size or root than its signed checkpoint', {
        size: checkpoint.size,
      }),
    );
  }
  const entries: CompletenessInput['entries'][number][] = [];
  for (const item of bundle.events) {
    const leaf = checkEvent(item, checkpoint, findings);
    if (leaf) entries.push({ index: item.leafIndex, leafHash: leaf.hash, verified: leaf.verified });
    if (!trust.partial) checkSubject(item, bundle.subject, findings);
  }
  if (trust.earlierCheckpoint !== undefined && keys) {
    checkConsistency(bundle, checkpoint, trust.earlierCheckpoint, keys.chain, findings);
  }
  const keyRotation = keyFreshness(bundle, checkpoint, trust, findings);
  const completeness = trust.partial
    ? 'not-checked'
    : trust.filteredView && bundle.subjectMap === undefined
      ? notClaimed(findings)
      : checkCompleteness({ checkpoint, subject: bundle.subject, entries, claim: bundle.subjectMap }, findings);
  const eventsVerified = entries.filter((e) => e.verified).length;
  return { findings, treeSize: checkpoint.size, events, eventsVerified, keyPinned, completeness, keyRotation };
}

/**
 * Whether the key that signed the checkpoint was still the log's key at its size (ADR 009): checked against the log
 * fetched online (its findings added), or `unchecked` when a pinned key verified it offline: a checkpoint signed by a
 * replaced key verifies then, and the CLI says so (KEY_ROTATION_UNCHECKED).
 */
function keyFreshness(
  bundle: AuditBundle,
  checkpoint: Checkpoint,
  trust: BundleTrust,
  findings: Finding[],
): KeyRotationCheck {
  if (trust.verifierKey === undefined || trust.partial) return 'not-applicable';
  if (trust.online === undefined) return 'unchecked';
  const signed = { checkpoint, signedNote: bundle.checkpoint };
  findings.push(...checkAgainstLog(trust.verifierKey, bundle.origin, signed, trust.online));
  return 'checked-online';
}

/** A filtered view's completeness: not claimed, and said so (a notice the CLI prints as a warning). */
function notClaimed(findings: Finding[]): Completeness {
  findings.push(
    finding(
      'COMPLETENESS_NOT_CLAIMED',
      'verified as a role-filtered view: every event is proven, but not that the subject has no other events',
    ),
  );
  return 'not-checked';
}

const BUNDLE_FIELDS = new Set([
  'format',
  'origin',
  'verifierKey',
  'checkpoint',
  'treeSize',
  'rootHash',
  'subject',
  'exportedAt',
  'events',
  'consistency',
  'subjectMap',
  'keyAnnouncements',
]);
const EVENT_FIELDS = new Set(['leafIndex', 'leafHash', 'proof', 'event']);
const ATTRIBUTES = new Set([
  'id',
  'source',
  'type',
  'subject',
  'time',
  'specversion',
  'datacontenttype',
  'dataschema',
  'sequence',
  'data',
]);

/**
 * Fields the format does not define are refused, not ignored: the leaf does not commit to them, so an added
 * attribute would otherwise ride along as if the log had signed it.
 */
function unknownFields(b: Record<string, unknown>, findings: Finding[]): void {
  const report = (where: string, key: string, at: Partial<Finding> = {}) =>
    findings.push(finding('UNKNOWN_FIELD', `${where} has a field the bundle format does not define: ${key}`, at));
  for (const key of Object.keys(b)) if (!BUNDLE_FIELDS.has(key)) report('the bundle', key);
  for (const item of b.events as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const e = item as Record<string, unknown>;
    const at = Number.isSafeInteger(e.leafIndex) ? { leafIndex: e.leafIndex as number } : {};
    for (const key of Object.keys(e)) if (!EVENT_FIELDS.has(key)) report('an event', key, at);
    if (typeof e.event !== 'object' || e.event === null) continue;
    for (const key of Object.keys(e.event)) if (!ATTRIBUTES.has(key)) report('an event', key, at);
  }
}

function checkSubject(item: BundleEvent, subject: string, findings: Finding[]): void {
  const about = item?.event?.subject;
  if (typeof about !== 'string' || about === subject) return;
  const at = { leafIndex: item.leafIndex, eventId: typeof item.event.id === 'string' ? item.event.id : undefined };
  findings.push(finding('SUBJECT_MISMATCH', `an event about another subject than the bundle's ${subject}`, at));
}

function readBundle(input: unknown, findings: Finding[]): AuditBundle | undefined {
  const bad = (why: string) => {
    findings.push(finding('BUNDLE_MALFORMED', why));
    return undefined;
  };
  if (typeof input !== 'object' || input === null) return bad('the bundle is not a JSON object');
  const b = input as Record<string, unknown>;
  if (b.format !== BUNDLE_FORMAT && b.format !== BUNDLE_FORMAT_V1) {
    return bad(`the bundle format is neither ${BUNDLE_FORMAT} nor ${BUNDLE_FORMAT_V1}`);
  }
  for (const key of ['origin', 'verifierKey', 'checkpoint', 'rootHash', 'subject'] as const) {
    if (typeof b[key] !== 'string') return bad(`the bundle has no ${key}`);
  }
  if (!Number.isSafeInteger(b.treeSize)) return bad('the bundle has no treeSize');
  if (!Array.isArray(b.events)) return bad('the bundle has no events');
  unknownFields(b, findings);
  return input as AuditBundle;
}

/** The key that checks the bundle's checkpoint, and every key trusted along the way (for an earlier checkpoint). */
interface TrustedKeys {
  readonly current: NoteVerifier;
  readonly chain: readonly NoteVerifier[];
}

function trustedVerifier(bundle: AuditBundle, trust: BundleTrust, findings: Finding[]): TrustedKeys | undefined {
  try {
    const own = parseVerifierKey(bundle.verifierKey);
    if (trust.verifierKey === undefined) {
      findings.push(
        finding(
          'KEY_UNPINNED',
          `the log key was taken from the bundle (${own.verifierKey}): compare it with the published key`,
        ),
      );
      return { current: own, chain: [own] };
    }
    const pinned = parseVerifierKey(trust.verifierKey);
    if (pinned.verifierKey === own.verifierKey) return { current: pinned, chain: [pinned] };
    if (bundle.keyAnnouncements === undefined) {
      findings.push(finding('KEY_MISMATCH', 'the bundle names another log key than the one trusted'));
      return { current: pinned, chain: [pinned] };
    }
    return rotatedVerifier(bundle, pinned.verifierKey, findings);
  } catch (err) {
    findings.push(finding('BUNDLE_MALFORMED', `a verifier key is malformed: ${messageOf(err)}`));
    return undefined;
  }
}

/** The bundle's key, if its announcements lead from the pinned key to it (else a finding, and the pinned key). */
function rotatedVerifier(bundle: AuditBundle, pinned: string, findings: Finding[]): TrustedKeys | undefined {
  const announcements = bundle.keyAnnouncements;
  if (!Array.isArray(announcements) || !announcements.every((n) => typeof n === 'string')) {
    findings.push(finding('BUNDLE_MALFORMED', 'keyAnnouncements is not a list of signed checkpoints'));
    return undefined;
  }
  const chain = followKeyAnnouncements(pinned, bundle.verifierKey, announcements, bundle.origin);
  // a checkpoint from before the last rotation (`audit prove --size`) is signed by the key of its size
  if (chain.ok) return { current: keyAtSize(chain, bundle.treeSize), chain: chain.keys };
  findings.push(finding(chain.kind, `the bundle's key is not the pinned one: ${chain.message}`));
  const key = parseVerifierKey(pinned);
  return { current: key, chain: [key] };
}

function openSigned(
  note: string,
  verifier: NoteVerifier | readonly NoteVerifier[],
  origin: string,
  findings: Finding[],
): Checkpoint | undefined {
  try {
    return openCheckpoint(note, Array.isArray(verifier) ? verifier : [verifier as NoteVerifier], origin).checkpoint;
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    findings.push(
      finding('CHECKPOINT_SIGNATURE_INVALID', `the checkpoint does not verify: ${err.reason}: ${err.message}`),
    );
    return undefined;
  }
}

/** Checks one event's leaf and inclusion proof; returns its recomputed leaf hash (undefined if it cannot be read). */
function checkEvent(
  item: BundleEvent,
  checkpoint: { size: number; root: Uint8Array },
  findings: Finding[],
): { hash: Uint8Array; verified: boolean } | undefined {
  const id = typeof item?.event?.id === 'string' ? item.event.id : undefined;
  const at = { leafIndex: item?.leafIndex, eventId: id };
  let leaf: ReturnType<typeof leafOf>;
  try {
    if (!Number.isSafeInteger(item.leafIndex) || !Array.isArray(item.proof)) throw new Error('no leaf index or proof');
    if (!item.proof.every((h) => typeof h === 'string' && HEX32.test(h))) throw new Error('a proof hash is not hex');
    leaf = leafOf({ ...item.event, data: base64(item.event.data) });
  } catch (err) {
    findings.push(finding('BUNDLE_MALFORMED', `event ${id ?? '?'}: ${messageOf(err)}`, at));
    return undefined;
  }
  if (item.leafHash !== hex(leaf.hash)) {
    findings.push(
      finding('LEAF_HASH_MISMATCH', `event ${id}: its attributes and body do not give the stated leaf hash`, at),
    );
  }
  const proof = item.proof.map((h) => Buffer.from(h, 'hex'));
  let ok = false;
  try {
    ok = verifyInclusion(leaf.hash, item.leafIndex, checkpoint.size, proof, checkpoint.root);
  } catch (err) {
    if (!isMerkleError(err)) throw err;
  }
  if (!ok) {
    findings.push(
      finding('PROOF_INVALID', `event ${id}: not proven to be leaf ${item.leafIndex} of the signed tree`, at),
    );
  }
  return { hash: leaf.hash, verified: ok };
}

function checkConsistency(
  bundle: AuditBundle,
  checkpoint: { size: number; root: Uint8Array },
  earlierNote: string,
  verifiers: readonly NoteVerifier[],
  findings: Finding[],
): void {
  const earlier = openSigned(earlierNote, verifiers, bundle.origin, findings);
  if (earlier === undefined) return;
  const inconsistent = (why: string): void => {
    findings.push(finding('CHECKPOINT_INCONSISTENT', `checkpoints ${earlier.size} and ${checkpoint.size}: ${why}`));
  };
  if (earlier.size > checkpoint.size) {
    inconsistent('the earlier checkpoint is larger than the bundle');
    return;
  }
  const proof = bundle.consistency;
  if (earlier.size !== checkpoint.size && proof?.fromSize !== earlier.size) {
    inconsistent('the bundle carries no consistency proof from the earlier size');
    return;
  }
  try {
    const hashes = (proof?.proof ?? []).map((h) => Buffer.from(h, 'hex'));
    if (!verifyConsistency(earlier.size, checkpoint.size, hashes, earlier.root, checkpoint.root)) {
      inconsistent('the larger tree does not extend the smaller one');
    }
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    inconsistent(`${err.reason}: ${err.message}`);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function base64(text: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('data is not base64');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
