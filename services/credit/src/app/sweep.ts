import { chinaDateOf } from '@onceonly/workdays';
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
