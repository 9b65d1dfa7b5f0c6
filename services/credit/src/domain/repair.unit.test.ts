import { type AppError, isAppError } from '@onceonly/errors';
import type { PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import { emergency, listingCommand, marketRegulation, penaltyCommand, portal, recorded } from '../../test/records.js';
import { isPublic, type RepairCondition } from './records.js';
import { applyForRepair, decideRepair } from './repair.js';

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('it succeeded');
}

const SAMR: RepairCondition[] = ['obligations-fulfilled', 'harm-removed', 'not-repeated', 'not-listed'];
const day = (s: string) => s as PlainDate;
// a SAMR fine above the low-fine threshold, recorded 2026-03-05: repairable from 2026-09-05
const fine = recorded(penaltyCommand({ amountFen: 5_000_000, decisionDate: '2026-03-02' }), '2026-03-05');
const apply = (more: Partial<Parameters<typeof applyForRepair>[1]> = {}) => ({
  actor: portal,
  expectedVersion: 1,
  conditions: SAMR,
  statement: '已缴纳罚款并整改完毕',
  ...more,
});

describe('applying for repair', () => {
  it('is possible from the end of the minimum period, by the portal or the owner', () => {
    expect(fine.publicity.repairFrom).toBe('2026-09-05');
    const { record, fact } = applyForRepair(fine, apply(), [fine], day('2026-09-05'));
    expect(fact).toEqual({ type: 'repair-applied' });
    expect(record).toMatchObject({ status: 'repair-pending', version: 2, repair: { appliedOn: '2026-09-05' } });
    expect(applyForRepair(fine, apply({ actor: marketRegulation }), [fine], day('2026-09-05')).record.status).toBe(
      'repair-pending',
    );
  });

  it('is refused before the minimum period', () => {
    const e = failure(() => applyForRepair(fine, apply(), [fine], day('2026-09-04')));
    expect(e.code).toBe('CREDIT_REPAIR_TOO_EARLY');
    expect(e.details.meta).toEqual({ repairFrom: '2026-09-05' });
  });

  it('is refused for what cannot be repaired: heavy sanctions, unpublished and short-lived records, expired ones', () => {
    const revoked = recorded(penaltyCommand({ kinds: ['licence-revoked'], decisionDate: '2026-03-02' }), '2026-03-05');
    const warning = recorded(penaltyCommand({ kinds: ['warning'], decisionDate: '2026-03-02' }), '2026-03-05');
    const light = recorded(penaltyCommand({ kinds: ['criticism'], decisionDate: '2026-03-02' }), '2026-03-05');
    for (const r of [revoked, warning, light]) {
      expect(failure(() => applyForRepair(r, apply(), [r], day('2026-12-01'))).code).toBe('CREDIT_NOT_REPAIRABLE');
    }
    expect(failure(() => applyForRepair(fine, apply(), [fine], day('2029-03-05'))).code).toBe('CREDIT_NOT_REPAIRABLE');
  });

  it('wants every condition of the regime declared, and refuses one the records contradict', () => {
    const missing = failure(() =>
      applyForRepair(fine, apply({ conditions: ['obligations-fulfilled'] }), [fine], day('2026-10-01')),
    );
    expect(missing.code).toBe('CREDIT_REPAIR_CONDITIONS_UNMET');
    expect(missing.fields.map((f) => f.description).sort()).toEqual(['harm-removed', 'not-listed', 'not-repeated']);
    const entry = recorded(listingCommand('2026-04-01'), '2026-04-01');
    const listed = failure(() => applyForRepair(fine, apply(), [fine, entry], day('2026-10-01')));
    expect(listed.code).toBe('CREDIT_REPAIR_CONDITIONS_UNMET');
    expect(listed.fields[0]).toMatchObject({ reason: 'CONTRADICTED' });
    const again = recorded(penaltyCommand({ decisionDate: '2026-05-01' }), '2026-05-02');
    expect(failure(() => applyForRepair(fine, apply(), [fine, again], day('2026-10-01'))).fields[0]).toMatchObject({
      reason: 'CONTRADICTED',
    });
  });

  it('is refused to another department, on a stale version, and twice', () => {
    expect(failure(() => applyForRepair(fine, apply({ actor: emergency }), [fine], day('2026-10-01'))).code).toBe(
      'CREDIT_NOT_OWNER',
    );
    expect(failure(() => applyForRepair(fine, apply({ expectedVersion: 2 }), [fine], day('2026-10-01'))).code).toBe(
      'CREDIT_VERSION_CONFLICT',
    );
    const pending = applyForRepair(fine, apply(), [fine], day('2026-10-01')).record;
    expect(
      failure(() => applyForRepair(pending, apply({ expectedVersion: 2 }), [pending], day('2026-10-02'))).code,
    ).toBe('CREDIT_ILLEGAL_TRANSITION');
  });

  it('repairs an entry on the list after a year (early exit)', () => {
    const entry = recorded(listingCommand('2026-03-02'), '2026-03-02');
    expect(failure(() => applyForRepair(entry, apply(), [entry], day('2027-03-01'))).code).toBe(
      'CREDIT_REPAIR_TOO_EARLY',
    );
    expect(applyForRepair(entry, apply(), [entry], day('2027-03-02')).record.status).toBe('repair-pending');
  });
});

describe('deciding a repair', () => {
  const pending = applyForRepair(fine, apply(), [fine], day('2026-10-01')).record;
  const decide = (granted: boolean, more: Partial<Parameters<typeof decideRepair>[1]> = {}) => ({
    actor: marketRegulation,
    expectedVersion: 2,
    granted,
    reasons: granted ? '符合信用修复条件' : '危害后果尚未消除',
    ...more,
  });

  it('takes a granted record out of the public feed, keeping it', () => {
    const { record, fact } = decideRepair(pending, decide(true), day('2026-10-10'));
    expect(fact).toEqual({ type: 'repair-decided', granted: true });
    expect(record).toMatchObject({ status: 'repaired', version: 3, repair: { decision: { granted: true } } });
    expect(isPublic(pending, day('2026-10-10'))).toBe(true);
    expect(isPublic(record, day('2026-10-10'))).toBe(false);
  });

  it('leaves a refused record public, open to a new application', () => {
    const { record } = decideRepair(pending, decide(false), day('2026-10-10'));
    expect(record.status).toBe('active');
    expect(isPublic(record, day('2026-10-10'))).toBe(true);
    expect(applyForRepair(record, apply({ expectedVersion: 3 }), [record], day('2026-11-01')).record.status).toBe(
      'repair-pending',
    );
  });

  it('is the owner’s alone, with reasons, on a pending application', () => {
    expect(failure(() => decideRepair(pending, decide(true, { actor: emergency }), day('2026-10-10'))).code).toBe(
      'CREDIT_NOT_OWNER',
    );
    expect(failure(() => decideRepair(pending, decide(true, { reasons: ' ' }), day('2026-10-10'))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(failure(() => decideRepair(fine, decide(true, { expectedVersion: 1 }), day('2026-10-10'))).code).toBe(
      'CREDIT_ILLEGAL_TRANSITION',
    );
  });
});
