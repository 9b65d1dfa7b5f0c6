import { chinaDateOf } from '@onceonly/workdays';
import { isOverdue } from '../domain/commitments.js';
import { regradeSubject } from './change-subject.js';
import type { CreditDeps } from './ports.js';

/** Subjects regraded per batch. */
const BATCH = 200;

/**
 * Recomputes the grade of every subject whose `reviewOn` has come (a counted record left a rule's window, a list
 * entry lapsed), batch after batch until none is due; each subject in its own transaction ({@link regradeSubject}).
 * Answers how many were recomputed and how many of them changed.
 */
export async function sweepGrades(deps: CreditDeps): Promise<{ regraded: number; changed: number }> {
  let regraded = 0;
  let changed = 0;
  for (;;) {
    const due = await deps.store.dueForReview(deps.db, chinaDateOf(deps.clock()), BATCH);
    for (const key of due) {
      regraded++;
      if (await regradeSubject(deps, key)) changed++;
    }
    if (due.length < BATCH) return { regraded, changed };
  }
}

/**
 * Announces every commitment whose post-check due date passed without a check (告知承诺 not checked in time), once:
 * in one transaction per commitment, the overdue day set only if it is still open and unmarked, and
 * `credit.commitment.overdue` caused by the commitment's `tracked` event (the chain goes on), with no actor (the
 * hub found it). The issuing department still records the check afterwards. Answers how many were announced.
 */
export async function sweepOverdueCommitments(deps: CreditDeps): Promise<{ overdue: number }> {
  let overdue = 0;
  for (;;) {
    const now = deps.clock();
    const today = chinaDateOf(now);
    const due = await deps.commitments.overdue(deps.db, today, BATCH);
    for (const { commitment, trackedEventId } of due) {
      if (!isOverdue(commitment, today)) continue;
      const marked = await deps.db.transaction(async (tx) => {
        if (!(await deps.commitments.markOverdue(tx, commitment.id, today, now))) return false;
        const announced = { ...commitment, overdueOn: today };
        await deps.outbox.commitment(tx, { commitment: announced, fact: 'overdue', at: now, cause: trackedEventId });
        return true;
      });
      if (marked) overdue++;
    }
    if (due.length < BATCH) break;
  }
  if (overdue > 0) deps.relay.kick();
  return { overdue };
}
