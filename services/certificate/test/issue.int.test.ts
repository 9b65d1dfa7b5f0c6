import { createHash } from 'node:crypto';
import { certificateEventsV1, certificateV1 as cv } from '@onceonly/contracts';
import { fromQrPayload, parseCompactJws } from '@onceonly/seal';
import { testKafka, uniqueTopic, waitFor } from '@onceonly/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { CITIZEN_ID, ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';
import { type Harness, holderRef, type Identity, refused, startHarness } from './service-harness.js';

const MARKET = { code: PUTUO_MARKET_REGULATION.code };
const HEALTH = { code: PUTUO_HEALTH.code };
const TOPIC = 'onceonly.certificate.v1';
const CITIZEN_ID_ANYWHERE = /(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])/;

function issueRequest(overrides: Partial<cv.IssueCertificateRequest> = {}): cv.IssueCertificateRequest {
  return cv.IssueCertificateRequest.fromPartial({
    typeCode: TYPE_CODES.FOOD_BUSINESS,
    holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
    fields: { ...FOOD_FIELDS },
    ...overrides,
  });
}

describe('IssueCertificate on PostgreSQL and Kafka', () => {
  let hub: Harness;
  let consumer: Consumer;
  const seen: KafkaMessage[] = [];

  beforeAll(async () => {
    hub = await startHarness();
    consumer = testKafka('certificate-issue-test').consumer({
      groupId: uniqueTopic('cert-issue'),
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await hub?.stop();
  });

  const issue = (request: cv.IssueCertificateRequest, as: Identity = MARKET) =>
    hub.callWithMetadata<cv.IssueCertificateResponse>('issueCertificate', request, as);

  function issuedEventOf(certificateId: string): Promise<KafkaMessage> {
    return waitFor<KafkaMessage | undefined>(
      () =>
        seen.find((m) => {
          if (m.headers?.ce_type?.toString() !== 'certificate.issued' || !m.value) return false;
          return certificateEventsV1.CertificateIssued.decode(m.value).certificate?.certificateId === certificateId;
        }),
      { timeoutMs: 30_000, message: 'the certificate.issued event on the topic' },
    ) as Promise<KafkaMessage>;
  }

  it('issues a food business licence sealed with the issuer seal: number, identifier, JWS with kid and x5c, QR', async () => {
    const { response } = await issue(issueRequest());
    const certificate = response.certificate!;
    expect(response.replayed).toBe(false);
    expect(response.holderDigestSalt).toBe('');
    expect(certificate.version).toBe(1);
    expect(certificate.status).toBe(cv.LicenceStatus.LICENCE_STATUS_VALID);
    expect(certificate.metadata?.number).toMatch(/^JY310107\d{4}\d{6}$/);
    expect(certificate.metadata?.identifier).toMatch(
      new RegExp(
        `^1\\.2\\.156\\.3005\\.2\\.${TYPE_CODES.FOOD_BUSINESS}\\.${PUTUO_MARKET_REGULATION.code}\\.JY\\d+\\.001\\.[0-9A-Z]$`,
      ),
    );
    const jws = parseCompactJws(certificate.jws);
    expect(jws.header).toMatchObject({ alg: 'ES256', typ: 'onceonly-licence+jws', kid: certificate.sealKid });
    expect(jws.header.x5c).toHaveLength(2);
    expect(jws.payload).toMatchObject({
      licenceName: '食品经营许可证',
      typeCode: TYPE_CODES.FOOD_BUSINESS,
      licenceNumber: certificate.metadata?.number,
      licenceId: certificate.metadata?.identifier,
      issuer: PUTUO_MARKET_REGULATION.nameZh,
      issuerCode: PUTUO_MARKET_REGULATION.code,
      holderCode: ENTERPRISE_CODE,
      holderCodeType: '001',
      division: '310107',
      face: FOOD_FIELDS,
    });
    expect(certificate.qrPayload.startsWith('OO1:')).toBe(true);
    expect(certificate.qrPayload.length).toBeLessThan(1_000);
    const qr = parseCompactJws(fromQrPayload(certificate.qrPayload));
    expect(qr.header.x5c).toBeUndefined();
    expect(qr.payload).toEqual(jws.payload);
    expect(certificate.statusListEntries.map((e) => e.purpose)).toEqual([
      cv.StatusPurpose.STATUS_PURPOSE_REVOCATION,
      cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION,
    ]);
  });

  it('publishes certificate.issued on onceonly.certificate.v1, keyed by the holder credit code', async () => {
    const { response } = await issue(issueRequest());
    const id = response.certificate!.id;
    const message = await issuedEventOf(id);
    expect(message.key?.toString()).toBe(ENTERPRISE_CODE);
    expect(message.headers?.ce_source?.toString()).toBe('/onceonly/certificate');
    const body = certificateEventsV1.CertificateIssued.decode(message.value!);
    expect(body.sealKid).toBe(response.certificate!.sealKid);
    expect(body.certificate?.holder?.holderCode).toBe(ENTERPRISE_CODE);
  });

  it('for a citizen holder, puts no citizen ID in the JWS, the event key, headers or body; returns the digest salt in the response only', async () => {
    const request = issueRequest({ holder: holderRef(CITIZEN_ID, '张小明', '111'), idempotencyKey: 'citizen-1' });
    const { response, metadata } = await issue(request);
    const certificate = response.certificate!;
    const salt = response.holderDigestSalt;
    expect(salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    // The salt is a response field; no response header carries it any more.
    expect(Object.keys(metadata.getMap()).filter((k) => k.includes('salt'))).toEqual([]);
    const payload = parseCompactJws(certificate.jws).payload;
    expect(payload.holderCode).toBe('310107********1234'.replace('1234', CITIZEN_ID.slice(-4)));
    const digest = createHash('sha256').update(Buffer.from(salt, 'base64url')).update(CITIZEN_ID).digest('base64url');
    expect(payload.holderDigest).toBe(digest);
    expect(certificate.jws).not.toMatch(CITIZEN_ID_ANYWHERE);
    expect(JSON.stringify(response)).not.toContain(CITIZEN_ID);

    const message = await issuedEventOf(certificate.id);
    expect(message.headers?.ce_type?.toString()).toBe('certificate.issued');
    const key = message.key?.toString() ?? '';
    expect(key).toMatch(/^h:[0-9a-f]{64}$/);
    const headers = Object.entries(message.headers ?? {})
      .map(([k, v]) => `${k}=${v?.toString()}`)
      .join('\n');
    for (const text of [key, headers, message.value!.toString('latin1'), message.value!.toString('utf8')]) {
      expect(text).not.toMatch(CITIZEN_ID_ANYWHERE);
      expect(text).not.toContain(CITIZEN_ID);
      expect(text).not.toContain(salt);
    }
    expect(message.value!.includes(Buffer.from(salt, 'base64url'))).toBe(false);
    const body = certificateEventsV1.CertificateIssued.decode(message.value!);
    expect(body.certificate?.holder).toMatchObject({ holderCode: '', holderKey: key.slice(2), name: '张**' });

    // A retry with the same key replays the certificate with the same salt.
    const again = (await issue(request)).response;
    expect(again).toMatchObject({ replayed: true, holderDigestSalt: salt });
    expect(again.certificate?.id).toBe(certificate.id);
    // GetCertificate does not hand the salt out again.
    const got = await hub.call<cv.GetCertificateResponse>(
      'getCertificate',
      { ref: { $case: 'id', value: certificate.id } },
      MARKET,
    );
    expect(JSON.stringify(cv.GetCertificateResponse.toJSON(got))).not.toContain(salt);

    expect(hub.logText()).not.toContain(CITIZEN_ID);
    expect(hub.logText()).not.toContain(salt);
  });

  it('returns the same certificate for a retry with the same idempotency key, and refuses the key for another request', async () => {
    const request = issueRequest({ idempotencyKey: 'retry-1' });
    const first = (await issue(request)).response;
    const before = await hub.counts();
    const again = (await issue(request)).response;
    expect(again.replayed).toBe(true);
    expect(again.certificate).toEqual(first.certificate);
    expect(await hub.counts()).toEqual(before);

    const other = issueRequest({
      idempotencyKey: 'retry-1',
      fields: { ...FOOD_FIELDS, premises: '上海市普陀区长寿路200号' },
    });
    const error = await refused(issue(other));
    expect(error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await hub.counts()).toEqual(before);
  });

  it('gives concurrent issues distinct licence numbers and status-list slots, each taken outside the issuing transaction', async () => {
    const issued = await Promise.all(Array.from({ length: 12 }, () => issue(issueRequest())));
    const certificates = issued.map(({ response }) => response.certificate!);
    expect(new Set(certificates.map((c) => c.metadata?.number)).size).toBe(12);
    const slots = certificates.map((c) => {
      const payload = parseCompactJws(c.jws).payload as { statusListNumber: number; statusListIndex: number };
      return `${payload.statusListNumber}/${payload.statusListIndex}`;
    });
    expect(new Set(slots).size).toBe(12);
  });

  it('answers concurrent issues with one idempotency key with one certificate, one key and one event', async () => {
    const request = issueRequest({ idempotencyKey: 'concurrent-1' });
    const before = await hub.counts();
    const answers = await Promise.all(Array.from({ length: 8 }, () => issue(request)));
    const identifiers = new Set(answers.map(({ response }) => response.certificate?.metadata?.identifier));
    expect(identifiers.size).toBe(1);
    expect(answers.filter(({ response }) => !response.replayed)).toHaveLength(1);
    const after = await hub.counts();
    expect(after.certificates! - before.certificates!).toBe(1);
    expect(after.idempotency_keys! - before.idempotency_keys!).toBe(1);
    expect(after.outbox! - before.outbox!).toBe(1);
  });

  it('refuses a second business licence for one holder (ALREADY_EXISTS) without failing the issues beside it', async () => {
    const business = (key: string) =>
      issueRequest({
        typeCode: TYPE_CODES.BUSINESS_LICENCE,
        idempotencyKey: key,
        fields: {
          entity_type: '有限责任公司',
          legal_representative: '王芳',
          established_on: '2020-03-01',
          address: '上海市普陀区长寿路100号',
          business_scope: '餐饮服务',
        },
      });
    const before = await hub.counts();
    const settled = await Promise.allSettled([
      issue(business('business-a')),
      issue(business('business-b')),
      issue(issueRequest({ idempotencyKey: 'beside-a' })),
      issue(issueRequest({ idempotencyKey: 'beside-b' })),
    ]);
    const [a, b, c, d] = settled;
    expect([a, b].filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const loser = [a, b].find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(c.status).toBe('fulfilled');
    expect(d.status).toBe('fulfilled');
    const after = await hub.counts();
    // three licences, their three keys (the loser's key was not kept: a retry of it is refused again), three events
    for (const table of ['certificates', 'idempotency_keys', 'outbox']) expect(after[table]! - before[table]!).toBe(3);
    const loserKey = a.status === 'rejected' ? 'business-a' : 'business-b';
    expect((await refused(issue(business(loserKey)))).code).toBe('ALREADY_EXISTS');
  });

  it('fails every issue of a group whose commit fails, coded (CERT_ISSUE_NOT_COMMITTED), and writes nothing of it', async () => {
    // a deferred constraint trigger: the statement runs, the COMMIT fails, as a lost connection or a full disk would
    await hub.db.exec(`
      CREATE FUNCTION certificate.refuse_issued() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: commit refused'; END $$;
      CREATE CONSTRAINT TRIGGER refuse_issued AFTER INSERT ON certificate.outbox DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.type = 'certificate.issued') EXECUTE FUNCTION certificate.refuse_issued();`);
    const before = await hub.counts();
    try {
      const settled = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => refused(issue(issueRequest({ idempotencyKey: `refused-${i}` })))),
      );
      for (const s of settled) {
        expect(s.status).toBe('fulfilled');
        expect((s as PromiseFulfilledResult<{ code: string }>).value.code).toBe('CERT_ISSUE_NOT_COMMITTED');
      }
      const after = await hub.counts();
      for (const table of ['certificates', 'idempotency_keys', 'outbox']) expect(after[table]).toBe(before[table]);
    } finally {
      await hub.db.exec(`DROP TRIGGER refuse_issued ON certificate.outbox;
        DROP FUNCTION certificate.refuse_issued();`);
    }
    // nothing was remembered under the keys: a retry issues
    const retried = await issue(issueRequest({ idempotencyKey: 'refused-0' }));
    expect(retried.response.replayed).toBe(false);
    expect((await hub.counts()).certificates).toBe(before.certificates! + 1);
  });

  describe('refuses bad input with a coded error and writes nothing', () => {
    const cases: [string, () => cv.IssueCertificateRequest, string, string?][] = [
      [
        'a wrong check character in the credit code',
        () =>
          issueRequest({
            holder: holderRef(`${ENTERPRISE_CODE.slice(0, 17)}${ENTERPRISE_CODE.endsWith('0') ? '1' : '0'}`, '某公司'),
          }),
        'USCC_INVALID',
        'holder.code',
      ],
      [
        'a wrong check character in the citizen ID',
        () =>
          issueRequest({
            holder: holderRef(`${CITIZEN_ID.slice(0, 17)}${CITIZEN_ID.endsWith('0') ? '1' : '0'}`, '张小明', '111'),
          }),
        'CITIZEN_ID_INVALID',
        'holder.code',
      ],
      ['an unknown type', () => issueRequest({ typeCode: '11100000000013338W999' }), 'CERT_TYPE_UNKNOWN', 'type_code'],
      [
        'a missing required field',
        () => issueRequest({ fields: { ...FOOD_FIELDS, main_format: '' } }),
        'CERT_FIELDS_INVALID',
        'fields.main_format',
      ],
      [
        'a malformed field',
        () => issueRequest({ fields: { ...FOOD_FIELDS, complaint_hotline: 'call us' } }),
        'CERT_FIELDS_INVALID',
        'fields.complaint_hotline',
      ],
      [
        'a validity that ends before it starts',
        () => issueRequest({ validFrom: '2031-01-01', validTo: '2030-12-31' }),
        'CERT_VALIDITY_INVALID',
        'valid_to',
      ],
      ['no holder', () => issueRequest({ holder: undefined }), 'INVALID_ARGUMENT', 'holder'],
      [
        'too many face fields',
        () => issueRequest({ fields: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 'x'])) }),
        'REQUEST_TOO_LARGE',
        'fields',
      ],
    ];
    for (const [name, request, code, field] of cases) {
      it(`refuses ${name} (${code})`, async () => {
        const before = await hub.counts();
        const error = await refused(issue(request()));
        expect(error.code).toBe(code);
        if (field) expect(error.fields.map((f) => f.field)).toContain(field);
        expect(await hub.counts()).toEqual(before);
      });
    }

    it('refuses a department that does not issue the type (CERT_TYPE_NOT_AUTHORISED)', async () => {
      const before = await hub.counts();
      expect((await refused(issue(issueRequest(), HEALTH))).code).toBe('CERT_TYPE_NOT_AUTHORISED');
      expect((await refused(issue(issueRequest(), { code: 'unknown-body' }))).code).toBe('CERT_TYPE_NOT_AUTHORISED');
      expect(await hub.counts()).toEqual(before);
    });

    it('refuses to seal with a revoked seal (SEAL_REVOKED)', async () => {
      const seals = hub.seals;
      const before = await hub.counts();
      seals.revoke(PUTUO_HEALTH.code, hub.clock());
      const hygiene = cv.IssueCertificateRequest.fromPartial({
        typeCode: TYPE_CODES.PUBLIC_HYGIENE,
        holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
        fields: {
          legal_representative: '王芳',
          premises: '上海市普陀区长寿路100号',
          venue_category: '商场（店）',
          licensed_items: '公共场所卫生',
        },
      });
      expect((await refused(issue(hygiene, HEALTH))).code).toBe('SEAL_REVOKED');
      expect(await hub.counts()).toEqual(before);
    });
  });
});
