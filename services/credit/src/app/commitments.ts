import { AppError, isAppError } from '@onceonly/errors';
import type { Transaction } from '@onceonly/store';
import { chinaDateOf } from '@onceonly/workdays';
import {
  type Commitment,
  type IssuedLicence,
  isOverdue,
  type LicenceVersion,
  licenceVersionRecord,
  licensingRecord,
  type PostCheckCommand,
  postCheck,
  type SkipReason,
  trackCommitment,
  withLicenceState,
} from '../domain/commitments.js';
import type { Actor, CreditRecord, LicenceState } from '../domain/records.js';
import { changeSubject, changeSubjectIn } from './change-subject.js';
import type { CreditDeps, StoredGrade } from './ports.js';
import { type NamedSubject, subjectOf } from './record-decision.js';

/** What a consumed licence event did: recorded, or skipped with the reason (never a failure of the batch). */
export type LicenceOutcome =
  | { readonly done: 'recorded'; readonly record: CreditRecord; readonly commitment?: Commitment }
  | { readonly done: 'updated'; readonly record: CreditRecord }
  | {
      readonly done: 'skipped';
      readonly reason: SkipReason | 'known' | 'number-taken' | 'unknown-licence' | 'same-state' | 'calendar';
    };

/**
 * 双公示 of a licensing decision, in the consumer's transaction `tx`: the `licensing` record keyed by the
 * certificate's id, its grade, and, for a licence granted on commitment, the commitment (open) and
 * `credit.commitment.tracked`. The consumer names the consumed `certificate.issued` as the cause of each event. A
 * licence recorded already (the same certificate id, or the issuer's same number) is skipped, so is one whose decision
 * date the calendar does not cover: a redelivered or unusable event never fails the batch.
 */
export async function recordLicence(
  deps: CreditDeps,
  tx: Transaction,
  licence: IssuedLicence,
): Promise<LicenceOutcome> {
  if (await deps.store.record(tx, licence.certificateId)) return { done: 'skipped', reason: 'known' };
  // the issuer's licence number recorded already (for any holder): the unique (owner, kind, number) would refuse the
  // insert and abort `tx`, failing the batch
  if (await deps.store.decisionRecorded(tx, licence.issuer, 'licensing', licence.number)) {
    // another certificate under a number its issuer gave already: a data fault worth a warning, not a failed batch
    return { done: 'skipped', reason: 'number-taken' };
  }
  const commitmentId = licence.commitment ? deps.newId() : undefined;
  const today = chinaDateOf(deps.clock());
  let record: CreditRecord | SkipReason;
  try {
    record = licensingRecord(licence, today, deps.calendar, commitmentId);
  } catch (err) {
    if (isAppError(err, 'CALENDAR_YEAR_NOT_LOADED')) return { done: 'skipped', reason: 'calendar' };
    throw err;
  }
  if (typeof record === 'string') return { done: 'skipped', reason: record };
  const licensing = record;
  const commitment = commitmentId === undefined ? undefined : trackCommitment(licence, commitmentId);
  const inserted = await insertLicensing(deps, tx, licensing, async () => {
    if (!commitment) return;
    const at = deps.clock();
    const eventId = await deps.outbox.commitment(tx, { commitment, fact: 'tracked', actor: licence.issuer, at });
    await deps.commitments.insert(tx, commitment, eventId, at);
  });
  if (!inserted) return { done: 'skipped', reason: 'known' };
  return { done: 'recorded', record: licensing, ...(commitment ? { commitment } : {}) };
}

/**
 * 双公示 of a later version's decision (变更 or 延续), in the consumer's transaction `tx`: its own `licensing` record
 * keyed by the new version's certificate id, named from the record of the version it replaced. Redelivered (its
 * certificate id recorded), a version whose predecessor was never recorded, a number taken, a date outside the
 * calendar: skipped, like a grant.
 */
export async function recordLicenceVersion(
  deps: CreditDeps,
  tx: Transaction,
  next: LicenceVersion,
): Promise<LicenceOutcome> {
  if (await deps.store.record(tx, next.certificateId)) return { done: 'skipped', reason: 'known' };
  const previous = await deps.store.record(tx, next.change.previousCertificateId);
  let record: CreditRecord | SkipReason;
  try {
    record = licenceVersionRecord(previous, next, chinaDateOf(deps.clock()), deps.calendar);
  } catch (err) {
    if (isAppError(err, 'CALENDAR_YEAR_NOT_LOADED')) return { done: 'skipped', reason: 'calendar' };
    throw err;
  }
  if (typeof record === 'string') return { done: 'skipped', reason: record };
  if (await deps.store.decisionRecorded(tx, next.issuer, 'licensing', record.body.decisionNumber)) {
    return { done: 'skipped', reason: 'number-taken' };
  }
  if (!(await insertLicensing(deps, tx, record))) return { done: 'skipped', reason: 'known' };
  return { done: 'recorded', record };
}

/**
 * Inserts a licensing record in the subject's change (its grade, its event caused by the consumed event), then
 * `after`; false when the subject already holds a licensing record of that issuer and decision number.
 */
async function insertLicensing(
  deps: CreditDeps,
  tx: Transaction,
  licensing: CreditRecord,
  after?: () => Promise<void>,
): Promise<boolean> {
  try {
    await changeSubjectIn(
      deps,
      tx,
      licensing.subject.key,
      licensing.owner,
      (records) => {
        // before any write: the unique (owner, kind, number) would refuse it and abort `tx`
        const same = (r: CreditRecord) =>
          r.owner === licensing.owner &&
          r.kind === 'licensing' &&
          r.body.decisionNumber === licensing.body.decisionNumber;
        if (records.some(same)) throw new KnownLicence();
        return { record: licensing, fact: { type: 'recorded' }, insert: true };
      },
      after ? { after } : {},
    );
    return true;
  } catch (err) {
    if (err instanceof KnownLicence) return false;
    throw err;
  }
}

/** The same licence number of the same issuer is recorded already. */
class KnownLicence extends Error {}

/**
 * A licence's status change (暂扣, 撤销, 注销, 失效...), in the consumer's transaction: the licensing record follows it
 * (`credit.record.updated`, caused by the consumed event). A licence without a record (issued before this service
 * consumed the topic, or a new version of one) is skipped.
 */
export async function followLicenceState(
  deps: CreditDeps,
  tx: Transaction,
  certificateId: string,
  actor: string,
  state: LicenceState,
): Promise<LicenceOutcome> {
  const known = await deps.store.record(tx, certificateId);
  if (!known) return { done: 'skipped', reason: 'unknown-licence' };
  if (!withLicenceState(known, state)) return { done: 'skipped', reason: 'same-state' };
  let changed: CreditRecord | undefined;
  await changeSubjectIn(deps, tx, known.subject.key, actor || known.owner, (records) => {
    const current = records.find((r) => r.id === certificateId) ?? known;
    changed = withLicenceState(current, state) ?? current;
    return { record: changed, fact: { type: 'updated' }, insert: false };
  });
  return { done: 'updated', record: changed! };
}

/** RecordPostCheck, as the edge parsed it. */
export interface PostCheckInput extends PostCheckCommand {
  readonly commitmentId: string;
}

export interface PostCheckOutput {
  readonly commitment: Commitment;
  readonly record?: CreditRecord;
  readonly grade?: StoredGrade;
  /** The same check was recorded before: nothing new was written. */
  readonly replayed: boolean;
}

/**
 * The post-approval check (批后核查) of a commitment by the issuing department: the domain checks everything first
 * (nothing written on bad input). Kept: the commitment and `credit.commitment.kept`. Broken: in the subject's one
 * transaction the `post-check` record (its event caused by the commitment's `tracked` event: the check is of that
 * commitment), the grade, the commitment, and `credit.commitment.broken` caused by the record's event; the
 * certificate service withdraws the licence on it. The same check sent again answers the first (`replayed`).
 */
export async function recordPostCheckCase(deps: CreditDeps, input: PostCheckInput): Promise<PostCheckOutput> {
  const stored = await deps.commitments.find(deps.db, input.commitmentId);
  const today = chinaDateOf(deps.clock());
  const recordId = deps.newId();
  const replay = stored && sameCheck(stored.commitment, input) ? stored.commitment : undefined;
  if (replay && input.actor.role === 'department' && replay.owner === input.actor.code) {
    const record = replay.check?.recordId ? await deps.store.record(deps.db, replay.check.recordId) : undefined;
    return { commitment: replay, ...(record ? { record } : {}), replayed: true };
  }
  const t = postCheck(stored?.commitment, input, today, recordId, deps.calendar);
  const before = stored!.commitment;
  const saveCommitment = async (tx: Transaction, cause: string) => {
    if (!(await deps.commitments.update(tx, t.commitment, before.version, deps.clock()))) {
      throw new AppError('CREDIT_COMMITMENT_CHECKED', `the commitment ${before.id} was checked meanwhile`);
    }
    await deps.outbox.commitment(tx, {
      commitment: t.commitment,
      fact: t.commitment.status === 'broken' ? 'broken' : 'kept',
      actor: input.actor.code,
      at: deps.clock(),
      cause,
    });
  };
  if (!t.record) {
    await deps.db.transaction((tx) => saveCommitment(tx, stored!.trackedEventId));
    deps.relay.kick();
    return { commitment: t.commitment, replayed: false };
  }
  const record = t.record;
  const recordEventId = deps.newId();
  const { grade } = await changeSubject(
    deps,
    record.subject.key,
    input.actor.code,
    () => ({ record, fact: { type: 'recorded' }, insert: true }),
    undefined,
    { eventId: recordEventId, cause: stored!.trackedEventId, after: (tx) => saveCommitment(tx, recordEventId) },
  );
  return { commitment: t.commitment, record, grade, replayed: false };
}

function sameCheck(c: Commitment, input: PostCheckInput): boolean {
  return (
    c.check !== undefined &&
    c.check.result === input.result &&
    c.check.findings === input.findings.trim() &&
    c.check.inspector === input.inspector.trim()
  );
}

/** A subject's commitments with their status, for departments and auditors. */
export async function listCommitmentsCase(
  deps: CreditDeps,
  input: { actor: Actor; subject: NamedSubject; overdueOnly?: boolean },
): Promise<Commitment[]> {
  if (input.actor.role !== 'department' && input.actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'commitments are read by departments and auditors');
  }
  const all = await deps.commitments.ofSubject(deps.db, subjectOf(deps, input.subject).key);
  // overdue: still open after the due date, announced by the sweep or not yet
  const today = chinaDateOf(deps.clock());
  return input.overdueOnly ? all.filter((c) => isOverdue(c, today)) : all;
}
