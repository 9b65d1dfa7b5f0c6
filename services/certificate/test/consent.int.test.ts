import { certificateEventsV1, consentV1, certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { computeUsccCheck } from '@onceonly/ids';
import { testKafka, uniqueTopic, waitFor } from '@onceonly/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { DEMO_PLATFORM, DEMO_PORTAL, PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { CITIZEN_ID, ENTERPRISE_CODE, FOOD_FIELDS, OTHER_ENTERPRISE_CODE } from './fixtures.js';
import { type Harness, holderRef, type Identity, refused, startHarness } from './service-harness.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const PORTAL: Identity = { code: DEMO_PORTAL.code, role: 'portal' };
const PLATFORM: Identity = { code: DEMO_PLATFORM.code, role: 'platform' };
const PURPOSE = 'merchant-onboarding';
const DAY = 86_400_000;
const F = consentV1.ConsentRefusal;

const query = (code: string, type: '001' | '111' = '001') => ({
  code,
  codeType: type === '001' ? HolderCodeType.HOLDER_CODE_TYPE_USCC : HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID,
});

describe('consents and platform checks', () => {
  let hub: Harness;
  let consumer: Consumer;
  const seen: KafkaMessage[] = [];
  let food: cv.Certificate;
  let liquor: cv.Certificate;

  beforeAll(async () => {
    hub = await startHarness();
    consumer = testKafka('certificate-consent-test').consumer({
      groupId: uniqueTopic('cert-consent'),
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: 'onceonly.certificate.v1', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    const issued = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      {
        typeCode: TYPE_CODES.FOOD_BUSINESS,
        holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
        fields: FOOD_FIELDS,
      },
      MARKET,
    );
    food = issued.certificate!;
    const liquorIssued = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      {
        typeCode: TYPE_CODES.LIQUOR_RETAIL,
        holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
        fields: { legal_representative: '王芳', premises: '上海市普陀区长寿路100号' },
      },
      MARKET,
    );
    liquor = liquorIssued.certificate!;
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await hub?.stop();
  });

  const grant = (holder: ReturnType<typeof holderRef>, typeCodes: string[], expiresAt: Date, idempotencyKey = '') =>
    hub.call<consentV1.GrantConsentResponse>(
      'grantConsent',
      {
        holder,
        platformCode: DEMO_PLATFORM.code,
        typeCodes,
        purpose: PURPOSE,
        expiresAt: expiresAt.toISOString(),
        idempotencyKey,
      },
      PORTAL,
    );
  const check = (holders: ReturnType<typeof query>[], typeCodes: string[] = []) =>
    hub.call<consentV1.CheckLicencesResponse>('checkLicences', { holders, typeCodes, purpose: PURPOSE }, PLATFORM);

  it('answers per holder only what the consent covers, and records the check as one event keyed by the platform', async () => {
    const consent = await grant(
      holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
      [TYPE_CODES.FOOD_BUSINESS],
      new Date(hub.clock().getTime() + 30 * DAY),
      'c-1',
    );
    expect(consent.consent).toMatchObject({
      status: consentV1.ConsentStatus.CONSENT_STATUS_ACTIVE,
      recordedBy: DEMO_PORTAL.code,
    });
    const again = await grant(
      holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
      [TYPE_CODES.FOOD_BUSINESS],
      new Date(consent.consent!.expiresAt),
      'c-1',
    );
    expect(again.consent?.id).toBe(consent.consent?.id);

    const result = await check(
      [query(ENTERPRISE_CODE), query(OTHER_ENTERPRISE_CODE), query(CITIZEN_ID, '111')],
      [TYPE_CODES.FOOD_BUSINESS, TYPE_CODES.LIQUOR_RETAIL],
    );
    const [mine, other, person] = result.results;
    expect(mine?.licences).toEqual([
      {
        typeCode: TYPE_CODES.FOOD_BUSINESS,
        typeName: '食品经营许可证',
        number: food.metadata!.number,
        validFrom: food.metadata!.validFrom,
        validTo: food.metadata!.validTo,
        status: cv.LicenceStatus.LICENCE_STATUS_VALID,
        genuine: true,
        genuineReasons: [],
        mayOperate: true,
        mayOperateReasons: [],
      },
    ]);
    expect(mine?.refused).toEqual([{ typeCode: TYPE_CODES.LIQUOR_RETAIL, reason: F.CONSENT_REFUSAL_TYPE_NOT_COVERED }]);
    expect(other?.licences).toEqual([]);
    expect(other?.refused.map((r) => r.reason)).toEqual([F.CONSENT_REFUSAL_NO_CONSENT, F.CONSENT_REFUSAL_NO_CONSENT]);
    expect(person?.holderCodeMasked).not.toContain(CITIZEN_ID);

    const event = (await waitFor(
      () =>
        seen.find(
          (m) =>
            m.headers?.ce_type?.toString() === 'certificate.licences-checked' &&
            certificateEventsV1.LicencesChecked.decode(m.value!).holders[0]?.certificateIds[0] === food.id,
        ),
      { timeoutMs: 30_000, message: 'the licences-checked event' },
    )) as KafkaMessage;
    expect(event.key?.toString()).toBe(DEMO_PLATFORM.code);
    expect(event.value!.toString('latin1')).not.toContain(CITIZEN_ID);
    const body = certificateEventsV1.LicencesChecked.decode(event.value!);
    expect(body.holders.map((h) => h.certificateIds)).toEqual([[food.id], [], []]);
  });

  it('refuses a type once the consent expired, and after it was revoked', async () => {
    const granted = await grant(
      holderRef(OTHER_ENTERPRISE_CODE, '另一家公司'),
      [TYPE_CODES.FOOD_BUSINESS],
      new Date(hub.clock().getTime() + DAY),
    );
    hub.clock.advance(2 * DAY);
    try {
      const expired = await check([query(OTHER_ENTERPRISE_CODE)], [TYPE_CODES.FOOD_BUSINESS]);
      expect(expired.results[0]?.refused).toEqual([
        { typeCode: TYPE_CODES.FOOD_BUSINESS, reason: F.CONSENT_REFUSAL_CONSENT_EXPIRED },
      ]);
    } finally {
      hub.clock.advance(-2 * DAY);
    }
    await hub.call('revokeConsent', { consentId: granted.consent!.id, reason: '商家退出平台' }, PORTAL);
    const revoked = await check([query(OTHER_ENTERPRISE_CODE)], [TYPE_CODES.FOOD_BUSINESS]);
    expect(revoked.results[0]?.refused).toEqual([
      { typeCode: TYPE_CODES.FOOD_BUSINESS, reason: F.CONSENT_REFUSAL_CONSENT_REVOKED },
    ]);
  });

  describe('VerifyCertificate by id shows no more than the QR text the holder showed would', () => {
    const THIRD = `91310107MA1K8M9N0${computeUsccCheck('91310107MA1K8M9N0')}`;
    const AUDITOR: Identity = { code: 'AUDITOR-1', role: 'auditor' };
    const HEALTH: Identity = { code: PUTUO_HEALTH.code };
    const byId = (id: string, as: Identity) =>
      hub.call<cv.VerifyCertificateResponse>('verifyCertificate', { subject: { $case: 'id', value: id } }, as);
    let licence: cv.Certificate;

    beforeAll(async () => {
      const issued = await hub.call<cv.IssueCertificateResponse>(
        'issueCertificate',
        { typeCode: TYPE_CODES.FOOD_BUSINESS, holder: holderRef(THIRD, '第三家餐饮有限公司'), fields: FOOD_FIELDS },
        MARKET,
      );
      licence = issued.certificate!;
    });

    function verdictOnly(answer: cv.VerifyCertificateResponse) {
      expect(answer).toMatchObject({
        valid: true,
        status: cv.LicenceStatus.LICENCE_STATUS_VALID,
        reasons: [],
        certificateId: licence.id,
        sealKid: '',
        version: 0,
        currentCertificateId: '',
      });
      expect(answer.metadata).toBeUndefined();
      expect(answer.industry).toBeUndefined();
    }

    it('gives a platform without the holder’s consent the verdict only, and the face while a consent covers it', async () => {
      verdictOnly(await byId(licence.id, PLATFORM));
      const granted = await grant(
        holderRef(THIRD, '第三家餐饮有限公司'),
        [TYPE_CODES.FOOD_BUSINESS],
        new Date(hub.clock().getTime() + DAY),
      );
      expect((await byId(licence.id, PLATFORM)).metadata?.holder?.holderCode).toBe(THIRD);
      await hub.call('revokeConsent', { consentId: granted.consent!.id, reason: '商家退出平台' }, PORTAL);
      verdictOnly(await byId(licence.id, PLATFORM));
    });

    it('gives another department and the portal the verdict only', async () => {
      verdictOnly(await byId(licence.id, HEALTH));
      verdictOnly(await byId(licence.id, PORTAL));
    });

    it('gives the issuing department and an auditor the face', async () => {
      expect((await byId(licence.id, MARKET)).metadata?.identifier).toBe(licence.metadata?.identifier);
      expect((await byId(licence.id, AUDITOR)).metadata?.identifier).toBe(licence.metadata?.identifier);
    });

    it('gives anyone who shows the QR text the face it carries', async () => {
      const answer = await hub.call<cv.VerifyCertificateResponse>(
        'verifyCertificate',
        { subject: { $case: 'qrPayload', value: licence.qrPayload } },
        HEALTH,
      );
      expect(answer.metadata?.identifier).toBe(licence.metadata?.identifier);
    });
  });

  it('lists consents for the portal (by holder) and for the platform (its own)', async () => {
    const byHolder = await hub.call<consentV1.ListConsentsResponse>(
      'listConsents',
      { holder: query(ENTERPRISE_CODE) },
      PORTAL,
    );
    expect(byHolder.consents.length).toBeGreaterThanOrEqual(1);
    const own = await hub.call<consentV1.ListConsentsResponse>(
      'listConsents',
      { includeInactive: true, page: { pageSize: 1, pageToken: '' } },
      PLATFORM,
    );
    expect(own.consents).toHaveLength(1);
    expect(own.page?.nextPageToken).not.toBe('');
  });

  describe('refusals that write nothing', () => {
    it('more than 1,000 holders (REQUEST_TOO_LARGE)', async () => {
      const before = await hub.counts();
      const error = await refused(check(Array.from({ length: 1_001 }, () => query(ENTERPRISE_CODE))));
      expect(error.code).toBe('REQUEST_TOO_LARGE');
      expect(await hub.counts()).toEqual(before);
    });

    it('a consent already expired, for an unknown type, or recorded by a non-portal', async () => {
      const before = await hub.counts();
      const past = await refused(
        grant(holderRef(ENTERPRISE_CODE, '某公司'), [TYPE_CODES.FOOD_BUSINESS], new Date(hub.clock().getTime() - DAY)),
      );
      expect(past.code).toBe('CONSENT_INVALID');
      expect(past.fields.map((f) => f.field)).toEqual(['expires_at']);
      const unknown = await refused(
        grant(holderRef(ENTERPRISE_CODE, '某公司'), ['11100000000013338W999'], new Date(hub.clock().getTime() + DAY)),
      );
      expect(unknown.fields.map((f) => f.reason)).toEqual(['CERT_TYPE_UNKNOWN']);
      const notPortal = await refused(
        hub.call(
          'grantConsent',
          {
            holder: holderRef(ENTERPRISE_CODE, '某公司'),
            platformCode: DEMO_PLATFORM.code,
            typeCodes: [TYPE_CODES.FOOD_BUSINESS],
            purpose: PURPOSE,
            expiresAt: new Date(hub.clock().getTime() + DAY).toISOString(),
          },
          MARKET,
        ),
      );
      expect(notPortal.code).toBe('PERMISSION_DENIED');
      expect(await hub.counts()).toEqual(before);
    });

    it('a bad holder code in a check, or a caller that is not a platform', async () => {
      const before = await hub.counts();
      const bad = await refused(
        check([
          query(ENTERPRISE_CODE),
          query(`${ENTERPRISE_CODE.slice(0, 17)}${ENTERPRISE_CODE.endsWith('0') ? '1' : '0'}`),
        ]),
      );
      expect(bad.code).toBe('INVALID_ARGUMENT');
      expect(bad.fields.map((f) => f.field)).toEqual(['holders[1].code']);
      const notPlatform = await refused(
        hub.call('checkLicences', { holders: [query(ENTERPRISE_CODE)], purpose: PURPOSE }, MARKET),
      );
      expect(notPlatform.code).toBe('PERMISSION_DENIED');
      // GetCertificate follows VerifyCertificate's rule by id: the face only under the holder's consent for the type
      const browse = await refused(hub.call('getCertificate', { ref: { $case: 'id', value: liquor.id } }, PLATFORM));
      expect(browse.code).toBe('CERT_READ_DENIED');
      expect(await hub.counts()).toEqual(before);
    });
  });
});
