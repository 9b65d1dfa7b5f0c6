/**
 * The module as the hub runs it, with the real seals (`startSeals`: hub CA generated into the data folder, demo
 * departments seeded with their seals), on PostgreSQL and Kafka: a certificate issued over gRPC is sealed with the
 * seeded seal and verifies against SealService's trust bundle, online and offline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { certificateV1 as cv, HolderCodeType, sealV1 } from '@onceonly/contracts';
import { fromServiceError } from '@onceonly/errors/grpc';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { createLogger, DEV_CALLER_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyOffline } from '../src/app/verify-offline.js';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { certificateModule } from '../src/module.js';
import { ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';

type Unary = (req: object, md: Metadata, opts: object, cb: (err: ServiceError | null, res: unknown) => void) => void;

function rpc<Res>(client: object, method: string, request: object, as: string): Promise<Res> {
  const md = new Metadata();
  md.set(DEV_CALLER_HEADER, as);
  return new Promise((resolve, reject) => {
    (client as Record<string, Unary>)[method]!.call(client, request, md, {}, (err, res) =>
      err ? reject(fromServiceError(err)) : resolve(res as Res),
    );
  });
}

describe('certificateModule with the real seals', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let host: HostedModules | undefined;
  let dataDir = '';
  let address = '';

  beforeAll(async () => {
    testDb = await freshDatabase('certificate-module');
    db = await openDatabase({ url: testDb.url });
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-cert-module-'));
    const log = createLogger({ level: 'silent', service: 'certificate' });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'certificate-module-test', log });
    host = await hostModules({
      db,
      transport,
      log,
      graceMs: 2_000,
      mode: 'embedded',
      dataDir,
      env: { ONCEONLY_EXPIRY_SWEEP_MS: '0' },
      modules: [certificateModule],
    });
    address = host.address;
  });
  afterAll(async () => {
    await host?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('issues with the seeded seal; the certificate verifies online and offline against the trust bundle', async () => {
    const certificates = new cv.CertificateServiceClient(address, credentials.createInsecure());
    const seals = new sealV1.SealServiceClient(address, credentials.createInsecure());
    try {
      const issued = await rpc<cv.IssueCertificateResponse>(
        certificates,
        'issueCertificate',
        cv.IssueCertificateRequest.fromPartial({
          typeCode: TYPE_CODES.FOOD_BUSINESS,
          holder: {
            code: ENTERPRISE_CODE,
            codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC,
            name: '上海普陀小笼包餐饮有限公司',
          },
          fields: FOOD_FIELDS,
        }),
        PUTUO_MARKET_REGULATION.code,
      );
      const certificate = issued.certificate!;
      const online = await rpc<cv.VerifyCertificateResponse>(
        certificates,
        'verifyCertificate',
        cv.VerifyCertificateRequest.fromPartial({ subject: { $case: 'qrPayload', value: certificate.qrPayload } }),
        PUTUO_MARKET_REGULATION.code,
      );
      expect(online).toMatchObject({ valid: true, reasons: [], certificateId: certificate.id });
      const bundle = await rpc<sealV1.GetTrustBundleResponse>(
        seals,
        'getTrustBundle',
        {},
        PUTUO_MARKET_REGULATION.code,
      );
      const offline = await verifyOffline(certificate.qrPayload, bundle.bundlePem);
      expect(offline).toMatchObject({ valid: true, reasons: [], sealKid: certificate.sealKid });
      const types = await rpc<cv.ListCertificateTypesResponse>(certificates, 'listCertificateTypes', {}, 'anyone');
      expect(types.types.find((t) => t.typeCode === TYPE_CODES.FOOD_BUSINESS)?.issuerCodes).toEqual([
        PUTUO_MARKET_REGULATION.code,
      ]);
    } finally {
      certificates.close();
      seals.close();
    }
  });
});
