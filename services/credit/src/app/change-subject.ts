import { AppError } from '@onceonly/errors';
import type { Queryable, Transaction } from '@onceonly/store';
import { chinaDateOf, type PlainDate } from '@onceonly/workdays';
import { gradeChanged, gradeOf } from '../domain/grades.js';
import type { CreditRecord, RecordTransition } from '../domain/records.js';
import type { CreditDeps, StoredGrade } from './ports.js';

/** A change of one subject: a new record (`insert`) or a change to one read at `expectedVersion`. */
export type SubjectChange = (
  records: readonly CreditRecord[],
  today: PlainDate,
) => RecordTransition & { readonly insert: boolean };

/** How often a change is tried again when another change of the same subject committed in between. */
const ATTEMPTS = 5;

/** Another change of the subject committed between the read and the write. */
export class SubjectMoved extends Error {}

/**
 * The one shape of every change: read the subject's records and grade (no lock), apply the pure transition,
 * recompute the grade from the rule set, then one transaction: the record (inserted, or updated conditional on the
 * version read: CREDIT_VERSION_CONFLICT when the caller's read is stale), the grade conditional on the subject's
 * version, the record's event, and, when the grade says something new, its history entry and `credit.grade.changed`.
 * When another change of the same subject committed in between, the whole change runs again on what it wrote (the
 * grade always counts every record); `extra` writes more in the same transaction (an idempotency key).
 */
export async function changeSubject(
  deps: CreditDeps,
  subjectKey: string,
  actor: string,
  change: SubjectChange,
  extra?: (tx: Transaction, record: CreditRecord) => Promise<void>,
  options: ChangeOptions = {},
): Promise<{ record: CreditRecord; grade: StoredGrade }> {
  const all = { ...options, ...(extra ? { before: extra } : {}) };
  for (let attempt = 1; ; attempt++) {
    // read without a lock, outside the transaction; the writes are conditional on the versions read
    const plan = await planChange(deps, deps.db, subjectKey, change);
    try {
      const done = await deps.db.transaction((tx) => writeChange(deps, tx, plan, actor, all));
      deps.relay.kick();
      return done;
    } catch (err) {
      if (!(err instanceof SubjectMoved)) throw err;
      if (attempt < ATTEMPTS) continue;
      throw new AppError('CREDIT_VERSION_CONFLICT', `subject changed by ${ATTEMPTS} concurrent changes: try again`);
    }
  }
}

/** What a change writes besides its record and grade. */
export interface ChangeOptions {
  /** The record event's id (default: a new one), for a later event of the change to name as its cause. */
  readonly eventId?: string;
  /** The event that caused the change, when it is not the consumed event (which the outbox names by itself). */
  readonly cause?: string;
  /** More writes before the record's event (an idempotency key). */
  readonly before?: (tx: Transaction, record: CreditRecord) => Promise<void>;
  /** More writes after the record's events (events the record's event caused). */
  readonly after?: (tx: Transaction, record: CreditRecord) => Promise<void>;
}

/**
 * One attempt of {@link changeSubject} inside the caller's transaction `tx` (a consumer's: reads and writes with
 * `tx` only): SubjectMoved when another change of the subject committed in between (the consumer retries the event).
 */
export async function changeSubjectIn(
  deps: CreditDeps,
  tx: Transaction,
  subjectKey: string,
  actor: string,
  change: SubjectChange,
  options: ChangeOptions = {},
): Promise<{ record: CreditRecord; grade: StoredGrade }> {
  return writeChange(deps, tx, await planChange(deps, tx, subjectKey, change), actor, options);
}

interface ChangePlan {
  readonly now: Date;
  readonly subjectKey: string;
  readonly t: ReturnType<SubjectChange>;
  readonly stored: StoredGrade | undefined;
  readonly grade: StoredGrade;
  readonly changed: boolean;
}

/** Reads the subject, applies the pure transition and recomputes the grade: nothing written. */
async function planChange(
  deps: CreditDeps,
  q: Queryable,
  subjectKey: string,
  change: SubjectChange,
): Promise<ChangePlan> {
  const now = deps.clock();
  const today = chinaDateOf(now);
  const { records, grade: stored } = await deps.store.subject(q, subjectKey);
  const t = change(records, today);
  const after = [...records.filter((r) => r.id !== t.record.id), t.record];
  const computed = gradeOf(after, today);
  const grade: StoredGrade = { ...computed, version: (stored?.version ?? 0) + 1 };
  return { now, subjectKey, t, stored, grade, changed: gradeChanged(stored, computed) };
}

/** The writes of a change, conditional on the versions its plan read. */
async function writeChange(
  deps: CreditDeps,
  tx: Transaction,
  plan: ChangePlan,
  actor: string,
  options: ChangeOptions,
): Promise<{ record: CreditRecord; grade: StoredGrade }> {
  const { now, subjectKey, t, stored, grade, changed } = plan;
  if (t.insert) await deps.store.insertRecord(tx, t.record, now);
  else if (!(await deps.store.updateRecord(tx, t.record, t.record.version - 1, now))) {
    throw new AppError('CREDIT_VERSION_CONFLICT', `record ${t.record.id} changed while this command ran`);
  }
  if (!(await deps.store.saveGrade(tx, subjectKey, grade, stored?.version ?? 0, now))) throw new SubjectMoved();
  await options.before?.(tx, t.record);
  const step = changed ? { grade, ...(stored ? { previous: stored.grade } : {}), cause: t.record.id } : undefined;
  if (step) await deps.store.addHistory(tx, subjectKey, { ...step, causeRecordId: step.cause, changedAt: now });
  await deps.outbox.change(tx, {
    record: t.record,
    fact: t.fact,
    actor,
    ...(step ? { grade: step } : {}),
    at: now,
    ...(options.eventId === undefined ? {} : { eventId: options.eventId }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
  await options.after?.(tx, t.record);
  return { record: t.record, grade };
}

/**
 * Recomputes a subject's grade as time passed (a record left a rule's window, a list entry lapsed): the same shape
 * without a record: the grade conditional on the subject's version (its new `asOf` and `reviewOn` even when it says
 * the same) and, when it says something new, its history and `credit.grade.changed` without a cause. A change of the
 * subject committed in between wins: it recomputed the grade itself. Answers the new grade when it changed.
 */
export async function regradeSubject(deps: CreditDeps, subjectKey: string): Promise<StoredGrade | undefined> {
  const now = deps.clock();
  const { records, grade: stored } = await deps.store.subject(deps.db, subjectKey);
  const latest = records.at(-1);
  if (!stored || !latest) return undefined;
  const computed = gradeOf(records, chinaDateOf(now));
  const grade: StoredGrade = { ...computed, version: stored.version + 1 };
  const changed = gradeChanged(stored, computed);
  const saved = await deps.db.transaction(async (tx) => {
    if (!(await deps.store.saveGrade(tx, subjectKey, grade, stored.version, now))) return false;
    if (changed) {
      await deps.store.addHistory(tx, subjectKey, { grade, previous: stored.grade, changedAt: now });
      const step = { grade, previous: stored.grade };
      await deps.outbox.regraded(tx, { subject: latest.subject, name: latest.partyName, grade: step, at: now });
    }
    return true;
  });
  if (!saved || !changed) return undefined;
  deps.relay.kick();
  return grade;
}
