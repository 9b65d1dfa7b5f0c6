import { creditV1 as cv, creditEventsV1 as ev } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDIT_EVENT_TYPES } from '../src/topics.js';
import { EMERGENCY, MARKET_REGULATION, PORTAL, uscc } from './records.js';
import { CITIZEN_ID, type CreditHost, startCreditHost } from './support.js';

// The lookups the replay needs, on PostgreSQL and Kafka through gRPC: GetRecord (departments and auditors, each
// read recorded as `credit.profile.read` naming the record) and GetCreditProfile by subject key (auditors only: a
// person's key cannot be turned back into a citizen ID); refusals write nothing.

const HASH_KEY = `credit-reads-holder-hash-key-${Date.now()}`;
const AUDITOR = uscc('11310000MB2F09990');
let hub: CreditHost;

beforeAll(async () => {
  hub = await startCreditHost({
    name: 'credit-reads',
    env: { ONCEONLY_HOLDER_HASH_KEY: HASH_KEY },
    clock: () => new Date('2026-03-04T02:00:00Z'),
  });
});
afterAll(async () => {
  await hub?.stop();
});

function subjectCode(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const tail = Array.from({ length: 7 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
  return uscc(`91310107MB${tail}`);
}

let serial = 0;
const penalty = (subject: cv.CreditSubject['subject']): Partial<cv.RecordPenaltyRequest> => ({
  idempotencyKey: `reads-${Date.now()}-${++serial}`,
  subject: { subject },
  partyName: '上海示范烘焙有限公司',
  authorityCode: MARKET_REGULATION,
  penalty: {
    decisionNumber: `沪市监普读〔2026〕${Date.now()}-${serial}号`,
    name: '销售超过保质期的食品',
    kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
    regime: cv.Regime.REGIME_SAMR,
    sector: cv.Sector.SECTOR_GENERAL,
    facts: '当事人销售超过保质期的面包',
    legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
    result: '罚款五万元',
    amountFen: '5000000',
    decisionDate: '2026-03-02',
    simpleProcedure: false,
  },
});

async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

async function outboxCount(): Promise<number> {
  const { rows } = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM credit.outbox');
  return rows[0]!.n;
}

const readsOf = (key: string) =>
  hub.seen
    .filter((m) => m.key?.toString() === key && m.headers?.ce_type?.toString() === CREDIT_EVENT_TYPES.profileRead)
    .map((m) => ev.ProfileRead.decode(m.value!));

describe('GetRecord', () => {
  it('answers a department and an auditor, recording each read with the record', async () => {
    const code = subjectCode();
    const { record } = await hub.as(MARKET_REGULATION).recordPenalty(penalty({ $case: 'creditCode', value: code }));
    const read = await hub.as(EMERGENCY).getRecord({ recordId: record!.id, purpose: '联合检查前核查' });
    expect(read.record).toEqual(record);
    await hub.as(AUDITOR, 'auditor').getRecord({ recordId: record!.id });
    const reads = await waitFor(() => (readsOf(code).length >= 2 ? readsOf(code) : undefined), { timeoutMs: 30_000 });
    expect(reads!.map((r) => [r.readerCode, r.readerRole, r.purpose, r.recordId])).toEqual([
      [EMERGENCY, 'department', '联合检查前核查', record!.id],
      [AUDITOR, 'auditor', '', record!.id],
    ]);
  });

  it('refuses platforms and the portal, a department without a purpose, and an unknown record, writing nothing', async () => {
    const code = subjectCode();
    const { record } = await hub.as(MARKET_REGULATION).recordPenalty(penalty({ $case: 'creditCode', value: code }));
    const before = await outboxCount();
    const id = record!.id;
    expect((await refused(hub.as(PORTAL, 'portal').getRecord({ recordId: id, purpose: 'x' }))).code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await refused(hub.as(PORTAL, 'platform').getRecord({ recordId: id, purpose: 'x' }))).code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await refused(hub.as(EMERGENCY).getRecord({ recordId: id }))).code).toBe('INVALID_ARGUMENT');
    expect((await refused(hub.as(EMERGENCY).getRecord({ recordId: '', purpose: 'x' }))).code).toBe('INVALID_ARGUMENT');
    expect((await refused(hub.as(EMERGENCY).getRecord({ recordId: 'no-such', purpose: 'x' }))).code).toBe(
      'CREDIT_RECORD_NOT_FOUND',
    );
    expect(await outboxCount()).toBe(before);
  });
});

describe('GetCreditProfile by subject key', () => {
  it("answers an auditor a person's profile by key, masked, and records the read", async () => {
    const { record } = await hub
      .as(MARKET_REGULATION)
      .recordPenalty(penalty({ $case: 'citizenId', value: CITIZEN_ID }));
    const key = record!.subject!.subjectKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const profile = await hub.as(AUDITOR, 'auditor').getCreditProfile({ subjectKey: key, purpose: '审计' });
    expect(profile.subject).toMatchObject({ subjectKey: key, display: { $case: 'maskedCitizenId' } });
    expect(JSON.stringify(profile)).not.toContain(CITIZEN_ID);
    expect(profile.records.map((r) => r.id)).toContain(record!.id);
    expect(profile.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_B);
    const reads = await waitFor(() => (readsOf(key).length >= 1 ? readsOf(key) : undefined), { timeoutMs: 30_000 });
    expect(reads![0]).toMatchObject({ readerCode: AUDITOR, readerRole: 'auditor', purpose: '审计', recordId: '' });
    // an organisation by its credit code as key; a key nobody has: an empty profile
    const code = subjectCode();
    await hub.as(MARKET_REGULATION).recordPenalty(penalty({ $case: 'creditCode', value: code }));
    const org = await hub.as(AUDITOR, 'auditor').getCreditProfile({ subjectKey: code });
    expect(org.subject).toMatchObject({ subjectKey: code, display: { $case: 'creditCode', value: code } });
    const none = await hub.as(AUDITOR, 'auditor').getCreditProfile({ subjectKey: 'a'.repeat(64) });
    expect(none).toMatchObject({ records: [], grade: undefined });
  });

  it('refuses a department, a malformed key, and a key beside a subject, writing nothing', async () => {
    const before = await outboxCount();
    const key = 'b'.repeat(64);
    expect((await refused(hub.as(EMERGENCY).getCreditProfile({ subjectKey: key, purpose: 'x' }))).code).toBe(
      'PERMISSION_DENIED',
    );
    const auditor = hub.as(AUDITOR, 'auditor');
    for (const bad of ['B'.repeat(64), 'x', '91310107MA1G8K3D4X', CITIZEN_ID]) {
      const err = await refused(auditor.getCreditProfile({ subjectKey: bad }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).not.toContain(CITIZEN_ID);
    }
    const both = await refused(
      auditor.getCreditProfile({
        subjectKey: key,
        subject: { subject: { $case: 'creditCode', value: subjectCode() } },
      }),
    );
    expect(both.code).toBe('INVALID_ARGUMENT');
    expect(await outboxCount()).toBe(before);
  });
});
