import { AppError } from '@onceonly/errors';
import type { Actor, CreditRecord, RepairCondition } from '../domain/records.js';
import { applyForRepair, decideRepair } from '../domain/repair.js';
import { changeSubject } from './change-subject.js';
import type { CreditDeps, StoredGrade } from './ports.js';

async function existing(deps: CreditDeps, id: string): Promise<CreditRecord> {
  const record = await deps.store.record(deps.db, id);
  if (!record) throw new AppError('CREDIT_RECORD_NOT_FOUND', `no credit record ${id}`);
  return record;
}

function current(records: readonly CreditRecord[], id: string): CreditRecord {
  const record = records.find((r) => r.id === id);
  if (!record) throw new AppError('CREDIT_RECORD_NOT_FOUND', `no credit record ${id}`);
  return record;
}

/** An application for repair of one record (the subject's one transaction shape; an event). */
export async function applyForRepairCase(
  deps: CreditDeps,
  input: {
    actor: Actor;
    recordId: string;
    expectedVersion: number;
    conditions: readonly RepairCondition[];
    statement: string;
  },
): Promise<CreditRecord> {
  const { subject } = await existing(deps, input.recordId);
  const { record } = await changeSubject(deps, subject.key, input.actor.code, (records, today) => ({
    ...applyForRepair(current(records, input.recordId), input, records, today),
    insert: false,
  }));
  return record;
}

/** The owner's decision on a repair: a granted one leaves the public feed and the grade is recomputed. */
export async function decideRepairCase(
  deps: CreditDeps,
  input: { actor: Actor; recordId: string; expectedVersion: number; granted: boolean; reasons: string },
): Promise<{ record: CreditRecord; grade: StoredGrade }> {
  const { subject } = await existing(deps, input.recordId);
  return changeSubject(deps, subject.key, input.actor.code, (records, today) => ({
    ...decideRepair(current(records, input.recordId), input, today),
    insert: false,
  }));
}
