/**
 * The proof of issue 14's explicit request, preview and notifications, on PostgreSQL and Kafka: the certificate
 * service and the materials service hosted apart (in one namespace of the test broker). An applicant with a valid
 * food business licence and a stored floor plan applies for a convenience store's industry licence: both materials
 * are exempt with their evidence; the department requests them explicitly, the applicant's portal previews and
 * accepts, and only then does the department receive them (each step an event); the licence is revoked: the same
 * resolution now says REQUIRED with the reason, and the department that reused it was notified. The applicant's view
 * lists every reuse. Bad input: a coded error and nothing written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certificateModule } from '@onceonly/certificate';
import { certificateV1 as cv, HolderCodeType, materialsEventsV1 } from '@onceonly/contracts';
import { createKafkaTransport, type EventTransport, namespacedName } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, promiseClient } from '@onceonly/kit';
import {
  devCallerMetadata,
  errorCodeOf,
  type HostedModules,
  hostModules,
  uniqueNamespace,
} from '@onceonly/kit/testing';
import { MATERIALS_TOPIC, materialsModule } from '@onceonly/materials';
import {
  type MaterialsClient,
  materialsClient,
  materialsReportClient,
  materialsV1 as mv,
  sha256Of,
} from '@onceonly/materials/client';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const HEALTH = uscc('11310107MB2F01231');
const SERVICE_CENTRE = uscc('12310107MB2F05636');
const SHOP = uscc('91310107MA1H7Q2W3');
const OTHER_SHOP = uscc('91310107MA1J5K6L7');
const FOOD_BUSINESS = `${uscc('11100000000013338')}002`;
const FLOOR_PLAN = new TextEncoder().encode('%PDF-1.7 经营场所平面图 一层 48.5 平方米');
const DAY = 24 * 3600_000;
const ENV = {
  ONCEONLY_HOLDER_HASH_KEY: 'materials-test-holder-hash-key!!',
  ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
const otherShop = { code: OTHER_SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };

describe('explicit request, preview and notification of materials reused from live certificates', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let certificates: HostedModules;
  let materials: HostedModules;
  let dataDir = '';
  // the materials service's clock: moved forward to let a preview expire
  let skewMs = 0;
  const clients: { close(): void }[] = [];
  const seen: { key: string; type: string; value: Buffer }[] = [];
  let stopConsumer: () => Promise<void> = async () => {};

  const as = (code: string, role = 'department'): MaterialsClient => {
    const c = materialsClient(materials.address, { metadata: devCallerMetadata(code, role) });
    clients.push(c);
    return c;
  };
  const portal = () => as('portal-1', 'portal');
  /** The exemption rate of the service centre's applications, as the districts read it. */
  const centreRate = async () => {
    const c = materialsReportClient(materials.address, { metadata: devCallerMetadata(SERVICE_CENTRE, 'department') });
    clients.push(c);
    const { rows } = await c.getExemptionRate({ by: mv.RateDimension.RATE_DIMENSION_DEPARTMENT });
    return rows.find((r) => r.key === SERVICE_CENTRE)!;
  };
  const resolveAgain = async (applicationId: string, code: string) => {
    const { resolution } = await as(SERVICE_CENTRE).resolveMaterials({
      applicant: shop,
      itemCode: 'industry-convenience-store',
      applicationId,
    });
    return resolution!.materials.find((m) => m.materialCode === code)!;
  };
  const certificateClient = (code: string) => {
    const c = promiseClient(
      cv.CertificateServiceClient,
      cv,
      ['issueCertificate', 'revokeCertificate', 'changeCertificate'] as const,
      certificates.address,
      { metadata: devCallerMetadata(code, 'department') },
    );
    clients.push(c);
    return c;
  };
  const events = <T>(type: string, decode: (b: Buffer) => T) =>
    seen.filter((e) => e.key === SHOP && e.type === type).map((e) => decode(e.value));
  const state = async () => {
    const { rows } = await db.query<Record<string, number | string>>(
      `SELECT (SELECT count(*)::int FROM materials.evidence_requests) AS requests,
              (SELECT count(*)::int FROM materials.evidence_reuses) AS reuses,
              (SELECT count(*)::int FROM materials.notifications) AS notifications,
              (SELECT string_agg(id || ':' || status || ':' || coalesce(state->>'previewedAt', ''), ',' ORDER BY id)
                 FROM materials.evidence_pieces) AS pieces,
              (SELECT count(*)::int FROM materials.outbox WHERE type <> 'materials.evidence.refused') AS events`,
    );
    return rows[0];
  };

  beforeAll(async () => {
    testDb = await freshDatabase('materials-consent');
    db = await openDatabase({ url: testDb.url });
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-consent-'));
    const log = createLogger({ level: 'silent', service: 'materials-consent-test' });
    const namespace = uniqueNamespace('consent');
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'materials-consent-test', log });
    certificates = await hostModules({
      db,
      transport,
      log,
      namespace,
      mode: 'embedded',
      dataDir,
      env: { ...ENV, ONCEONLY_EXPIRY_SWEEP_MS: '0' },
      modules: [certificateModule],
    });
    materials = await hostModules({
      db,
      transport,
      namespace,
      clock: () => new Date(Date.now() + skewMs),
      env: {
        ...ENV,
        ONCEONLY_MATERIALS_CERTIFICATE_ADDR: certificates.address,
        ONCEONLY_MATERIALS_PREVIEW_SWEEP_MS: '200',
      },
      modules: [materialsModule],
    });
    const consumer = testKafka('materials-consent-test').consumer({
      groupId: `${namespace}.test-reader`,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: namespacedName(namespace, MATERIALS_TOPIC.name), fromBeginning: true });
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
  let request: mv.EvidenceRequest;
  const piece = (code: string) => request.pieces.find((p) => p.materialCode === code)!;

  it('resolves a second application: the licence and the floor plan are exempt with their evidence', async () => {
    const issued = await certificateClient(MARKET_REGULATION).issueCertificate({
      typeCode: FOOD_BUSINESS,
      holder: { ...shop, name: '上海普陀示范便利店有限公司' },
      fields: {
        legal_representative: '李华',
        premises: '上海市普陀区长寿路200号1层',
        main_format: '食品销售经营者',
        business_items: '预包装食品销售',
      },
    });
    licenceId = issued.certificate!.id;
    const stored = await as(MARKET_REGULATION).uploadMaterial({
      owner: shop,
      materialType: 'floor-plan',
      name: '经营场所平面图',
      content: Buffer.from(FLOOR_PLAN),
      sha256: sha256Of(FLOOR_PLAN),
      mediaType: 'application/pdf',
      applicationId: 'APP-1',
    });
    planId = stored.material!.id;
    const { resolution } = await as(SERVICE_CENTRE).resolveMaterials({
      applicant: shop,
      itemCode: 'industry-convenience-store',
      applicationId: 'APP-2',
    });
    expect(resolution).toMatchObject({ exemptCount: 2, requiredCount: 3 });
    // resolved, not yet accepted: the department is not served the plan
    expect(await errorCodeOf(as(SERVICE_CENTRE).getMaterial({ id: planId, applicationId: 'APP-2' }))).toBe(
      'MATERIALS_ACCESS_DENIED',
    );
  });

  it('refuses the explicit request to a department not part of the application, writing nothing', async () => {
    const before = await state();
    expect(await errorCodeOf(as(HEALTH).requestEvidence({ applicationId: 'APP-2' }))).toBe('MATERIALS_ACCESS_DENIED');
    expect(await errorCodeOf(portal().requestEvidence({ applicationId: 'APP-2' }))).toBe('MATERIALS_ACCESS_DENIED');
    expect(await state()).toEqual(before);
  });

  it('requests the evidence explicitly: one pending piece per exempt material, on the item’s legal basis', async () => {
    const out = await as(SERVICE_CENTRE).requestEvidence({ applicationId: 'APP-2' });
    request = out.request!;
    expect(request).toMatchObject({ applicationId: 'APP-2', departmentCode: SERVICE_CENTRE, applicantKey: SHOP });
    expect(request.legalBasis).not.toBe('');
    expect(request.pieces.map((p) => [p.materialCode, p.status])).toEqual([
      ['food-business-licence', mv.PieceStatus.PIECE_STATUS_PENDING],
      ['floor-plan', mv.PieceStatus.PIECE_STATUS_PENDING],
    ]);
    expect(piece('floor-plan')).toMatchObject({ materialName: '经营场所平面图', mediaType: 'application/pdf' });
    expect(Date.parse(request.expiresAt) - Date.parse(request.requestedAt)).toBe(7 * DAY);
    // not accepted yet: not served
    expect(
      await errorCodeOf(as(SERVICE_CENTRE).fetchEvidence({ requestId: request.id, pieceId: piece('floor-plan').id })),
    ).toBe('MATERIALS_EVIDENCE_NOT_ACCEPTED');
  });

  it('refuses to accept a piece never shown, or a preview of another applicant: nothing written', async () => {
    const before = await state();
    expect(await errorCodeOf(portal().acceptEvidence({ applicant: shop, requestId: request.id }))).toBe(
      'MATERIALS_PREVIEW_NOT_SHOWN',
    );
    expect(await errorCodeOf(portal().acceptEvidence({ applicant: otherShop, requestId: request.id }))).toBe(
      'MATERIALS_PREVIEW_NOT_YOURS',
    );
    expect(await errorCodeOf(portal().previewEvidence({ applicant: otherShop, requestId: request.id }))).toBe(
      'MATERIALS_PREVIEW_NOT_YOURS',
    );
    expect(await errorCodeOf(as(SERVICE_CENTRE).acceptEvidence({ applicant: shop, requestId: request.id }))).toBe(
      'MATERIALS_ACCESS_DENIED',
    );
    expect(await errorCodeOf(portal().acceptEvidence({ applicant: shop, requestId: 'no-such-request' }))).toBe(
      'MATERIALS_REQUEST_NOT_FOUND',
    );
    expect(await state()).toEqual(before);
  });

  it('previews, the applicant accepts, and only then is the department served', async () => {
    const { requests } = await portal().previewEvidence({ applicant: shop });
    expect(requests.map((r) => r.id)).toEqual([request.id]);
    expect(requests[0]!.pieces.every((p) => p.previewedAt !== '')).toBe(true);
    const accepted = await portal().acceptEvidence({ applicant: shop, requestId: request.id });
    expect(accepted.request!.pieces.map((p) => p.status)).toEqual([
      mv.PieceStatus.PIECE_STATUS_ACCEPTED,
      mv.PieceStatus.PIECE_STATUS_ACCEPTED,
    ]);
    const plan = await as(SERVICE_CENTRE).fetchEvidence({ requestId: request.id, pieceId: piece('floor-plan').id });
    expect(Buffer.from(plan.content).equals(Buffer.from(FLOOR_PLAN))).toBe(true);
    expect(plan).toMatchObject({ applicationId: 'APP-2', legalBasis: request.legalBasis, material: { id: planId } });
    const licence = await as(SERVICE_CENTRE).fetchEvidence({
      requestId: request.id,
      pieceId: piece('food-business-licence').id,
    });
    expect(licence.piece!.evidence).toMatchObject({
      evidence: { $case: 'certificate', value: { certificateId: licenceId } },
    });
    expect(licence.content.byteLength).toBe(0);
    const served = await as(SERVICE_CENTRE).getMaterial({ id: planId, applicationId: 'APP-2' });
    expect(served.content.byteLength).toBe(FLOOR_PLAN.byteLength);
    // each step is an event, in order for the applicant's key
    const types = await waitFor(
      () => {
        const t = seen.filter((e) => e.key === SHOP && e.type.startsWith('materials.evidence.')).map((e) => e.type);
        return t.filter((x) => x === 'materials.evidence.reused').length >= 3 ? t : undefined;
      },
      { timeoutMs: 30_000, message: 'the evidence events on Kafka' },
    );
    expect(types!.filter((t) => t !== 'materials.evidence.refused')).toEqual([
      'materials.evidence.requested',
      'materials.evidence.previewed',
      'materials.evidence.accepted',
      'materials.evidence.reused',
      'materials.evidence.reused',
      'materials.evidence.reused',
    ]);
    const reused = events('materials.evidence.reused', (b) => materialsEventsV1.EvidenceReused.decode(b));
    expect(reused[0]).toMatchObject({
      departmentCode: SERVICE_CENTRE,
      applicationId: 'APP-2',
      applicantKey: SHOP,
      legalBasis: request.legalBasis,
      materialCode: 'floor-plan',
    });
  });

  it('refuses a department fetching a piece of an application it is not part of: recorded, nothing else written', async () => {
    const before = await state();
    expect(
      await errorCodeOf(as(HEALTH).fetchEvidence({ requestId: request.id, pieceId: piece('floor-plan').id })),
    ).toBe('MATERIALS_ACCESS_DENIED');
    expect(await errorCodeOf(as(HEALTH).getMaterial({ id: planId, applicationId: 'APP-2' }))).toBe(
      'MATERIALS_ACCESS_DENIED',
    );
    const after = await state();
    // the refusal of GetMaterial is its access-denied event (ADR 027); the rest is unchanged
    expect({ ...after, events: before!.events }).toEqual(before);
    expect(Number(after!.events) - Number(before!.events)).toBe(1);
    const refused = await waitFor(
      () =>
        events('materials.evidence.refused', (b) => materialsEventsV1.EvidenceRefused.decode(b)).find(
          (e) => e.readerCode === HEALTH,
        ),
      { timeoutMs: 30_000, message: 'materials.evidence.refused on Kafka' },
    );
    expect(refused).toMatchObject({ readerCode: HEALTH, code: 'MATERIALS_ACCESS_DENIED', applicationId: 'APP-2' });
  });

  it('once the licence is revoked: REQUIRED with the reason, the department that reused it notified, the rate down', async () => {
    // resolved exempt (the first test): 2 of the item's 5 materials
    const exempt = await centreRate();
    expect(exempt).toMatchObject({ applications: '1', materials: '5', exempt: '2', refused: '0' });
    await certificateClient(MARKET_REGULATION).revokeCertificate({
      id: licenceId,
      kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
      reason: '吊销食品经营许可证',
      legalBasis: '《食品安全法》第一百三十四条',
    });
    expect(await resolveAgain('APP-2', 'food-business-licence')).toMatchObject({
      decision: mv.Decision.DECISION_REQUIRED,
      reason: mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_REVOKED,
    });
    // the application counts once, by its last resolution: the licence is no longer exempt
    const revoked = await centreRate();
    expect(revoked).toMatchObject({ applications: '1', materials: '5', exempt: '1' });
    expect(revoked.rate).toBeLessThan(exempt.rate);
    const notified = await waitFor(async () => (await as(SERVICE_CENTRE).listNotifications({})).notifications[0], {
      timeoutMs: 60_000,
      message: 'the department notified of the revocation',
    });
    expect(notified).toMatchObject({
      departmentCode: SERVICE_CENTRE,
      applicationId: 'APP-2',
      requestId: request.id,
      applicantKey: SHOP,
      certificateId: licenceId,
      currentCertificateId: licenceId,
      change: 'revoked',
      status: 'revoked',
    });
    expect((await as(HEALTH).listNotifications({})).notifications).toEqual([]);
    const changed = await waitFor(
      () => events('materials.evidence.changed', (b) => materialsEventsV1.EvidenceChanged.decode(b))[0],
      { timeoutMs: 30_000, message: 'materials.evidence.changed on Kafka' },
    );
    expect(changed!.notification).toMatchObject({ certificateId: licenceId, departmentCode: SERVICE_CENTRE });
    expect(changed!.causeEventId).not.toBe('');
  });

  it('shows the applicant everything reused from their records, by whom and for which application', async () => {
    const view = await portal().listReuses({ applicant: shop });
    expect(view.reuses.map((r) => [r.departmentCode, r.applicationId, r.materialCode]).sort()).toEqual(
      [
        [SERVICE_CENTRE, 'APP-2', 'floor-plan'],
        [SERVICE_CENTRE, 'APP-2', 'floor-plan'],
        [SERVICE_CENTRE, 'APP-2', 'food-business-licence'],
      ].sort(),
    );
    expect(view.reuses.every((r) => r.legalBasis === request.legalBasis && r.reusedAt !== '')).toBe(true);
    expect(view.requests.map((r) => r.id)).toEqual([request.id]);
    expect((await portal().listReuses({ applicant: otherShop })).reuses).toEqual([]);
    expect(await errorCodeOf(as(SERVICE_CENTRE).listReuses({ applicant: shop }))).toBe('MATERIALS_ACCESS_DENIED');
    const read = await waitFor(
      () => events('materials.reuses.read', (b) => materialsEventsV1.ReusesRead.decode(b))[0],
      { timeoutMs: 30_000, message: 'materials.reuses.read on Kafka' },
    );
    expect(read).toMatchObject({ readerCode: 'portal-1', readerRole: 'portal', reuseCount: 3 });
  });

  it('follows a changed licence to its new version: the change and its later revocation are both told', async () => {
    const issued = await certificateClient(MARKET_REGULATION).issueCertificate({
      typeCode: FOOD_BUSINESS,
      holder: { ...otherShop, name: '上海普陀第二示范便利店有限公司' },
      fields: {
        legal_representative: '王芳',
        premises: '上海市普陀区长寿路300号1层',
        main_format: '食品销售经营者',
        business_items: '预包装食品销售',
      },
    });
    const first = issued.certificate!.id;
    await as(SERVICE_CENTRE).resolveMaterials({
      applicant: otherShop,
      itemCode: 'industry-convenience-store',
      applicationId: 'APP-4',
    });
    // a pending piece is watched too: the department relies on it until the applicant decides
    const { request: pending } = await as(SERVICE_CENTRE).requestEvidence({ applicationId: 'APP-4' });
    expect(pending!.pieces.map((p) => p.materialCode)).toEqual(['food-business-licence']);
    const changed = await certificateClient(MARKET_REGULATION).changeCertificate({
      id: first,
      fields: { business_items: '预包装食品销售，散装食品销售' },
      reason: '经营项目变更',
    });
    const second = changed.certificate!.id;
    expect(second).not.toBe(first);
    const told = (change: string) =>
      waitFor(
        async () =>
          (await as(SERVICE_CENTRE).listNotifications({ applicationId: 'APP-4' })).notifications.find(
            (n) => n.change === change,
          ),
        { timeoutMs: 60_000, message: `the department told: ${change}` },
      );
    expect(await told('changed')).toMatchObject({
      certificateId: first,
      currentCertificateId: second,
      status: 'valid',
      requestId: pending!.id,
    });
    await certificateClient(MARKET_REGULATION).revokeCertificate({
      id: second,
      kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
      reason: '吊销食品经营许可证',
      legalBasis: '《食品安全法》第一百三十四条',
    });
    expect(await told('revoked')).toMatchObject({
      certificateId: first,
      currentCertificateId: second,
      status: 'revoked',
    });
    // the first applicant's application was not about this licence
    expect(
      (await as(SERVICE_CENTRE).listNotifications({ applicationId: 'APP-2' })).notifications.map((n) => n.change),
    ).toEqual(['revoked']);
  });

  it('lets a preview expire: accepting it then is refused, and the sweep expires its pieces', async () => {
    const plan2 = new TextEncoder().encode('%PDF-1.7 平面图 第二版');
    await as(MARKET_REGULATION).uploadMaterial({
      owner: shop,
      materialType: 'floor-plan',
      name: '经营场所平面图（二）',
      content: Buffer.from(plan2),
      sha256: sha256Of(plan2),
    });
    await as(SERVICE_CENTRE).resolveMaterials({
      applicant: shop,
      itemCode: 'industry-convenience-store',
      applicationId: 'APP-3',
    });
    const { request: late } = await as(SERVICE_CENTRE).requestEvidence({ applicationId: 'APP-3' });
    await portal().previewEvidence({ applicant: shop, requestId: late!.id });
    skewMs = 7 * DAY + 60_000;
    const before = await db.query(`SELECT count(*)::int AS n FROM materials.outbox WHERE type LIKE '%.accepted'`);
    const refused = await errorCodeOf(portal().acceptEvidence({ applicant: shop, requestId: late!.id }));
    const after = await db.query(`SELECT count(*)::int AS n FROM materials.outbox WHERE type LIKE '%.accepted'`);
    // the sweep may already have expired the pieces: the preview is expired either way
    expect(refused).toMatch(/^MATERIALS_PREVIEW_(EXPIRED|DECIDED)$/);
    expect(after.rows).toEqual(before.rows);
    const statuses = await waitFor(
      async () => {
        const { rows } = await db.query<{ status: string }>(
          'SELECT status FROM materials.evidence_pieces WHERE request_id = $1',
          [late!.id],
        );
        return rows.every((r) => r.status === 'expired') ? rows : undefined;
      },
      { timeoutMs: 10_000, message: 'the sweep expired the pieces' },
    );
    expect(statuses!.length).toBeGreaterThan(0);
    expect(await errorCodeOf(portal().acceptEvidence({ applicant: shop, requestId: late!.id }))).toBe(
      'MATERIALS_PREVIEW_EXPIRED',
    );
    const expired = await waitFor(
      () => events('materials.evidence.expired', (b) => materialsEventsV1.EvidenceDecided.decode(b))[0],
      { timeoutMs: 30_000, message: 'materials.evidence.expired on Kafka' },
    );
    expect(expired).toMatchObject({ requestId: late!.id, actorCode: '', applicationId: 'APP-3' });
    // the applicant never consented: resolving the application again does not exempt the plan
    expect(await resolveAgain('APP-3', 'floor-plan')).toMatchObject({
      decision: mv.Decision.DECISION_REQUIRED,
      reason: mv.RequiredReason.REQUIRED_REASON_NOT_CONSENTED,
    });
  });

  it('counts a piece the applicant rejected as required: in the rate at once, NOT_CONSENTED when resolved again', async () => {
    expect(await resolveAgain('APP-5', 'floor-plan')).toMatchObject({ decision: mv.Decision.DECISION_EXEMPT });
    const resolved = await centreRate();
    const { request: asked } = await as(SERVICE_CENTRE).requestEvidence({ applicationId: 'APP-5' });
    const plan = asked!.pieces.find((p) => p.materialCode === 'floor-plan')!;
    await portal().rejectEvidence({
      applicant: shop,
      requestId: asked!.id,
      pieceIds: [plan.id],
      reason: '平面图已变更',
    });
    const rejected = await centreRate();
    expect(Number(rejected.exempt)).toBe(Number(resolved.exempt) - 1);
    expect(Number(rejected.refused)).toBe(Number(resolved.refused) + 1);
    expect(rejected.materials).toBe(resolved.materials);
    expect(rejected.rate).toBeLessThan(resolved.rate);
    const again = await resolveAgain('APP-5', 'floor-plan');
    expect(again).toMatchObject({
      decision: mv.Decision.DECISION_REQUIRED,
      reason: mv.RequiredReason.REQUIRED_REASON_NOT_CONSENTED,
    });
    expect(again.tried.map((t) => t.reason)).toEqual([mv.RequiredReason.REQUIRED_REASON_NOT_CONSENTED]);
    // the last resolution says it itself now: the same figure, no refusal left to take off
    const resolvedAgain = await centreRate();
    expect(resolvedAgain).toMatchObject({ exempt: rejected.exempt, refused: String(Number(rejected.refused) - 1) });
  });
});
