import { createHash } from 'node:crypto';
import { AppError, isAppError } from '@onceonly/errors';
import { type CitizenId, maskCitizenId } from '@onceonly/ids';
import { isUniqueViolation } from '@onceonly/store';
import { type Actor, type CreditRecord, type RecordBody, recordDecision, type Subject } from '../domain/records.js';
import { changeSubject } from './change-subject.js';
import type { CreditDeps, StoredGrade } from './ports.js';

/** Who a request names: an organisation by credit code, a person by citizen ID (hashed and masked at once). */
export type NamedSubject =
  | { readonly kind: 'organisation'; readonly code: string }
  | { readonly kind: 'citizen'; readonly id: CitizenId };

/** A decision to record, as the edge parsed it. */
export interface RecordInput {
  readonly actor: Actor;
  readonly idempotencyKey: string;
  readonly subject: NamedSubject;
  readonly partyName: string;
  readonly authority: string;
  readonly decisionDate: string;
  readonly body: RecordBody;
}

export interface RecordOutput {
  readonly record: CreditRecord;
  readonly grade: StoredGrade;
  /** The idempotency key named an earlier, identical request: nothing new was written. */
  readonly replayed: boolean;
}

/** The subject as the service keeps it: a person only by keyed hash and mask. */
export function subjectOf(deps: Pick<CreditDeps, 'hashCitizenId'>, named: NamedSubject): Subject {
  if (named.kind === 'organisation') return { kind: 'organisation', key: named.code };
  return { kind: 'person', key: deps.hashCitizenId(named.id), masked: maskCitizenId(named.id) };
}

/**
 * Records a decision (a penalty, a list entry or exit, a commendation): the domain checks everything before
 * anything is written, then the subject's one transaction writes the record, its idempotency key, the grade
 * recomputed from the rule set and their events (see {@link changeSubject}). The same key with the same request
 * answers the first one (`replayed`); with another request, IDEMPOTENCY_CONFLICT.
 */
export async function recordDecisionCase(deps: CreditDeps, input: RecordInput): Promise<RecordOutput> {
  const subject = subjectOf(deps, input.subject);
  const requestHash = fingerprint(input, subject);
  const earlier = await replayOf(deps, input, requestHash);
  if (earlier) return earlier;
  const id = deps.newId();
  try {
    const { record, grade } = await changeSubject(
      deps,
      subject.key,
      input.actor.code,
      (records, today) => ({
        ...recordDecision(
          {
            id,
            actor: input.actor,
            subject,
            partyName: input.partyName,
            authority: input.authority,
            decisionDate: input.decisionDate,
            body: input.body,
          },
          records,
          today,
          deps.calendar,
        ),
        insert: true,
      }),
      (tx, r) => deps.idempotency.insert(tx, input.actor.code, input.idempotencyKey, requestHash, r.id, deps.clock()),
    );
    return { record, grade, replayed: false };
  } catch (err) {
    // the same key committed by a concurrent call (its record seen on retry, or its key colliding): answer as a
    // replay of that one; otherwise the same decision recorded twice
    const collided = isUniqueViolation(err);
    if (!collided && !isAppError(err, 'CREDIT_RECORD_EXISTS')) throw err;
    const winner = await replayOf(deps, input, requestHash);
    if (winner) return winner;
    if (!collided) throw err;
    throw new AppError('CREDIT_RECORD_EXISTS', `${input.body.kind} ${input.body.decisionNumber} is already recorded`);
  }
}

async function replayOf(deps: CreditDeps, input: RecordInput, requestHash: string): Promise<RecordOutput | undefined> {
  const known = await deps.idempotency.find(deps.db, input.actor.code, input.idempotencyKey);
  if (!known) return undefined;
  if (known.requestHash !== requestHash) {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'this idempotency key was used for another request', {
      details: { meta: { recordId: known.recordId } },
    });
  }
  const record = await deps.store.record(deps.db, known.recordId);
  if (!record) throw new AppError('INTERNAL', `idempotency key names a missing record ${known.recordId}`);
  const { grade } = await deps.store.subject(deps.db, record.subject.key);
  if (!grade) throw new AppError('INTERNAL', `record ${record.id} has no grade`);
  return { record, grade, replayed: true };
}

/** SHA-256 of the request as submitted, the person by key only (the citizen ID is not kept even as this input). */
function fingerprint(input: RecordInput, subject: Subject): string {
  const canonical = JSON.stringify([
    subject.key,
    input.partyName,
    input.authority,
    input.decisionDate,
    Object.entries(input.body).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
