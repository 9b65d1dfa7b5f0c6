import { createHash } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import { type CitizenId, maskCitizenId } from '@onceonly/ids';
import { isUniqueViolation } from '@onceonly/store';
import { chinaDateOf } from '@onceonly/workdays';
import { type Actor, type AssistanceRequest, type RequestSubject, submit } from '../domain/request.js';
import type { AssistanceDeps } from './ports.js';

/** A request as the edge parsed it. A person is named by citizen ID here only: it is hashed and masked at once. */
export interface SubmitInput {
  readonly actor: Actor;
  readonly idempotencyKey: string;
  readonly itemCode: string;
  readonly provider?: string;
  readonly caseId: string;
  readonly legalBasis: string;
  readonly purpose: string;
  readonly subject?:
    | { readonly kind: 'organisation'; readonly code: string }
    | { readonly kind: 'citizen'; readonly id: CitizenId };
  readonly fields: Readonly<Record<string, string>>;
  readonly dueDate?: string;
  readonly urgent: boolean;
}

export interface SubmitOutput {
  readonly request: AssistanceRequest;
  /** The idempotency key named an earlier, identical request: nothing new was written. */
  readonly replayed: boolean;
}

/**
 * Submits a request under the item's latest version: the domain checks everything before anything is written; then
 * one transaction writes the request, its idempotency key and its `submitted` event. The same key with the same
 * request answers the first one (`replayed`); with another request, IDEMPOTENCY_CONFLICT.
 */
export async function submitRequestCase(deps: AssistanceDeps, input: SubmitInput): Promise<SubmitOutput> {
  const now = deps.clock();
  const item = await deps.items.find(deps.db, input.itemCode);
  const subject = subjectOf(deps, input.subject);
  const requestHash = fingerprint(input, subject);
  const { request, fact } = submit(
    item,
    {
      id: deps.newId(),
      actor: input.actor,
      ...(input.provider ? { provider: input.provider } : {}),
      caseId: input.caseId,
      legalBasis: input.legalBasis,
      purpose: input.purpose,
      ...(subject ? { subject } : {}),
      fields: input.fields,
      ...(input.dueDate ? { dueDate: input.dueDate } : {}),
      urgent: input.urgent,
    },
    chinaDateOf(now),
    deps.calendar,
  );
  const earlier = await replayOf(deps, input, requestHash);
  if (earlier) return { request: earlier, replayed: true };
  try {
    await deps.db.transaction(async (tx) => {
      await deps.requests.insert(tx, request, now);
      await deps.idempotency.insert(tx, input.actor.department, input.idempotencyKey, requestHash, request.id, now);
      await deps.outbox.append(tx, { request, fact, actor: input.actor.department, at: now });
    });
  } catch (err) {
    // the same key committed by a concurrent call: answer as a replay of that one
    if (!isUniqueViolation(err)) throw err;
    const winner = await replayOf(deps, input, requestHash);
    if (winner) return { request: winner, replayed: true };
    throw err;
  }
  deps.relay.kick();
  return { request, replayed: false };
}

async function replayOf(
  deps: AssistanceDeps,
  input: SubmitInput,
  requestHash: string,
): Promise<AssistanceRequest | undefined> {
  const known = await deps.idempotency.find(deps.db, input.actor.department, input.idempotencyKey);
  if (!known) return undefined;
  if (known.requestHash !== requestHash) {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'this idempotency key was used for another request', {
      details: { meta: { requestId: known.requestId } },
    });
  }
  return deps.requests.get(deps.db, known.requestId);
}

function subjectOf(deps: AssistanceDeps, subject: SubmitInput['subject']): RequestSubject | undefined {
  if (subject === undefined) return undefined;
  if (subject.kind === 'organisation') return subject;
  return { kind: 'person', key: deps.hashCitizenId(subject.id), masked: maskCitizenId(subject.id) };
}

/** SHA-256 of the request as submitted, the person by key only (the citizen ID is not kept even as this input). */
function fingerprint(input: SubmitInput, subject: RequestSubject | undefined): string {
  const canonical = JSON.stringify([
    input.itemCode,
    input.provider ?? '',
    input.caseId,
    input.legalBasis,
    input.purpose,
    subject?.kind === 'person' ? `p:${subject.key}` : subject?.kind === 'organisation' ? `o:${subject.code}` : '',
    Object.entries(input.fields).sort(([a], [b]) => (a < b ? -1 : 1)),
    input.dueDate ?? '',
    input.urgent,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
