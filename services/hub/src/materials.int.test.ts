/**
 * Once-only materials on PostgreSQL and Kafka (issue 14): the certificate service and the materials service hosted
 * apart, the materials service verifying certificates through the certificate service's gRPC API. An applicant who
 * holds a valid food business licence and stored a floor plan at a first application applies for a convenience
 * store's industry licence: both materials are exempt with their evidence; after the licence is revoked, the same
 * resolution says REQUIRED with the reason. Bad input is refused with a code and writes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certificateModule } from '@onceonly/certificate';
import { certificateV1 as cv, HolderCodeType, materialsEventsV1 } from '@onceonly/contracts';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, promiseClient } from '@onceonly/kit';
import { devCallerMetadata, errorCodeOf, type HostedModules, hostModules } from '@onceonly/kit/testing';
import { MATERIALS_TOPIC, materialsModule } from '@onceonly/materials';
import { type MaterialsClient, materialsClient, materialsV1 as mv, sha256Of } from '@onceonly/materials/client';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka, uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const HEALTH = uscc('11310107MB2F01231');
const SERVICE_CENTRE = uscc('12310107MB2F05636');
const SHOP = uscc('91310107MA1H7Q2W3');
const FOOD_BUSINESS = `${uscc('11100000000013338')}002`;
const FLOOR_PLAN = new TextEncoder().encode('%PDF-1.7 经营场所平面图 一层 48.5 平方米');
const ENV = {
  ONCEONLY_HOLDER_HASH_KEY: 'materials-test-holder-hash-key!!',
  ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
  ONCEONLY_MATERIALS_MAX_BYTES: '4096',
};

describe('materials resolved against live certificates', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let certificates: HostedModules;
  let materials: HostedModules;
  let dataDir = '';
  const clients: { close(): void }[] = [];
  const seen: { key: string; type: string; value: Buffer }[] = [];
  let stopConsumer: () => Promise<void> = async () => {};

  const as = (code: string, role = 'department'): MaterialsClient => {
    const c = materialsClient(materials.address, { metadata: devCallerMetadata(code, role) });
    clients.push(c);
    return c;
  };
  const certificateClient = (code: string) => {
    const c = promiseClient(
      cv.CertificateServiceClient,
      cv,
      ['issueCertificate', 'revokeCertificate'] as const,
      certificates.address,
      { metadata: devCallerMetadata(code, 'department') },
    );
    clients.push(c);
    return c;
  };
  const count = async (table: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM materials.${table}`)).rows[0]!.n;
  const written = async () => ({
    materials: await count('materials'),
    contents: await count('contents'),
    resolutions: await count('resolutions'),
    outbox: await count('outbox'),
  });

  beforeAll(async () => {
    testDb = await freshDatabase('materials-hub');
    db = await openDatabase({ url: testDb.url });
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-materials-'));
    const log = createLogger({ level: 'silent', service: 'materials-test' });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'materials-hub-test', log });
    certificates = await hostModules({
      db,
      transport,
      log,
      mode: 'embedded',
      dataDir,
      env: { ...ENV, ONCEONLY_EXPIRY_SWEEP_MS: '0' },
      modules: [certificateModule],
    });
    materials = await hostModules({
      db,
      transport,
      env: { ...ENV, ONCEONLY_MATERIALS_CERTIFICATE_ADDR: certificates.address },
      modules: [materialsModule],
    });
    const consumer = testKafka('materials-hub-test').consumer({
      groupId: uniqueTopic('materials-hub'),
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: MATERIALS_TOPIC.name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.push({
          key: message.key?.toString() ?? '',
          type: message.headers?.ce_type?.toString() ?? '',
          value: message.value ?? Buffer.alloc(0),
        }),
    });
    stopConsumer = () => consumer.disconnect();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await stopConsumer();
    await materials?.stop();
    await certificates?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let licenceId = '';
  let planId = '';

  it('stores the floor plan submitted at a first application, encrypted at rest', async () => {
    const issued = await certificateClient(MARKET_REGULATION).issueCertificate({
      typeCode: FOOD_BUSINESS,
      holder: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC, name: '上海普陀示范便利店有限公司' },
      fields: {
        legal_representative: '李华',
        premises: '上海市普陀区长寿路200号1层',
        main_format: '食品销售经营者',
        business_items: '预包装食品销售',
      },
    });
    licenceId = issued.certificate!.id;
    const stored = await as(MARKET_REGULATION).uploadMaterial({
      owner: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
      materialType: 'floor-plan',
      name: '经营场所平面图',
      content: Buffer.from(FLOOR_PLAN),
      sha256: sha256Of(FLOOR_PLAN),
      mediaType: 'application/pdf',
      applicationId: 'APP-1',
    });
    planId = stored.material!.id;
    expect(stored).toMatchObject({
      alreadyStored: false,
      material: {
        sha256: sha256Of(FLOOR_PLAN),
        ownerKey: SHOP,
        sourceApplicationId: 'APP-1',
        sizeBytes: String(FLOOR_PLAN.byteLength),
      },
    });
    const { rows } = await db.query<{ ciphertext: Buffer }>('SELECT ciphertext FROM materials.contents');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ciphertext.includes(Buffer.from(FLOOR_PLAN))).toBe(false);
    expect(rows[0]!.ciphertext.includes(Buffer.from('平面图'))).toBe(false);
    // the same bytes again: the stored material, nothing new
    const again = await as(MARKET_REGULATION).uploadMaterial({
      owner: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
      materialType: 'floor-plan',
      name: '经营场所平面图',
      content: Buffer.from(FLOOR_PLAN),
      sha256: sha256Of(FLOOR_PLAN),
    });
    expect(again).toMatchObject({ alreadyStored: true, material: { id: planId } });
  });

  it('exempts the licence and the floor plan of a second application, with their evidence', async () => {
    const { resolution } = await as(SERVICE_CENTRE).resolveMaterials({
      applicant: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
      itemCode: 'industry-convenience-store',
      applicationId: 'APP-2',
    });
    const of = (code: string) => resolution!.materials.find((m) => m.materialCode === code)!;
    expect(of('food-business-licence')).toMatchObject({
      decision: mv.Decision.DECISION_EXEMPT,
      evidence: { evidence: { $case: 'certificate', value: { certificateId: licenceId, status: 'valid' } } },
    });
    expect(of('floor-plan')).toMatchObject({
      decision: mv.Decision.DECISION_EXEMPT,
      evidence: { evidence: { $case: 'material', value: { materialId: planId, sha256: sha256Of(FLOOR_PLAN) } } },
    });
    // the shop holds no business licence in this hub, and the form is always submitted
    expect(of('business-licence')).toMatchObject({
      decision: mv.Decision.DECISION_REQUIRED,
      reason: mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_NOT_FOUND,
    });
    expect(of('application-form').reason).toBe(mv.RequiredReason.REQUIRED_REASON_NO_SOURCE);
    expect(resolution).toMatchObject({ applicationId: 'APP-2', applicantKey: SHOP, exemptCount: 2, requiredCount: 3 });
    // the topic is shared by test runs: find this resolution's event by its id
    const body = await waitFor(
      () =>
        seen
          .filter((e) => e.key === SHOP && e.type === 'materials.resolution.made')
          .map((e) => materialsEventsV1.ResolutionMade.decode(e.value))
          .find((b) => b.resolution?.id === resolution!.id),
      { timeoutMs: 30_000, message: 'materials.resolution.made on Kafka' },
    );
    expect(body).toMatchObject({ actorCode: SERVICE_CENTRE, resolution: { exemptCount: 2, applicationId: 'APP-2' } });
  });

  it('serves the floor plan to the department of the application that reused it, and to no one else', async () => {
    const owner = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
    // served once the applicant accepted the department's explicit request (materials-consent.int.test.ts)
    const { request } = await as(SERVICE_CENTRE).requestEvidence({ applicationId: 'APP-2' });
    await as('portal-1', 'portal').previewEvidence({ applicant: owner, requestId: request!.id });
    await as('portal-1', 'portal').acceptEvidence({ applicant: owner, requestId: request!.id });
    const served = await as(SERVICE_CENTRE).getMaterial({ id: planId, applicationId: 'APP-2' });
    expect(Buffer.from(served.content).equals(Buffer.from(FLOOR_PLAN))).toBe(true);
    expect((await as('portal-1', 'portal').getMaterial({ id: planId, owner })).content.byteLength).toBe(
      FLOOR_PLAN.byteLength,
    );
    const before = await db.query(`SELECT 1 FROM materials.outbox WHERE type = 'materials.material.access-denied'`);
    expect(await errorCodeOf(as(HEALTH).getMaterial({ id: planId, applicationId: 'APP-2' }))).toBe(
      'MATERIALS_ACCESS_DENIED',
    );
    expect(await errorCodeOf(as(SERVICE_CENTRE).getMaterial({ id: planId, applicationId: 'APP-9' }))).toBe(
      'MATERIALS_ACCESS_DENIED',
    );
    const other = { code: uscc('91310107MA1J5K6L7'), codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
    expect(await errorCodeOf(as('portal-1', 'portal').getMaterial({ id: planId, owner: other }))).toBe(
      'MATERIALS_ACCESS_DENIED',
    );
    const after = await db.query(`SELECT 1 FROM materials.outbox WHERE type = 'materials.material.access-denied'`);
    expect(after.rows.length - before.rows.length).toBe(3);
    // recorded on Kafka too, in order (one key, one partition); the topic is shared by test runs: by material id
    const refusals = () =>
      seen
        .filter((e) => e.key === SHOP && e.type === 'materials.material.access-denied')
        .map((e) => materialsEventsV1.MaterialAccessed.decode(e.value))
        .filter((b) => b.materialId === planId);
    const denied = await waitFor(() => (refusals().length >= 3 ? refusals() : undefined), {
      timeoutMs: 30_000,
      message: 'three access-denied events on Kafka',
    });
    expect(denied!.map((d) => [d.readerCode, d.applicationId, d.granted])).toEqual([
      [HEALTH, 'APP-2', false],
      [SERVICE_CENTRE, 'APP-9', false],
      ['portal-1', '', false],
    ]);
  });

  it('says REQUIRED with the reason once the licence is revoked', async () => {
    await certificateClient(MARKET_REGULATION).revokeCertificate({
      id: licenceId,
      kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
      reason: '吊销食品经营许可证',
      legalBasis: '《食品安全法》第一百三十四条',
    });
    const { resolution } = await as(SERVICE_CENTRE).resolveMaterials({
      applicant: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
      itemCode: 'industry-convenience-store',
      applicationId: 'APP-2',
    });
    const licence = resolution!.materials.find((m) => m.materialCode === 'food-business-licence')!;
    expect(licence).toMatchObject({
      decision: mv.Decision.DECISION_REQUIRED,
      reason: mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_REVOKED,
      tried: [{ reason: mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_REVOKED, reference: licenceId }],
    });
    expect(resolution!.materials.find((m) => m.materialCode === 'floor-plan')!.decision).toBe(
      mv.Decision.DECISION_EXEMPT,
    );
    expect(resolution).toMatchObject({ exemptCount: 1, requiredCount: 4 });
  });

  describe('bad input: a coded error, nothing written', () => {
    const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };

    it('an unknown item, an applicant code with a wrong check character', async () => {
      const before = await written();
      expect(
        await errorCodeOf(
          as(SERVICE_CENTRE).resolveMaterials({ applicant: shop, itemCode: 'no-such-item', applicationId: 'A' }),
        ),
      ).toBe('MATERIALS_ITEM_UNKNOWN');
      const wrong = `${SHOP.slice(0, 17)}${SHOP[17] === '0' ? '1' : '0'}`;
      expect(
        await errorCodeOf(
          as(SERVICE_CENTRE).resolveMaterials({
            applicant: { code: wrong, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
            itemCode: 'industry-convenience-store',
            applicationId: 'A',
          }),
        ),
      ).toBe('USCC_INVALID');
      expect(await written()).toEqual(before);
    });

    it('a digest that does not match, a material over the size limit, an unknown type', async () => {
      const before = await written();
      const upload = (content: Uint8Array, sha256: string, materialType = 'floor-plan') =>
        as(MARKET_REGULATION).uploadMaterial({
          owner: shop,
          materialType,
          name: 'x',
          content: Buffer.from(content),
          sha256,
        });
      const other = new TextEncoder().encode('another plan');
      expect(await errorCodeOf(upload(other, sha256Of(FLOOR_PLAN)))).toBe('MATERIALS_DIGEST_MISMATCH');
      const big = new Uint8Array(4097);
      expect(await errorCodeOf(upload(big, sha256Of(big)))).toBe('MATERIALS_TOO_LARGE');
      expect(await errorCodeOf(upload(other, sha256Of(other), 'selfie'))).toBe('MATERIALS_TYPE_UNKNOWN');
      expect(await written()).toEqual(before);
    });
  });
});
