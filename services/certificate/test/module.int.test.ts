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
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlSealStore } from '../src/adapters/db/seal-store.js';
import { TRUST_RECHECK_MS } from '../src/app/seals/seal-keys.js';
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

  describe('verification: group commit of certificate.verified, seal state from a cache (ADR 012)', () => {
    let certificates: cv.CertificateServiceClient;
    let seals: sealV1.SealServiceClient;
    const MARKET = PUTUO_MARKET_REGULATION.code;
    const verified = async () => {
      const { rows } = await db.query<{ n: number; transactions: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS transactions
           FROM certificate.outbox WHERE type = 'certificate.verified'`,
      );
      return rows[0]!;
    };
    const issue = async (holderCode: string) =>
      (
        await rpc<cv.IssueCertificateResponse>(
          certificates,
          'issueCertificate',
          cv.IssueCertificateRequest.fromPartial({
            typeCode: TYPE_CODES.FOOD_BUSINESS,
            holder: {
              code: holderCode,
              codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC,
              name: '上海普陀某餐饮有限公司',
            },
            fields: FOOD_FIELDS,
          }),
          MARKET,
        )
      ).certificate!;
    const holder = (body: string) => `91310107${body}${computeUsccCheck(`91310107${body}`)}`;
    /** Revocation tests leave the licensing seal revoked: the next one makes a new seal (a new kid). */
    const ensureActiveSeal = async () => {
      try {
        const request = sealV1.CreateSealRequest.fromPartial({ kind: sealV1.SealKind.SEAL_KIND_LICENSING });
        await rpc(seals, 'createSeal', request, MARKET);
      } catch (err) {
        expect(err).toMatchObject({ code: 'SEAL_ALREADY_ACTIVE' });
      }
    };
    const verifyQr = (qr: string) =>
      rpc<cv.VerifyCertificateResponse>(
        certificates,
        'verifyCertificate',
        cv.VerifyCertificateRequest.fromPartial({ subject: { $case: 'qrPayload', value: qr } }),
        MARKET,
      );

    beforeAll(() => {
      certificates = new cv.CertificateServiceClient(address, credentials.createInsecure());
      seals = new sealV1.SealServiceClient(address, credentials.createInsecure());
    });
    afterAll(() => {
      certificates?.close();
      seals?.close();
    });

    it('answers every concurrent verification only with its event committed, many events to a transaction', async () => {
      const certificate = await issue(holder('MA1G8LXE5'));
      const before = await verified();
      const answers = await Promise.all(Array.from({ length: 48 }, () => verifyQr(certificate.qrPayload)));
      expect(answers.every((a) => a.valid)).toBe(true);
      const after = await verified();
      expect(after.n - before.n).toBe(48);
      // grouped: the 48 events went into fewer transactions than calls (rows of one transaction share its xmin)
      expect(after.transactions - before.transactions).toBeLessThan(48);
    });

    it('fails every call of a group whose commit fails, coded, and records nothing of it', async () => {
      const certificate = await issue(holder('MA1G8LXF3'));
      await verifyQr(certificate.qrPayload); // the seal state cached, the record read once
      // a deferred constraint trigger: the inserts succeed, the COMMIT fails, as a lost connection or a full disk would
      await db.exec(`
        CREATE FUNCTION certificate.refuse_verified() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'test: commit refused'; END $$;
        CREATE CONSTRAINT TRIGGER refuse_verified AFTER INSERT ON certificate.outbox DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW WHEN (NEW.type = 'certificate.verified') EXECUTE FUNCTION certificate.refuse_verified();`);
      try {
        const before = await verified();
        const settled = await Promise.allSettled(Array.from({ length: 24 }, () => verifyQr(certificate.qrPayload)));
        expect(settled.every((s) => s.status === 'rejected')).toBe(true);
        for (const s of settled) {
          expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'CERT_VERIFICATION_NOT_RECORDED' });
        }
        expect((await verified()).n).toBe(before.n);
      } finally {
        await db.exec(`DROP TRIGGER refuse_verified ON certificate.outbox;
          DROP FUNCTION certificate.refuse_verified();`);
      }
      expect(await verifyQr(certificate.qrPayload)).toMatchObject({ valid: true });
    });

    it('a verification that starts after RevokeSeal returned sees the revocation (same process)', async () => {
      await ensureActiveSeal();
      const certificate = await issue(holder('MA1G8LXG1'));
      expect(await verifyQr(certificate.qrPayload)).toMatchObject({ valid: true }); // cached: valid
      // verifications in flight while the seal is revoked: they may see either state, never an error
      const during = Array.from({ length: 16 }, () => verifyQr(certificate.qrPayload));
      await rpc<sealV1.RevokeSealResponse>(
        seals,
        'revokeSeal',
        sealV1.RevokeSealRequest.fromPartial({
          kid: certificate.sealKid,
          compromisedAt: new Date(Date.now() - 3_600_000).toISOString(),
          reason: 'test: the key leaked',
        }),
        MARKET,
      );
      const after = await verifyQr(certificate.qrPayload);
      expect(after.valid).toBe(false);
      expect(after.reasons).toContain(cv.VerificationReason.VERIFICATION_REASON_SEAL_REVOKED);
      for (const answer of await Promise.all(during)) expect(typeof answer.valid).toBe('boolean');
    });
    it('a revocation made by another replica (the store changed behind this process) is seen within the bound', async () => {
      await ensureActiveSeal();
      const certificate = await issue(holder('MA1G8LXH0'));
      expect(await verifyQr(certificate.qrPayload)).toMatchObject({ valid: true });
      // what another replica's RevokeSeal commits: this process's cache is not told
      await sqlSealStore().changeSeal(db, certificate.sealKid, {
        kind: 'revoked',
        at: new Date(),
        compromisedAt: new Date(Date.now() - 3_600_000),
        reason: 'revoked by another replica',
      });
      const revokedAt = Date.now();
      let seen: cv.VerifyCertificateResponse | undefined;
      // polled, not timed: the bound is TRUST_RECHECK_MS plus one version query; give it ten times that
      while (seen === undefined && Date.now() - revokedAt < 10 * TRUST_RECHECK_MS) {
        const answer = await verifyQr(certificate.qrPayload);
        if (!answer.valid) seen = answer;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen?.reasons).toContain(cv.VerificationReason.VERIFICATION_REASON_SEAL_REVOKED);
    });
  });
});
