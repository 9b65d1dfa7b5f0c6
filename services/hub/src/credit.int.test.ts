/**
 * The credit service as `onceonly start` hosts it, on the hub's embedded defaults (PGlite, the embedded log), with
 * the audit log: a penalty recorded through gRPC changes the subject's grade, and the record, the grade's change and
 * a department's read of the profile are all in the audit log under the subject's credit code.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { auditV1, creditEventsV1 } from '@onceonly/contracts';
import { creditModule } from '@onceonly/credit';
import { creditClient, creditV1 as cv } from '@onceonly/credit/client';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, withClient } from './client.js';
import { loadHubConfig } from './config.js';
import { HUB_MODULES } from './modules.js';
import { type RunningHub, startHub } from './start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const EMERGENCY = uscc('11310107MB2F10079');
const AUDITOR = uscc('11310000MB2F09990');
const BAKERY = uscc('91310107MA1G8K3D4');

describe('the credit service in the hub', () => {
  let hub: RunningHub;
  let dir = '';
  let brokers: string | undefined;

  const client = (code: string) =>
    creditClient(hub.address, {
      metadata: () => {
        const m = new Metadata();
        m.set(DEV_CALLER_HEADER, code);
        m.set(DEV_ROLE_HEADER, 'department');
        return m;
      },
    });

  beforeAll(async () => {
    brokers = process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_BROKERS; // the hub's bus is its embedded log
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-credit-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dir });
    hub = await startHub({
      config,
      log: createLogger({ level: 'silent', service: 'hub' }),
      modules: [creditModule, auditModule],
      clock: () => new Date('2026-03-04T02:00:00Z'),
    });
  });
  afterAll(async () => {
    await hub?.stop();
    if (brokers !== undefined) process.env.KAFKA_BROKERS = brokers;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is one of the modules `onceonly start` hosts, before the audit log', () => {
    const names = HUB_MODULES.map((m) => m.name);
    expect(names).toContain('credit');
    expect(names.indexOf('credit')).toBeLessThan(names.indexOf('audit'));
  });

  it('records a penalty, grades the subject, and the audit log holds the record, the grade change and the read', async () => {
    const market = client(MARKET_REGULATION);
    const { record, grade } = await market.recordPenalty({
      idempotencyKey: 'hub-1',
      subject: { subject: { $case: 'creditCode', value: BAKERY } },
      partyName: '上海示范烘焙有限公司',
      authorityCode: MARKET_REGULATION,
      penalty: {
        decisionNumber: '沪市监普处〔2026〕1号',
        name: '销售超过保质期的食品',
        kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
        regime: cv.Regime.REGIME_SAMR,
        sector: cv.Sector.SECTOR_FOOD,
        facts: '当事人销售超过保质期的面包',
        legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
        result: '罚款五万元',
        amountFen: '5000000',
        decisionDate: '2026-03-02',
        simpleProcedure: false,
      },
    });
    market.close();
    expect(record?.publicity?.rule).toBe('samr/food-drugs-equipment');
    expect(grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_B);
    const reader = client(EMERGENCY);
    await reader.getCreditProfile({
      subject: { subject: { $case: 'creditCode', value: BAKERY } },
      purpose: '联合检查',
    });
    reader.close();

    const options = { addr: hub.address, as: AUDITOR, role: 'auditor', timeoutMs: 10_000 };
    const search = () =>
      withClient(auditV1.AuditServiceClient, options, (c) =>
        call(
          c.searchEvents.bind(c),
          auditV1.SearchEventsRequest.fromPartial({ subject: BAKERY, page: { pageSize: 50 } }),
          options,
        ),
      );
    const entries = await waitFor(
      async () => {
        const found = (await search()).entries;
        return found.length >= 3 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'three credit events in the audit log' },
    );
    expect(entries!.map((e) => e.event?.type)).toEqual([
      'credit.record.recorded',
      'credit.grade.changed',
      'credit.profile.read',
    ]);
    const changed = creditEventsV1.GradeChanged.decode(entries![1]!.event!.data);
    expect(changed.grade?.reasons[0]?.ruleId).toBe('general');
    expect(entries!.every((e) => e.event?.source === '/onceonly/credit')).toBe(true);
  });
});
