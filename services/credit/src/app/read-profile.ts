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
 * Who a profile read names: as a record names its subject, or (auditors only) by the subject key events and the
 * audit log carry (a credit code, or the keyed hash of a person's citizen ID, which cannot be turned back into it).
 */
export type ProfileSubject = NamedSubject | { readonly kind: 'key'; readonly key: string };

/** The subject of a key: an organisation's key is its credit code; a person is masked as their records say. */
function subjectOfKey(key: string, records: readonly CreditRecord[]): Subject {
  const known = records.at(-1)?.subject;
  if (known) return known;
  return /^[0-9a-f]{64}$/.test(key) ? { kind: 'person', key, masked: '' } : { kind: 'organisation', key };
}

/**
 * A department's (or an auditor's) view of one subject: every record, repaired ones included and marked, the grade
 * and its history. Only departments and auditors read profiles (the public feed is for everyone else). Every read
 * of another subject than the reader itself is committed as `credit.profile.read` (reader, role, purpose) before it
 * is answered: a read that cannot be recorded fails.
 */
export async function readProfileCase(
  deps: CreditDeps,
  input: { actor: Actor; subject: ProfileSubject; purpose: string },
): Promise<Profile> {
  const { actor } = input;
  if (actor.role !== 'department' && actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'credit profiles are read by departments and auditors');
  }
  const named = input.subject;
  if (named.kind === 'key' && actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'a profile is read by its subject key by auditors only');
  }
  const key = named.kind === 'key' ? named.key : subjectOf(deps, named).key;
  const { records, grade } = await deps.store.subject(deps.db, key);
  const subject = named.kind === 'key' ? subjectOfKey(key, records) : subjectOf(deps, named);
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
