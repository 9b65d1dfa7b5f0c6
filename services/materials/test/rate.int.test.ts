/**
 * The exemption rate (用证免交比率) over gRPC, on PostgreSQL and Kafka: resolutions made in January, February and
 * April by three departments of Putuo, one application resolved twice (it counts once, by its last resolution, in
 * that resolution's month); the rate by department, item, district and in total, per month and quarter, with the
 * method beside it; bad windows refused with a coded field error; GetResolution to an auditor and to the department
 * that made it only. No certificate service answers here: certificate-sourced materials stay REQUIRED.
 */
import { createHash } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { HolderCodeType, materialsV1 as mv } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialsClient, materialsReportClient } from '../src/client.js';
import { materialsModule } from '../src/module.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const SERVICE_CENTRE = uscc('12310107MB2F05636');
const HEALTH = uscc('11310107MB2F01231');
const SHOP = uscc('91310107MA1H7Q2W3');
const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };

let testDb: TestDatabase;
let db: Database;
let transport: EventTransport;
let host: HostedModules;
let now = new Date('2026-01-10T02:00:00Z');
const closers: { close(): void }[] = [];

function metadata(code: string, role: string) {
  return () => {
    const m = new Metadata();
    m.set(DEV_CALLER_HEADER, code);
    m.set(DEV_ROLE_HEADER, role);
    return m;
  };
}
const materials = (code: string, role = 'department') => {
  const c = materialsClient(host.address, { metadata: metadata(code, role) });
  closers.push(c);
  return c;
};
const report = (code: string, role = 'department') => {
  const c = materialsReportClient(host.address, { metadata: metadata(code, role) });
  closers.push(c);
  return c;
};

async function store(type: string, text: string) {
  const content = Buffer.from(text);
  await materials(MARKET_REGULATION).uploadMaterial({
    owner: shop,
    materialType: type,
    name: text,
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
    mediaType: 'application/pdf',
  });
}

const resolve = (department: string, itemCode: string, applicationId: string) =>
  materials(department).resolveMaterials({ applicant: shop, itemCode, applicationId });

beforeAll(async () => {
  testDb = await freshDatabase('materials-rate');
  db = await openDatabase({ url: testDb.url });
  transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'materials-rate-test' });
  host = await hostModules({
    db,
    transport,
    clock: () => now,
    modules: [materialsModule],
    env: {
      ONCEONLY_HOLDER_HASH_KEY: 'materials-rate-hash-key-0123456789',
      ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 5).toString('base64'),
      ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1',
      ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS: '300',
    },
  });
  // January: the floor plan only (1 of the bakery's 5 materials)
  await store('floor-plan', '%PDF 平面图');
  expect((await resolve(MARKET_REGULATION, 'industry-bakery', 'APP-1')).resolution?.exemptCount).toBe(1);
  // February: the proof of premises too; APP-1 resolved again (2 of 5), and a café at the service centre (2 of 5)
  now = new Date('2026-02-10T02:00:00Z');
  await store('premises-proof', '%PDF 租赁合同');
  expect((await resolve(MARKET_REGULATION, 'industry-bakery', 'APP-1')).resolution?.exemptCount).toBe(2);
  expect((await resolve(SERVICE_CENTRE, 'industry-cafe', 'APP-2')).resolution?.exemptCount).toBe(2);
  // April: a hygiene licence (floor plan exempt, 1 of 4), resolved at 23:30 on 31 March UTC: 1 April in China
  now = new Date('2026-03-31T23:30:00Z');
  expect((await resolve(HEALTH, 'public-hygiene-new', 'APP-3')).resolution?.exemptCount).toBe(1);
  now = new Date('2026-04-20T02:00:00Z');
});

afterAll(async () => {
  for (const c of closers) c.close();
  await host?.stop();
  await transport?.close();
  await db?.close();
  await testDb?.drop();
});

const D = mv.RateDimension;
const P = mv.RatePeriod;
const figures = (r: mv.ExemptionRateRow | undefined) =>
  r && {
    key: r.key,
    period: r.period,
    applications: Number(r.applications),
    materials: Number(r.materials),
    exempt: Number(r.exempt),
    unsourced: Number(r.unsourced),
  };

describe('the exemption rate', () => {
  it('counts each application once, by its last resolution, with the method beside the figure', async () => {
    const out = await report(MARKET_REGULATION).getExemptionRate({});
    expect(figures(out.total)).toEqual({
      key: '',
      period: '',
      applications: 3,
      materials: 14,
      exempt: 5,
      unsourced: 3,
    });
    expect(out.total?.rate).toBeCloseTo(5 / 14, 10);
    expect(out.total?.rateOfReplaceable).toBeCloseTo(5 / 11, 10);
    expect(out.methodZh).toContain('最后一次');
    expect(out.methodEn).toContain('last resolution');
    expect(out.to).toBe('2026-04-20');
  });

  it('breaks it down by department and month, in China Standard Time', async () => {
    const out = await report(HEALTH).getExemptionRate({ by: D.RATE_DIMENSION_DEPARTMENT, period: P.RATE_PERIOD_MONTH });
    expect(out.rows.map(figures)).toEqual(
      [
        { key: MARKET_REGULATION, period: '2026-02', applications: 1, materials: 5, exempt: 2, unsourced: 1 },
        { key: HEALTH, period: '2026-04', applications: 1, materials: 4, exempt: 1, unsourced: 1 },
        { key: SERVICE_CENTRE, period: '2026-02', applications: 1, materials: 5, exempt: 2, unsourced: 1 },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    expect(out.rows.find((r) => r.key === HEALTH)?.nameZh).toBe('上海市普陀区卫生健康委员会');
  });

  it('breaks it down by item and quarter, and by district', async () => {
    const byItem = await report(HEALTH).getExemptionRate({ by: D.RATE_DIMENSION_ITEM, period: P.RATE_PERIOD_QUARTER });
    expect(byItem.rows.map((r) => [r.key, r.period, Number(r.exempt), Number(r.materials)])).toEqual([
      ['industry-bakery', '2026-Q1', 2, 5],
      ['industry-cafe', '2026-Q1', 2, 5],
      ['public-hygiene-new', '2026-Q2', 1, 4],
    ]);
    const byDistrict = await report(HEALTH).getExemptionRate({ by: D.RATE_DIMENSION_DISTRICT });
    expect(byDistrict.rows.map((r) => [r.key, r.nameZh, Number(r.exempt), Number(r.materials)])).toEqual([
      ['310107', '普陀区', 5, 14],
    ]);
  });

  it('keeps to the window: an application counts where its last resolution falls', async () => {
    const january = await report(HEALTH).getExemptionRate({ from: '2026-01-01', to: '2026-01-31' });
    expect(figures(january.total)).toMatchObject({ applications: 0, materials: 0, exempt: 0 });
    expect(january.total?.rate).toBe(0);
    const q1 = await report(HEALTH).getExemptionRate({ from: '2026-01-01', to: '2026-03-31' });
    expect(figures(q1.total)).toMatchObject({ applications: 2, materials: 10, exempt: 4 });
  });

  it('moves when an application is resolved again', async () => {
    // APP-3 resolved again in April by the same department: still one application
    await resolve(HEALTH, 'public-hygiene-new', 'APP-3');
    const out = await report(HEALTH).getExemptionRate({});
    expect(figures(out.total)).toMatchObject({ applications: 3, materials: 14, exempt: 5 });
    // a new application of the café at the market regulation: one more application, 2 more exempt of 5
    await resolve(MARKET_REGULATION, 'industry-cafe', 'APP-4');
    const after = await report(HEALTH).getExemptionRate({});
    expect(figures(after.total)).toMatchObject({ applications: 4, materials: 19, exempt: 7 });
  });

  it('refuses a window that is not one, naming the field, and writes nothing', async () => {
    const before = await db.query('SELECT count(*)::int AS n FROM materials.outbox');
    const err = (await report(HEALTH)
      .getExemptionRate({ from: '2026-05-01', to: '2026-04-01' })
      .catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.details?.fields?.map((f) => [f.field, f.reason])).toEqual([['to', 'RANGE']]);
    const bad = (await report(HEALTH)
      .getExemptionRate({ from: '2026-02-30' })
      .catch((e: unknown) => e)) as AppError;
    expect(bad.details?.fields?.map((f) => [f.field, f.reason])).toEqual([['from', 'DATE']]);
    const unknown = (await report(HEALTH)
      .getExemptionRate({ by: 9 as mv.RateDimension })
      .catch((e: unknown) => e)) as AppError;
    expect(unknown.details?.fields?.map((f) => f.field)).toEqual(['by']);
    const after = await db.query('SELECT count(*)::int AS n FROM materials.outbox');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});

describe('GetResolution', () => {
  it('answers an auditor and the department that resolved, and no one else', async () => {
    const { rows } = await db.query<{ id: string }>(
      "SELECT id FROM materials.resolutions WHERE application_id = 'APP-2'",
    );
    const id = rows[0]!.id;
    const audited = await report('auditor-1', 'auditor').getResolution({ id });
    expect(audited.resolution).toMatchObject({ id, applicationId: 'APP-2', exemptCount: 2, requiredCount: 3 });
    expect((await report(SERVICE_CENTRE).getResolution({ id })).resolution?.id).toBe(id);
    const other = (await report(HEALTH)
      .getResolution({ id })
      .catch((e: unknown) => e)) as AppError;
    expect(other.code).toBe('MATERIALS_RESOLUTION_NOT_FOUND');
  });
});
