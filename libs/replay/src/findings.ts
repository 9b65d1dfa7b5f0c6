/**
 * Everything `verify` and `replay` can find wrong, each with a stable kind (assert on kinds, not on messages).
 * A `divergence` makes the check fail; a `notice` is reported but does not (for example an event that the bus no
 * longer holds because its retention passed).
 */
export const FINDING_KINDS = {
  /** Leaf indexes skip: entries were deleted from the log. */
  LEAF_MISSING: 'divergence',
  /** The log returned leaf indexes twice or backwards. */
  LEAF_INDEX_INVALID: 'divergence',
  /** Stored canonical bytes that are not a canonical leaf. */
  LEAF_MALFORMED: 'divergence',
  /** The stored leaf hash is not the hash of the stored canonical bytes. */
  LEAF_HASH_MISMATCH: 'divergence',
  /** The stored columns of an entry (id, subject, ...) differ from what its canonical leaf says. */
  ENTRY_MISMATCH: 'divergence',
  /** The stored body does not hash to the leaf's `datasha256`. */
  BODY_MISMATCH: 'divergence',
  /** One event id in two leaves. */
  EVENT_DUPLICATED: 'divergence',
  /** Two leaves of one partition (or of one source within a partition) in the opposite order of their offsets. */
  LEAF_OUT_OF_ORDER: 'divergence',
  /** An event names as its cause (`causationid`) an event the log does not hold. */
  CAUSE_UNKNOWN: 'divergence',
  /** An event's cause is dated after it: a cause cannot follow its effect. */
  CAUSE_AFTER_EFFECT: 'divergence',
  /**
   * An event's cause is in the log, but at a later leaf: the log reads topics independently, so an effect on one topic
   * may be appended before its cause on another; the cause's time is not after the effect's.
   */
  CAUSE_LOGGED_AFTER: 'notice',
  /** A source's sequence misses numbers. */
  SEQUENCE_GAP: 'divergence',
  /** A source's sequence number appears in two events. */
  SEQUENCE_REPEAT: 'divergence',
  /** A checkpoint whose signature does not verify with the log's key (or that is malformed or for another log). */
  CHECKPOINT_SIGNATURE_INVALID: 'divergence',
  /** A signed checkpoint whose root is not the root of the log's leaves at its size. */
  CHECKPOINT_ROOT_MISMATCH: 'divergence',
  /** Two signed checkpoints that are not two sizes of one append-only tree. */
  CHECKPOINT_INCONSISTENT: 'divergence',
  /** A checkpoint of more leaves than the log holds. */
  CHECKPOINT_BEYOND_LOG: 'divergence',
  /** The log's stated size differs from the number of entries it returned. */
  TREE_SIZE_MISMATCH: 'divergence',
  /** An event on the bus that is not in the log. */
  EVENT_MISSING_FROM_LOG: 'divergence',
  /** An event on the bus that the log's consumer had not reached yet (beyond its committed offset): in flight. */
  EVENT_NOT_YET_LOGGED: 'notice',
  /** An event on the bus whose leaf differs from the log's leaf with the same event id. */
  EVENT_ALTERED: 'divergence',
  /** A bus that carries no signed checkpoint: nothing shows that it is the bus of the log under replay. */
  BUS_UNIDENTIFIED: 'notice',
  /** A logged event the bus no longer holds (retention) or never held: cannot be compared. */
  EVENT_NOT_ON_BUS: 'notice',
  /** An inclusion proof that does not lead to the checkpoint's root. */
  PROOF_INVALID: 'divergence',
  /** The bundle's or the log's verifier key is not the one the auditor trusts. */
  KEY_MISMATCH: 'divergence',
  /** Material signed by another log key than the pinned one, with no chain of announcements from the pinned key. */
  KEY_NOT_ANNOUNCED: 'divergence',
  /** A key announcement (`onceonly-key-rotation`) not signed by the trusted key and the announced one, or malformed. */
  KEY_ANNOUNCEMENT_INVALID: 'divergence',
  /** After a key rotation, a checkpoint not signed by the key announced for its size (signed by a replaced key). */
  KEY_RETIRED: 'divergence',
  /** The key the check trusts was taken from the material under check: compare it with the published one. */
  KEY_UNPINNED: 'notice',
  /** A bundle that cannot be read. */
  BUNDLE_MALFORMED: 'divergence',
  /** A bundle field, event field or event attribute that the bundle format does not define (an added attribute). */
  UNKNOWN_FIELD: 'divergence',
  /** An event of a subject bundle about another subject than the bundle's (relabelled, or another holder's). */
  SUBJECT_MISMATCH: 'divergence',
  /** One log entry twice in a bundle. */
  DUPLICATE_ENTRY: 'divergence',
  /** A bundle's entries not in increasing log order. */
  OUT_OF_ORDER: 'divergence',
  /** A bundle entry at or beyond its checkpoint's size. */
  ENTRY_OUT_OF_RANGE: 'divergence',
  /** Fewer entries than the signed subject map commits to for the subject: one or more were removed. */
  MISSING_ENTRY: 'divergence',
  /** More entries than the signed subject map commits to for the subject: one or more were added. */
  EXTRA_ENTRY: 'divergence',
  /** As many entries as the map commits to, but not the same list (an entry replaced). */
  CHAIN_MISMATCH: 'divergence',
  /** The subject map proof does not lead to the map root the checkpoint signs. */
  MAP_PROOF_INVALID: 'divergence',
  /** The checkpoint signs a subject map, but the bundle carries no map proof: completeness cannot be checked. */
  MAP_PROOF_MISSING: 'divergence',
  /** The checkpoint's `onceonly-subject-map` line is repeated or malformed. */
  MAP_ROOT_MISSING: 'divergence',
  /** The signed map claims an entry at or beyond the signed size: the log signed an inconsistent pair. */
  MAP_AHEAD_OF_LOG: 'divergence',
  /** A checkpoint's signed subject map is not the map recomputed from the log's leaves (replay): the log lied. */
  SUBJECT_MAP_MISMATCH: 'divergence',
  /** A checkpoint signed before the subject map existed: each event is proven, but not that none is missing. */
  COMPLETENESS_UNPROVEN: 'notice',
  /**
   * A bundle verified as a role-filtered view (`audit verify --filtered-view`: a department's or the portal's export,
   * holding only the entries that role may read): each event is proven and of the subject, completeness is not claimed.
   */
  COMPLETENESS_NOT_CLAIMED: 'notice',
  /** Rebuilt state that differs from what a service answers (a field other than the status, e.g. the version). */
  PROJECTION_MISMATCH: 'divergence',
  /** A certificate whose status rebuilt from the events differs from the status the service answers. */
  PROJECTION_STATUS_MISMATCH: 'divergence',
  /** A key the events rebuilt (a certificate they issued) that the service does not know. */
  PROJECTION_UNKNOWN_TO_SERVICE: 'divergence',
  /**
   * An event the service's rules could not have produced in the state the earlier events give (an illegal
   * transition, a status its operation does not give, a version that is not the next one, a certificate never
   * issued, a body that does not decode, a type the projection does not know).
   */
  PROJECTION_EVENT_INVALID: 'divergence',
  /** The service could not be asked (unreachable, refused): the key was not compared. */
  PROJECTION_READ_FAILED: 'divergence',
  /** A difference the service dates after the newest event of the log snapshot: probably not logged yet. */
  PROJECTION_IN_FLIGHT: 'notice',
  /** A projection that was not compared with its service (not reachable, or not asked for). */
  PROJECTION_SKIPPED: 'notice',
} as const;

export type FindingKind = keyof typeof FINDING_KINDS;
export type Severity = (typeof FINDING_KINDS)[FindingKind];

/** One thing found wrong, with what it is about. */
export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly message: string;
  readonly leafIndex?: number;
  readonly eventId?: string;
  /** The tree size of the checkpoint concerned. */
  readonly size?: number;
  readonly source?: string;
  /** The projection key concerned (a certificate id). */
  readonly key?: string;
  /** What the events give, and what the service answered (projection findings). */
  readonly expected?: string;
  readonly actual?: string;
}

/** A finding of `kind`, with its severity. */
export function finding(
  kind: FindingKind,
  message: string,
  about: Omit<Finding, 'kind' | 'severity' | 'message'> = {},
) {
  return { kind, severity: FINDING_KINDS[kind], message, ...about } satisfies Finding;
}

/** The divergences among findings (what makes a check fail). */
export function divergences(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'divergence');
}
