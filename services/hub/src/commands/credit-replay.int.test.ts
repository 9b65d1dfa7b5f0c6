/**
 * `onceonly audit replay` over a hub on its embedded defaults hosting the credit service and the audit log: every
 * credit record's status and version, and every subject's grade, are rebuilt from the logged credit events alone
 * (the service's own projections, ADR 005), checked against its rules, and compared with what GetRecord and
 * GetCreditProfile (by subject key, as an auditor) answer: clean for penalties, a repair, a list entry and exit and a
 * person's record; then a record's status and a grade changed in the database behind the service's back are named.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { creditModule } from '@onceonly/credit';
import { creditClient, creditV1 as cv } from '@onceonly/credit/client';
import { computeCitizenIdCheck, computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER, type ServiceModule } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const EMERGENCY = uscc('11310107MB2F10079');
const PORTAL = uscc('12310000MB2F09912');
const BAKERY = uscc('91310107MA1G8K3D4');
const CAFE = uscc('91310107MA1G8K2D3');
const CITIZEN = `31010719900307123${computeCitizenIdCheck('31010719900307123')}`;

interface Report {
  ok: boolean;
  projections: { name: string; keys: number; compared: number; divergences: number }[];
  findings: { kind: string; key?: string; message: string; expected?: string; actual?: string }[];
}

describe('audit replay of the credit service', () => {
  let hub: RunningHub;
  let db: Database | undefined;
  let dir = '';
  let brokers: string | undefined;
  let now = new Date('2026-03-04T02:00:00Z');
  // the hub's database, to change rows behind the service's back
  const capture: ServiceModule = {
    name: 'capture',
    async start(ctx) {
      db = ctx.db;
    },
  };
  const as = (code: string, role = 'department') => ['--addr', hub.address, '--as', code, '--role', role];
  const client = (code: string, role = 'department') =>
    creditClient(hub.address, {
      metadata: () => {
        const m = new Metadata();
        m.set(DEV_CALLER_HEADER, code);
        m.set(DEV_ROLE_HEADER, role);
        return m;
      },
    });

  beforeAll(async () => {
    brokers = process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_BROKERS; // the hub's bus is its embedded log: the replay reads it through the hub
    process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = '200';
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-credit-replay-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dir });
    const log = createLogger({ level: 'silent', service: 'hub' });
    hub = await startHub({ config, log, modules: [capture, creditModule, auditModule], clock: () => now });
  });
  afterAll(async () => {
    await hub?.stop();
    if (brokers !== undefined) process.env.KAFKA_BROKERS = brokers;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let serial = 0;
  const penalty = (subject: cv.CreditSubject['subject'], authority: string, decisionDate: string) => ({
    idempotencyKey: `p-${++serial}`,
    subject: { subject },
    partyName: subject?.$case === 'citizenId' ? '张三' : '上海示范烘焙有限公司',
    authorityCode: authority,
    penalty: {
      decisionNumber: `沪罚〔2026〕${serial}号`,
      name: '销售超过保质期的食品',
      kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
      regime: cv.Regime.REGIME_SAMR,
      sector: cv.Sector.SECTOR_GENERAL,
      facts: '当事人销售超过保质期的面包',
      legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
      result: '罚款五万元',
      amountFen: '5000000',
      decisionDate,
      simpleProcedure: false,
    },
  });
  const listing = (exit: boolean, entry = '') => ({
    idempotencyKey: `l-${++serial}`,
    subject: { subject: { $case: 'creditCode' as const, value: CAFE } },
    partyName: '上海示范咖啡有限公司',
    authorityCode: MARKET_REGULATION,
    exit,
    listing: {
      decisionNumber: `沪市监普列〔2026〕${serial}号`,
      reasons: exit ? '整改完成，提前移出' : '一年内三次较重行政处罚',
      legalBasis: '《市场监督管理严重违法失信名单管理办法》',
      decisionDate: '2026-03-03',
      entryRecordId: entry,
    },
  });

  /**
   * Replays until the report covers `records` records and `subjects` subjects and says `ok` (the replay checks the
   * log up to its latest checkpoint, which may not cover the newest events yet), or tries run out.
   */
  async function replayUntil(records: number, subjects: number, ok: boolean, name: string): Promise<Report> {
    let report: Report | undefined;
    let code: number | undefined;
    for (let i = 0; i < 60; i++) {
      const run = await cli([
        ...['--addr', hub.address, '--as', 'auditor-1', '--role', 'auditor'],
        '--json',
        'audit',
        'replay',
        '--report',
        path.join(dir, name),
      ]);
      expect(run.out + run.err).not.toContain(CITIZEN);
      report = JSON.parse(run.out) as Report;
      code = run.code;
      const of = (n: string) => report!.projections.find((p) => p.name === n);
      const covered =
        of('credit-record-status')?.compared === records && of('credit-subject-grade')?.compared === subjects;
      if (covered && report.ok === ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(code).toBe(ok ? 0 : 1);
    return report!;
  }

  const ids: Record<string, string> = {};

  it('rebuilds every record and grade from the log and finds the service agreeing', async () => {
    const market = client(MARKET_REGULATION);
    const first = await market.recordPenalty(
      penalty({ $case: 'creditCode', value: BAKERY }, MARKET_REGULATION, '2026-03-02'),
    );
    const second = await market.recordPenalty(
      penalty({ $case: 'creditCode', value: BAKERY }, MARKET_REGULATION, '2026-03-03'),
    );
    expect(second.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_C);
    ids.first = first.record!.id;
    const entry = await market.recordListing(listing(false));
    expect(entry.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_D);
    await market.recordListing(listing(true, entry.record!.id));
    const emergency = client(EMERGENCY);
    const person = await emergency.recordPenalty(
      penalty({ $case: 'citizenId', value: CITIZEN }, EMERGENCY, '2026-03-02'),
    );
    ids.personKey = person.record!.subject!.subjectKey;
    emergency.close();
    // six months on: the second penalty repaired (the grade back to B)
    now = new Date('2026-09-07T02:00:00Z');
    const portal = client(PORTAL, 'portal');
    await portal.applyForRepair({
      recordId: second.record!.id,
      expectedVersion: 1,
      conditions: [
        cv.RepairCondition.REPAIR_CONDITION_OBLIGATIONS_FULFILLED,
        cv.RepairCondition.REPAIR_CONDITION_HARM_REMOVED,
        cv.RepairCondition.REPAIR_CONDITION_NOT_REPEATED,
        cv.RepairCondition.REPAIR_CONDITION_NOT_LISTED,
      ],
      statement: '罚款已缴清，问题已整改',
    });
    portal.close();
    const decided = await market.decideRepair({
      recordId: second.record!.id,
      expectedVersion: 2,
      granted: true,
      reasons: '符合信用修复条件',
    });
    market.close();
    expect(decided.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_B);

    const report = await replayUntil(5, 3, true, 'clean');
    expect(report.findings.filter((f) => f.kind.startsWith('PROJECTION_') && f.kind !== 'PROJECTION_SKIPPED')).toEqual(
      [],
    );
    expect(report.projections.filter((p) => p.name.startsWith('credit-'))).toEqual([
      expect.objectContaining({ name: 'credit-record-status', keys: 5, compared: 5, divergences: 0 }),
      expect.objectContaining({ name: 'credit-subject-grade', keys: 3, compared: 3, divergences: 0 }),
    ]);
    expect(report.ok).toBe(true);
  });

  it('reads a record by id and a person by subject key through the CLI, as an auditor', async () => {
    const auditor = ['--addr', hub.address, '--as', 'auditor-1', '--role', 'auditor'];
    const got = await cli([...auditor, '--json', 'credit', 'record-get', ids.first!]);
    expect(got.err).toBe('');
    expect(JSON.parse(got.out)).toMatchObject({ id: ids.first, status: 'RECORD_STATUS_ACTIVE', version: 1 });
    const text = await cli([...auditor, 'credit', 'record-get', ids.first!]);
    expect(text.out).toContain(`${ids.first}  v1  penalty  active  2026-03-02`);
    const person = await cli([...auditor, 'credit', 'subject', ids.personKey!]);
    expect(person.out).toContain('310107********123');
    expect(person.out).toContain('grade       B');
    expect(person.out + person.err).not.toContain(CITIZEN);
    // a department names a person by citizen ID, never by key
    const refused = await cli([...as(EMERGENCY), 'credit', 'subject', ids.personKey!]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('PERMISSION_DENIED');
  });

  it('names a record status and a grade changed in the database behind the service', async () => {
    await db!.query(
      `UPDATE credit.records SET status = 'repaired', state = jsonb_set(state, '{status}', '"repaired"') WHERE id = $1`,
      [ids.first],
    );
    await db!.query(
      `UPDATE credit.grades SET grade = 'A', state = jsonb_set(state, '{grade}', '"A"') WHERE subject_key = $1`,
      [ids.personKey],
    );
    const report = await replayUntil(5, 3, false, 'tampered');
    const found = report.findings.filter((f) => f.kind.startsWith('PROJECTION_') && f.kind !== 'PROJECTION_SKIPPED');
    expect(found).toContainEqual(
      expect.objectContaining({
        kind: 'PROJECTION_STATUS_MISMATCH',
        key: ids.first,
        expected: 'active',
        actual: 'repaired',
      }),
    );
    const person = found.filter((f) => f.key === ids.personKey);
    expect(person.map((f) => f.kind)).toEqual(['PROJECTION_MISMATCH', 'PROJECTION_MISMATCH']);
    expect(person[0]!.message).toContain('other than the log last announced');
    expect(person[1]!.message).toContain('the rules give another grade');
    expect(person[1]).toMatchObject({ expected: expect.stringMatching(/^B /), actual: expect.stringMatching(/^A /) });
    expect(found).toHaveLength(3);
    expect(await readFile(path.join(dir, 'tampered.json'), 'utf8')).not.toContain(CITIZEN);
  });
});
