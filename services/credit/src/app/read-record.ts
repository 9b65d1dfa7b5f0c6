import { AppError } from '@onceonly/errors';
import type { Actor, CreditRecord } from '../domain/records.js';
import type { CreditDeps } from './ports.js';

/**
 * One record by its id, for departments and auditors (the same readers as profiles; the public feed is for everyone
 * else): the record as the service holds it, repaired or not. The read is committed as `credit.profile.read`
 * naming the record (reader, role, purpose) before it is answered, as a profile read is; a department reading its
 * own subject's record is not recorded.
 */
export async function readRecordCase(
  deps: CreditDeps,
  input: { actor: Actor; recordId: string; purpose: string },
): Promise<CreditRecord> {
  const { actor } = input;
  if (actor.role !== 'department' && actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'credit records are read by departments and auditors');
  }
  const record = await deps.store.record(deps.db, input.recordId);
  if (!record) throw new AppError('CREDIT_RECORD_NOT_FOUND', `no credit record ${input.recordId}`);
  if (record.subject.key !== actor.code) {
    const at = deps.clock();
    await deps.db.transaction((tx) =>
      deps.outbox.profileRead(tx, {
        subject: record.subject,
        name: record.partyName,
        reader: actor.code,
        role: actor.role,
        purpose: input.purpose,
        at,
        recordId: record.id,
      }),
    );
    deps.relay.kick();
  }
  return record;
}
