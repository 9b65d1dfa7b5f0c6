import { AppError } from '@onceonly/errors';
import type { Actor, CreditRecord, Subject } from '../domain/records.js';
import type { CreditDeps, GradeChange, StoredGrade } from './ports.js';
import { type NamedSubject, subjectOf } from './record-decision.js';

export interface Profile {
  readonly subject: Subject;
  /** The party's name on its latest record; empty when it has none. */
  readonly name: string;
  readonly records: readonly CreditRecord[];
  readonly grade?: StoredGrade;
  readonly history: readonly GradeChange[];
}

/**
 * A department's (or an auditor's) view of one subject: every record, repaired ones included and marked, the grade
 * and its history. Only departments and auditors read profiles (the public feed is for everyone else). Every read
 * of another subject than the reader itself is committed as `credit.profile.read` (reader, role, purpose) before it
 * is answered: a read that cannot be recorded fails.
 */
export async function readProfileCase(
  deps: CreditDeps,
  input: { actor: Actor; subject: NamedSubject; purpose: string },
): Promise<Profile> {
  const { actor } = input;
  if (actor.role !== 'department' && actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'credit profiles are read by departments and auditors');
  }
  const subject = subjectOf(deps, input.subject);
  const { records, grade } = await deps.store.subject(deps.db, subject.key);
  const history = await deps.store.history(deps.db, subject.key);
  const name = records.at(-1)?.partyName ?? '';
  if (subject.key !== actor.code) {
    const at = deps.clock();
    await deps.db.transaction((tx) =>
      deps.outbox.profileRead(tx, { subject, name, reader: actor.code, role: actor.role, purpose: input.purpose, at }),
    );
    deps.relay.kick();
  }
  return { subject, name, records, ...(grade ? { grade } : {}), history };
}
