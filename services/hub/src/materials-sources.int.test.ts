/**
 * Data sources other than certificates and the library (issue 14, item 1), on PostgreSQL and Kafka: the credit
 * service and the materials service hosted apart, the materials service asking the credit profile over the credit
 * service's gRPC API. A café applying for a liquor retail licence need not submit the 无严重失信记录 material while
 * it is not on the serious-dishonesty list (EXEMPT, the credit profile as evidence, the read recorded by the credit
 * service); once listed, the material is REQUIRED with DATA_NOT_SATISFIED; with no credit service answering,
 * PROVIDER_UNAVAILABLE, and the resolution is still stored. A credit service serving mTLS only answers the materials
 * service's own department certificate (ONCEONLY_MATERIALS_CREDIT_TLS_*, ADR 040) and refuses a portal one.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { HolderCodeType } from '@onceonly/contracts';
import { creditModule } from '@onceonly/credit';
import { creditClient } from '@onceonly/credit/client';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules, uniqueNamespace } from '@onceonly/kit/testing';
import { materialsModule } from '@onceonly/materials';
import { materialsClient, materialsV1 as mv } from '@onceonly/materials/client';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClient, issueServer, makeCa } from '../../../libs/kit/test/certs.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const CAFE = uscc('91310107MA1G8K2D3');
const cafe = { code: CAFE, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
/** An applicant with no credit record. */
const NEWCOMER = { code: uscc('91310107MA1G8K2E4'), codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
const ENV = {
  ONCEONLY_HOLDER_HASH_KEY: 'materials-sources-holder-hash-key!',
  ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 9).toString('base64'),
  // no certificate service: its materials stay required, which this test does not look at
  ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1',
  // the deadline of each provider call (the credit service's too): generous, the test machine may be loaded; an
  // absent provider (127.0.0.1:1) is refused at once
  ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS: '10000',
};

const metadata = (code: string, role: string) => () => {
  const m = new Metadata();
  m.set(DEV_CALLER_HEADER, code);
  m.set(DEV_ROLE_HEADER, role);
  return m;
};

const creditMaterial = (r: mv.Resolution | undefined) =>
  r?.materials.find((m) => m.materialCode === 'credit-commitment');

describe('a material replaced by the credit profile', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let credit: HostedModules;
  let materials: HostedModules;
  let orphan: HostedModules;
  const closers: { close(): void }[] = [];
  const clock = () => new Date('2026-03-04T02:00:00Z');

  const cleanups: (() => Promise<unknown>)[] = [];
  const resolve = async (host: HostedModules, applicationId: string, applicant = cafe) => {
    const c = materialsClient(host.address, { metadata: metadata(MARKET_REGULATION, 'department') });
    closers.push(c);
    return (await c.resolveMaterials({ applicant, itemCode: 'liquor-retail-new', applicationId })).resolution;
  };

  beforeAll(async () => {
    testDb = await freshDatabase('materials-sources');
    db = await openDatabase({ url: testDb.url });
    const log = createLogger({ level: 'silent', service: 'materials-sources-test' });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'materials-sources-test', log });
    const namespace = uniqueNamespace();
    credit = await hostModules({ db, transport, log, clock, namespace, env: ENV, modules: [creditModule] });
    materials = await hostModules({
      db,
      transport,
      log,
      clock,
      namespace,
      env: { ...ENV, ONCEONLY_MATERIALS_CREDIT_ADDR: credit.address },
      modules: [materialsModule],
    });
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
    await orphan?.stop();
    await materials?.stop();
    await credit?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  it('is exempt while the applicant is not listed, with the credit profile as evidence and the read recorded', async () => {
    const resolution = await resolve(materials, 'LQ-1');
    const outcome = creditMaterial(resolution);
    expect(outcome?.decision).toBe(mv.Decision.DECISION_EXEMPT);
    expect(outcome?.evidence?.evidence).toEqual({
      $case: 'data',
      value: expect.objectContaining({
        provider: 'credit',
        reference: 'no-serious-dishonesty-listing',
        value: 'no credit record, not on the serious-dishonesty list',
        asOf: '2026-03-04',
      }),
    });
    // the credit service recorded the read, naming the application
    await waitFor(async () => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM credit.outbox WHERE type = 'credit.profile.read'",
      );
      return rows[0]!.n >= 1;
    });
  });

  it('is required with DATA_NOT_SATISFIED once the applicant is on the serious-dishonesty list', async () => {
    const c = creditClient(credit.address, { metadata: metadata(MARKET_REGULATION, 'department') });
    closers.push(c);
    await c.recordListing({
      idempotencyKey: 'listing-1',
      subject: { subject: { $case: 'creditCode', value: CAFE } },
      partyName: '上海示范咖啡有限公司',
      authorityCode: MARKET_REGULATION,
      exit: false,
      listing: {
        decisionNumber: '沪市监普列〔2026〕1号',
        reasons: '一年内三次较重行政处罚',
        legalBasis: '《市场监督管理严重违法失信名单管理办法》',
        decisionDate: '2026-03-03',
        entryRecordId: '',
      },
    });
    const outcome = creditMaterial(await resolve(materials, 'LQ-2'));
    expect(outcome?.decision).toBe(mv.Decision.DECISION_REQUIRED);
    expect(outcome?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_DATA_NOT_SATISFIED);
    expect(outcome?.tried[0]?.reference).toBe('no-serious-dishonesty-listing');
  });

  it('is required with PROVIDER_UNAVAILABLE when the credit service does not answer, and still stored', async () => {
    orphan = await hostModules({
      db,
      transport,
      clock,
      namespace: uniqueNamespace(),
      env: { ...ENV, ONCEONLY_MATERIALS_CREDIT_ADDR: '127.0.0.1:1' },
      modules: [materialsModule],
    });
    const resolution = await resolve(orphan, 'LQ-3');
    expect(creditMaterial(resolution)?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_PROVIDER_UNAVAILABLE);
    const { rows } = await db.query('SELECT id FROM materials.resolutions WHERE id = $1', [resolution!.id]);
    expect(rows).toHaveLength(1);
  });

  it('asks a credit service that serves mTLS only with a department certificate of its own; a portal one is refused', async () => {
    // ADR 040: one client certificate per peer, naming the role the peer admits (GetCreditProfile: departments)
    const ca = makeCa('OnceOnly test client CA');
    const server = issueServer(ca);
    const dir = await mkdtemp(path.join(tmpdir(), 'onceonly-materials-mtls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const secure = await hostModules({
      db,
      transport,
      clock,
      namespace: uniqueNamespace(),
      env: ENV,
      modules: [creditModule],
      tls: { caCert: ca.cert, cert: server.cert, key: server.key },
    });
    cleanups.push(() => secure.stop());
    const materialsAs = async (role: string) => {
      const pem = issueClient(ca, { code: 'onceonly-materials', name: '两个免于提交', role });
      const file = (name: string, content: Buffer) => {
        writeFileSync(path.join(dir, `${role}-${name}`), content);
        return path.join(dir, `${role}-${name}`);
      };
      const host = await hostModules({
        db,
        transport,
        clock,
        namespace: uniqueNamespace(),
        env: {
          ...ENV,
          ONCEONLY_MATERIALS_CREDIT_ADDR: secure.address,
          ONCEONLY_MATERIALS_CREDIT_TLS_CA: file('ca.pem', ca.cert),
          ONCEONLY_MATERIALS_CREDIT_TLS_CERT: file('client.pem', pem.cert),
          ONCEONLY_MATERIALS_CREDIT_TLS_KEY: file('client.key', pem.key),
        },
        modules: [materialsModule],
      });
      cleanups.push(() => host.stop());
      return host;
    };
    // an applicant with no credit record: exempt, the profile read over TLS
    const exempt = creditMaterial(await resolve(await materialsAs('department'), 'LQ-M1', NEWCOMER));
    expect(exempt?.decision).toBe(mv.Decision.DECISION_EXEMPT);
    expect(exempt?.evidence?.evidence).toMatchObject({ $case: 'data', value: { provider: 'credit' } });
    // the certificate service's identity (portal) is not one the credit service answers profiles to
    const refused = creditMaterial(await resolve(await materialsAs('portal'), 'LQ-M2', NEWCOMER));
    expect(refused?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_PROVIDER_UNAVAILABLE);
  });
});
