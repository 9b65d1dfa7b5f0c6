import { hash } from 'node:crypto';
import { AppError, invalid } from '@onceonly/errors';
import type { Database, Queryable, Transaction } from '@onceonly/store';
import { chinaDateOf, isPlainDate, type PlainDate } from '@onceonly/workdays';
import {
  canonicalTask,
  type DrawResult,
  drawTask,
  type InspectionTask,
  type InspectionTaskInput,
  seedCheckpoint,
  taskDocument,
} from '../domain/draw.js';
import type { InspectionResultTerms } from '../domain/inspection-records.js';
import type { Actor, CreditRecord, InspectionOutcome } from '../domain/records.js';
import type { StoredGrade } from './ports.js';

/**
 * 双随机、一公开, the wiring (ADR 019 §4, ADR 025): a department commits a task (stored, `inspection.task.committed`
 * published, so the audit log makes it a leaf); the service keeps the audit log's checkpoints that verify with the
 * log's key; the draw asks the audit log for the commitment's inclusion proof, checks it against the first kept
 * checkpoint that contains the commitment, and only then draws with that checkpoint's root.
 */

/** A committed task as stored: the document's RFC 8785 text exactly as hashed. */
export interface StoredTask {
  readonly taskId: string;
  readonly organiser: string;
  readonly document: string;
  readonly digest: Buffer;
  readonly commitmentEventId: string;
  readonly committedAt: Date;
}

/** A signed checkpoint of the audit log that verified with the log's key. */
export interface KeptCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
}

/** The commitment's inclusion proof, as the audit log answers it (the service checks it, never trusts it). */
export interface CommitmentProof {
  readonly eventId: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Buffer;
  readonly hashes: readonly Buffer[];
  /** The audit log's canonical leaf (its attributes and the SHA-256 of the body). */
  readonly leafCanonical: Buffer;
  /** The commitment event's body. */
  readonly commitmentBody: Buffer;
}

/** A draw as published: what a verifier needs with the log's verifier key alone. */
export interface PublishedDraw {
  readonly taskId: string;
  readonly documentJson: string;
  readonly checkpointNote: string;
  readonly previousCheckpointNote: string;
  readonly proof: CommitmentProof;
  readonly result: DrawResult;
  readonly drawnBy: string;
  readonly drawnAt: string;
}

export type { InspectionOutcome };

/** The result of one drawn entity's inspection, as recorded and published (一公开). */
export interface InspectionResultFact {
  readonly taskId: string;
  readonly creditCode: string;
  readonly inspectorId: string;
  readonly outcome: InspectionOutcome;
  readonly findings: string;
  /** YYYY-MM-DD. */
  readonly inspectedOn: string;
  readonly recordedBy: string;
  readonly recordedAt: string;
  /** The `inspection` credit record the result became (一公开); absent on results recorded before it did. */
  readonly recordId?: string;
}

export interface InspectionStore {
  task(db: Queryable, taskId: string): Promise<StoredTask | undefined>;
  insertTask(tx: Transaction, task: StoredTask): Promise<boolean>;
  /** Kept checkpoints of `origin`, by size. */
  checkpoints(db: Queryable, origin: string): Promise<KeptCheckpoint[]>;
  /** Keeps a checkpoint (a second copy of the same size is ignored). */
  keepCheckpoint(tx: Transaction, checkpoint: KeptCheckpoint, at: Date): Promise<void>;
  draw(db: Queryable, taskId: string): Promise<PublishedDraw | undefined>;
  insertDraw(tx: Transaction, draw: PublishedDraw, at: Date): Promise<boolean>;
  result(db: Queryable, taskId: string, creditCode: string): Promise<InspectionResultFact | undefined>;
  insertResult(tx: Transaction, result: InspectionResultFact): Promise<boolean>;
}

export interface InspectionOutbox {
  committed(tx: Transaction, task: StoredTask): Promise<void>;
  drawn(tx: Transaction, draw: PublishedDraw): Promise<void>;
  /** The result's event, with the id `eventId` (the cause its credit record's event names). */
  resultRecorded(tx: Transaction, result: InspectionResultFact, eventId: string): Promise<void>;
}

/** 一公开: a recorded result as a credit record of the inspected entity (`app/inspection-records.ts`). */
export interface ResultRecords {
  /**
   * In one transaction: `write` (the result and its event, whose id is `resultEventId`), then the entity's
   * `inspection` record `recordId`, its grade, and the record's event caused by the result's. Undefined when `write`
   * found the result recorded meanwhile (nothing written).
   */
  record(
    terms: InspectionResultTerms,
    ids: { readonly recordId: string; readonly resultEventId: string },
    write: (tx: Transaction) => Promise<boolean>,
  ): Promise<{ record: CreditRecord; grade: StoredGrade } | undefined>;
  /** The credit record an earlier result became. */
  find(recordId: string): Promise<CreditRecord | undefined>;
}

/** The audit log, through its contracts: the commitment's inclusion proof at a tree size. */
export interface AuditProofs {
  /**
   * The proof of the event's leaf in the tree of `treeSize` (unset: the log's latest checkpoint), asked in the name of
   * `reader` (the organiser, whose own event it is). Throws INSPECTION_NOT_CHECKPOINTED when the log has not logged
   * the event yet, INSPECTION_AUDIT_UNAVAILABLE when the log cannot be reached.
   */
  inclusionProof(eventId: string, treeSize: number | undefined, reader: string): Promise<CommitmentProof>;
}

/** The checkpoint's opener: the log's origin, and whether a note is signed by the log's key (ADR 025). */
export interface LogKey {
  readonly origin: string;
  /** The opened checkpoint when `note` is signed by the log's key, else undefined. */
  open(note: string): { size: number; root: Buffer } | undefined;
  /** RFC 9162 inclusion check. */
  verifyInclusion(leafHash: Buffer, index: number, size: number, hashes: readonly Buffer[], root: Buffer): boolean;
}

export interface InspectionDeps {
  readonly db: Database;
  readonly clock: () => Date;
  readonly store: InspectionStore;
  readonly outbox: InspectionOutbox;
  readonly relay: { kick(): void };
  readonly newId: () => string;
  readonly audit: AuditProofs;
  /** The log's key, once known (configuration, or asked of the hosted log at start). */
  readonly logKey: () => Promise<LogKey>;
  /** Results as credit records (一公开). */
  readonly results: ResultRecords;
}

export interface CommittedTask {
  readonly task: StoredTask;
  readonly replayed: boolean;
}

function assertDepartment(actor: Actor): void {
  if (actor.role !== 'department') {
    throw new AppError('PERMISSION_DENIED', 'inspection tasks are committed and drawn by departments');
  }
}

/** SHA-256 of a task document's RFC 8785 text. */
export function digestOf(document: string): Buffer {
  return hash('sha256', Buffer.from(document, 'utf8'), 'buffer');
}

/** Commits a task: validated and normalised, stored, `inspection.task.committed` in the same transaction. */
export async function commitTaskCase(
  deps: InspectionDeps,
  input: { readonly taskJson: string; readonly actor: Actor },
): Promise<CommittedTask> {
  assertDepartment(input.actor);
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.taskJson);
  } catch {
    throw invalid('INVALID_ARGUMENT', [{ field: 'task_json', reason: 'NOT_JSON', description: 'a task as JSON' }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'task_json', reason: 'NOT_OBJECT', description: 'a JSON object' }]);
  }
  const doc: InspectionTask = taskDocument(parsed as InspectionTaskInput);
  if (doc.department !== input.actor.code) {
    throw new AppError('INSPECTION_NOT_ORGANISER', 'a department commits tasks in its own name only');
  }
  const document = canonicalTask(doc);
  const digest = digestOf(document);
  const existing = await deps.store.task(deps.db, doc.taskId);
  if (existing) return replayedTask(existing, digest);
  const task: StoredTask = {
    taskId: doc.taskId,
    organiser: doc.department,
    document,
    digest,
    commitmentEventId: deps.newId(),
    committedAt: deps.clock(),
  };
  const inserted = await deps.db.transaction(async (tx) => {
    if (!(await deps.store.insertTask(tx, task))) return false;
    await deps.outbox.committed(tx, task);
    return true;
  });
  if (!inserted) {
    const now = await deps.store.task(deps.db, doc.taskId);
    if (now) return replayedTask(now, digest);
  }
  deps.relay.kick();
  return { task, replayed: false };
}

function replayedTask(existing: StoredTask, digest: Buffer): CommittedTask {
  if (!existing.digest.equals(digest)) {
    throw new AppError('INSPECTION_TASK_EXISTS', `task ${existing.taskId} is committed already, with another document`);
  }
  return { task: existing, replayed: true };
}

async function ownTask(deps: InspectionDeps, taskId: string, actor: Actor): Promise<StoredTask> {
  const task = await deps.store.task(deps.db, taskId);
  if (!task) throw new AppError('INSPECTION_TASK_NOT_FOUND', `no task ${taskId} is committed`);
  if (task.organiser !== actor.code) throw new AppError('INSPECTION_NOT_ORGANISER', 'only the organiser draws a task');
  return task;
}

/**
 * Draws a committed task (ADR 025): the commitment's leaf index from the audit log; the first kept checkpoint whose
 * tree contains it (INSPECTION_NOT_CHECKPOINTED, nothing written, when there is none yet); the log's inclusion proof
 * at that checkpoint's size checked against its signed root (INSPECTION_PROOF_INVALID otherwise); then `drawTask`,
 * stored with `inspection.draw.completed` in one transaction. A second draw answers the first.
 */
export async function drawTaskCase(
  deps: InspectionDeps,
  input: { readonly taskId: string; readonly actor: Actor },
): Promise<{ draw: PublishedDraw; replayed: boolean }> {
  assertDepartment(input.actor);
  const task = await ownTask(deps, input.taskId, input.actor);
  const done = await deps.store.draw(deps.db, task.taskId);
  if (done) return { draw: done, replayed: true };

  const key = await deps.logKey();
  const located = await deps.audit.inclusionProof(task.commitmentEventId, undefined, task.organiser);
  const kept = await deps.store.checkpoints(deps.db, key.origin);
  const { checkpoint, previous } = seedCheckpoint(located.leafIndex, kept);
  const proof =
    located.treeSize === checkpoint.size
      ? located
      : await deps.audit.inclusionProof(task.commitmentEventId, checkpoint.size, task.organiser);
  assertProof(key, task, proof, checkpoint, located.leafIndex);

  const result = drawTask(JSON.parse(task.document) as InspectionTask, checkpoint.root);
  const draw: PublishedDraw = {
    taskId: task.taskId,
    documentJson: task.document,
    checkpointNote: checkpoint.note,
    previousCheckpointNote: previous?.note ?? '',
    proof,
    result,
    drawnBy: input.actor.code,
    drawnAt: deps.clock().toISOString(),
  };
  const inserted = await deps.db.transaction(async (tx) => {
    if (!(await deps.store.insertDraw(tx, draw, deps.clock()))) return false;
    await deps.outbox.drawn(tx, draw);
    return true;
  });
  if (!inserted) {
    const first = await deps.store.draw(deps.db, task.taskId);
    if (first) return { draw: first, replayed: true };
  }
  deps.relay.kick();
  return { draw, replayed: false };
}

/** The checks of ADR 025 on the log's answer: never trusted, always recomputed. */
function assertProof(
  key: LogKey,
  task: StoredTask,
  proof: CommitmentProof,
  checkpoint: KeptCheckpoint,
  leafIndex: number,
): void {
  const refuse = (why: string): never => {
    throw new AppError('INSPECTION_PROOF_INVALID', `the audit log's proof of the commitment: ${why}`);
  };
  if (proof.eventId !== task.commitmentEventId) refuse('another event');
  if (proof.leafIndex !== leafIndex || proof.treeSize !== checkpoint.size) refuse('another leaf or tree size');
  if (!hash('sha256', Buffer.concat([Buffer.from([0]), proof.leafCanonical]), 'buffer').equals(proof.leafHash)) {
    refuse('the leaf hash is not the hash of the canonical leaf');
  }
  const body = Buffer.concat([Buffer.from([0x0a, 0x20]), task.digest]);
  if (!proof.commitmentBody.subarray(0, 34).equals(body)) refuse("the commitment's body does not name the task digest");
  let leaf: { id?: unknown; datasha256?: unknown };
  try {
    leaf = JSON.parse(proof.leafCanonical.toString('utf8'));
  } catch {
    leaf = refuse('the canonical leaf is not JSON');
  }
  if (leaf.id !== task.commitmentEventId) refuse('the leaf is of another event');
  if (leaf.datasha256 !== hash('sha256', proof.commitmentBody, 'hex')) refuse('the leaf names another body');
  if (!key.verifyInclusion(proof.leafHash, proof.leafIndex, proof.treeSize, proof.hashes, checkpoint.root)) {
    refuse("the path does not lead to the signed checkpoint's root");
  }
}

/**
 * A checkpoint event from `onceonly.audit.checkpoints.v1`: kept when its note is signed by the log's key and says
 * what the event says; anything else (another log's checkpoint, a bad signature) is ignored and named in the log.
 */
export async function keepCheckpointCase(
  deps: Pick<InspectionDeps, 'store' | 'clock'>,
  key: LogKey,
  tx: Transaction,
  event: { readonly origin: string; readonly size: number; readonly root: Buffer; readonly note: string },
): Promise<'kept' | 'foreign' | 'unverified'> {
  if (event.origin !== key.origin) return 'foreign';
  const opened = key.open(event.note);
  if (!opened || opened.size !== event.size || !opened.root.equals(event.root)) return 'unverified';
  await deps.store.keepCheckpoint(
    tx,
    { origin: key.origin, size: opened.size, root: opened.root, note: event.note },
    deps.clock(),
  );
  return 'kept';
}

/** The task and its draw, for the organiser (and any department: tasks and draws are published). */
export async function getTaskCase(
  deps: InspectionDeps,
  input: { readonly taskId: string; readonly actor: Actor },
): Promise<{ task: StoredTask; draw?: PublishedDraw }> {
  if (input.actor.role !== 'department' && input.actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'inspection tasks are read by departments and auditors');
  }
  const task = await deps.store.task(deps.db, input.taskId);
  if (!task) throw new AppError('INSPECTION_TASK_NOT_FOUND', `no task ${input.taskId} is committed`);
  const draw = await deps.store.draw(deps.db, input.taskId);
  return { task, ...(draw ? { draw } : {}) };
}

/** A result as its inspector's department states it. */
export interface ResultInput {
  readonly taskId: string;
  readonly creditCode: string;
  readonly inspectorId: string;
  readonly outcome: InspectionOutcome;
  readonly findings: string;
  readonly inspectedOn: string;
  readonly actor: Actor;
}

/**
 * Records the result of a drawn entity's inspection (一公开): only for an entity the draw drew
 * (INSPECTION_NOT_DRAWN), by an inspector the draw assigned to it, through that inspector's own department
 * (INSPECTION_NOT_ASSIGNED), inspected between the draw and today (INVALID_ARGUMENT); one result per entity
 * (INSPECTION_RESULT_EXISTS for another; the same again answers the first). In one transaction: the result,
 * `inspection.result.recorded`, and its credit record of kind `inspection` on the entity (一公开: its publicity window,
 * the grade recomputed), whose event names the result's as its cause.
 */
export async function recordResultCase(deps: InspectionDeps, input: ResultInput): Promise<RecordedResult> {
  assertDepartment(input.actor);
  const task = await deps.store.task(deps.db, input.taskId);
  if (!task) throw new AppError('INSPECTION_TASK_NOT_FOUND', `no task ${input.taskId} is committed`);
  const draw = await deps.store.draw(deps.db, input.taskId);
  const entity = draw?.result.drawn.find((d) => d.creditCode === input.creditCode);
  if (!draw || !entity) {
    throw new AppError('INSPECTION_NOT_DRAWN', `${input.creditCode} was not drawn by task ${input.taskId}`);
  }
  const doc = JSON.parse(task.document) as InspectionTask;
  const inspector = doc.inspectors.find((p) => p.id === input.inspectorId);
  if (!entity.inspectors.includes(input.inspectorId) || inspector?.department !== input.actor.code) {
    throw new AppError(
      'INSPECTION_NOT_ASSIGNED',
      `inspector ${input.inspectorId} is not assigned to ${input.creditCode} in task ${input.taskId}, or not of your department`,
    );
  }
  // days as China counts them (the record's decision date, like every credit record's)
  const today = chinaDateOf(deps.clock());
  if (
    !isPlainDate(input.inspectedOn) ||
    input.inspectedOn < chinaDateOf(new Date(draw.drawnAt)) ||
    input.inspectedOn > today
  ) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'inspected_on', reason: 'OUT_OF_RANGE', description: 'between the draw and today' },
    ]);
  }
  const same = (r: InspectionResultFact) =>
    r.inspectorId === input.inspectorId &&
    r.outcome === input.outcome &&
    r.findings === input.findings &&
    r.inspectedOn === input.inspectedOn;
  const replay = async (r: InspectionResultFact): Promise<RecordedResult> => {
    if (!same(r)) {
      throw new AppError('INSPECTION_RESULT_EXISTS', `the result of ${r.creditCode} in task ${r.taskId} is recorded`);
    }
    const record = r.recordId === undefined ? undefined : await deps.results.find(r.recordId);
    return { result: r, replayed: true, ...(record ? { record } : {}) };
  };
  const existing = await deps.store.result(deps.db, input.taskId, input.creditCode);
  if (existing) return replay(existing);
  const ids = { recordId: deps.newId(), resultEventId: deps.newId() };
  const result: InspectionResultFact = {
    taskId: input.taskId,
    creditCode: input.creditCode,
    inspectorId: input.inspectorId,
    outcome: input.outcome,
    findings: input.findings,
    inspectedOn: input.inspectedOn,
    recordedBy: input.actor.code,
    recordedAt: deps.clock().toISOString(),
    recordId: ids.recordId,
  };
  const write = async (tx: Transaction) => {
    if (!(await deps.store.insertResult(tx, result))) return false;
    await deps.outbox.resultRecorded(tx, result, ids.resultEventId);
    return true;
  };
  const terms: InspectionResultTerms = { ...result, taskTitle: doc.title, inspectedOn: input.inspectedOn as PlainDate };
  const done = await deps.results.record(terms, ids, write);
  if (!done) {
    const first = await deps.store.result(deps.db, input.taskId, input.creditCode);
    if (first) return replay(first);
    throw new AppError('INTERNAL', `the result of ${input.creditCode} in task ${input.taskId} was not recorded`);
  }
  return { result, replayed: false, record: done.record, grade: done.grade };
}

/** A recorded result, and the credit record it became with the entity's grade (一公开). */
export interface RecordedResult {
  readonly result: InspectionResultFact;
  readonly replayed: boolean;
  readonly record?: CreditRecord;
  /** The entity's grade after the record (absent when the result was recorded before). */
  readonly grade?: StoredGrade;
}
