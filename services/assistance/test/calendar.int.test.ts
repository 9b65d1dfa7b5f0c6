import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUSTICE } from '../src/domain/departments.js';
import { type AssistanceHost, CITIZEN_ID, startAssistanceHost } from './support.js';

// A year's holiday notice added by the operator (ONCEONLY_WORKDAYS_DIR) reaches the deadlines of requests: the same
// request late in December is refused by a hub without the next year and dated by one with it.
//
// TEST FIXTURE, NOT the State Council's notice for 2027 (not published when this was written): dates made up so
// that they pass the notice checks (2027-01-01 is a Friday; 2027-02-20 a Saturday).
const FIXTURE_2027 = {
  year: 2027,
  notice: { title: 'TEST FIXTURE (not a State Council notice)', number: 'fixture-2027', issued: '2026-11-01' },
  holidays: [
    { name: '元旦', from: '2027-01-01', to: '2027-01-03', days: 3 },
    { name: '春节', from: '2027-02-06', to: '2027-02-14', days: 9 },
  ],
  makeUpWorkdays: [{ date: '2027-02-20', for: '春节' }],
};

const now = new Date('2026-12-28T02:00:00Z'); // Monday 2026-12-28 in China
let dir: string;
let without: AssistanceHost;
let withNotice: AssistanceHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assistance-workdays-'));
  await writeFile(join(dir, '2027.json'), JSON.stringify(FIXTURE_2027));
  const env = {
    ONCEONLY_HOLDER_HASH_KEY: 'assistance-calendar-hash-key-0123456789',
    ONCEONLY_ASSISTANCE_SWEEP_MS: '0',
  };
  without = await startAssistanceHost({ name: 'assistance-cal-without', clock: () => now, env });
  withNotice = await startAssistanceHost({
    name: 'assistance-cal-with',
    clock: () => now,
    env: { ...env, ONCEONLY_WORKDAYS_DIR: dir },
  });
});

afterAll(async () => {
  await without?.stop();
  await withNotice?.stop();
  await rm(dir, { recursive: true, force: true });
});

const submit = (hub: AssistanceHost) =>
  hub.as(JUSTICE.code).submitRequest({
    idempotencyKey: `calendar-${Date.now()}-${Math.random()}`,
    itemCode: 'PT-XZ-04', // 7 working days
    caseId: 'FY-CAL',
    legalBasis: '法律援助法第四十一条',
    purpose: '核查',
    subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } },
    fields: { aid_case_no: 'C1' },
  });

describe('the working-day calendar of ONCEONLY_WORKDAYS_DIR', () => {
  it('refuses a deadline running into a year whose notice is not loaded, and stores nothing', async () => {
    await expect(submit(without)).rejects.toMatchObject({
      code: 'CALENDAR_YEAR_NOT_LOADED',
      message: expect.stringContaining('no State Council holiday notice is loaded for 2027'),
    });
    const { rows } = await without.db.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM assistance.requests) + (SELECT count(*) FROM assistance.outbox) AS n',
    );
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it("dates it with the operator's notice: 12-29, 12-30, 12-31, 元旦 off, 01-04 … 01-07", async () => {
    const { request } = await submit(withNotice);
    expect(request?.dueDate).toBe('2027-01-07');
  });
});
