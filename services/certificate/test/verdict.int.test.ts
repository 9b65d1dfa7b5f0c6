/**
 * Issue 15 item 7 (ADR 033): a cinema's industry licence whose hygiene permit was suspended. It used to verify
 * `valid: true` with a COMPONENT_NOT_VALID note; now every answer says the document is genuine and that the holder
 * may not operate under it, naming the permit, through gRPC on real PostgreSQL and Kafka: VerifyCertificate by QR
 * and by id, CheckLicences for a consenting platform, and the certificate.verified event.
 */
import { certificateEventsV1, type consentV1, certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import {
  DEMO_PLATFORM,
  DEMO_PORTAL,
  PUTUO_CULTURE_TOURISM,
  PUTUO_HEALTH,
  PUTUO_SERVICE_CENTRE,
} from '../src/domain/departments.js';
import { OTHER_ENTERPRISE_CODE } from './fixtures.js';
import { type Harness, holderRef, type Identity, startHarness } from './service-harness.js';

const CULTURE: Identity = { code: PUTUO_CULTURE_TOURISM.code };
const HEALTH: Identity = { code: PUTUO_HEALTH.code };
const CENTRE: Identity = { code: PUTUO_SERVICE_CENTRE.code };
const PORTAL: Identity = { code: DEMO_PORTAL.code, role: 'portal' };
const PLATFORM: Identity = { code: DEMO_PLATFORM.code, role: 'platform' };
const R = cv.VerificationReason;
const S = cv.LicenceStatus;
const CINEMA = OTHER_ENTERPRISE_CODE;
const NAME = '上海长寿影城有限公司';
const PREMISES = '上海市普陀区长寿路100号';

describe('a cinema whose hygiene permit was suspended (issue 15 item 7)', () => {
  let hub: Harness;
  let licence: cv.Certificate;
  let hygiene: cv.Certificate;

  async function issue(as: Identity, typeCode: string, fields: Record<string, string>) {
    const response = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      { typeCode, holder: holderRef(CINEMA, NAME), fields },
      as,
    );
    return response.certificate!;
  }

  const verify = (subject: cv.VerifyCertificateRequest['subject'], as: Identity = PLATFORM) =>
    hub.call<cv.VerifyCertificateResponse>('verifyCertificate', { subject }, as);

  beforeAll(async () => {
    hub = await startHarness();
    const film = await issue(CULTURE, TYPE_CODES.FILM_SCREENING, {
      legal_representative: '王芳',
      premises: PREMISES,
      screens: '6',
      seats: '820',
    });
    hygiene = await issue(HEALTH, TYPE_CODES.PUBLIC_HYGIENE, {
      legal_representative: '王芳',
      premises: PREMISES,
      venue_category: '影剧院',
      licensed_items: '影剧院',
    });
    const issued = await hub.call<cv.IssueIndustryLicenceResponse>(
      'issueIndustryLicence',
      {
        holder: holderRef(CINEMA, NAME),
        industryCode: 'cinema',
        componentCertificateIds: [film.id, hygiene.id],
        fields: { legal_representative: '王芳', premises: PREMISES },
      },
      CENTRE,
    );
    licence = issued.certificate!;
    await hub.call(
      'grantConsent',
      {
        holder: holderRef(CINEMA, NAME),
        platformCode: DEMO_PLATFORM.code,
        typeCodes: [TYPE_CODES.INDUSTRY_LICENCE],
        purpose: 'merchant-onboarding',
        expiresAt: new Date(hub.clock().getTime() + 30 * 86_400_000).toISOString(),
      },
      PORTAL,
    );
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('before the suspension: genuine, and the holder may operate', async () => {
    const verified = await verify({ $case: 'qrPayload', value: licence.qrPayload });
    expect(verified).toMatchObject({
      genuine: true,
      mayOperate: true,
      valid: true,
      reasons: [],
      genuineReasons: [],
      mayOperateReasons: [],
    });
    expect(verified.industry?.components.map((c) => c.required)).toEqual([true, true]);
  });

  describe('after the health department suspends the hygiene permit', () => {
    beforeAll(async () => {
      await hub.call(
        'suspendCertificate',
        { id: hygiene.id, reason: '卫生检查不合格，停业整改', legalBasis: '《公共场所卫生管理条例》' },
        HEALTH,
      );
    });

    it('VerifyCertificate (QR): genuine, may NOT operate, naming the permit in words; valid is false', async () => {
      const verified = await verify({ $case: 'qrPayload', value: licence.qrPayload });
      expect(verified).toMatchObject({
        genuine: true,
        genuineReasons: [],
        mayOperate: false,
        valid: false,
        status: S.LICENCE_STATUS_VALID,
        reasons: [R.VERIFICATION_REASON_REQUIRED_COMPONENT_NOT_VALID],
      });
      expect(verified.mayOperateReasons).toEqual([
        {
          code: R.VERIFICATION_REASON_REQUIRED_COMPONENT_NOT_VALID,
          warning: false,
          textZh: '必备许可“公共场所卫生许可证”状态为暂扣：不得凭本证经营',
          textEn: expect.stringContaining('suspended'),
          componentTypeCode: TYPE_CODES.PUBLIC_HYGIENE,
          componentStatus: S.LICENCE_STATUS_SUSPENDED,
        },
      ]);
      expect(verified.industry?.components.find((c) => c.certificateId === hygiene.id)).toMatchObject({
        status: S.LICENCE_STATUS_SUSPENDED,
        required: true,
      });
    });

    it('by id, a caller who may see only the verdict gets both answers without the component', async () => {
      const verified = await verify({ $case: 'id', value: licence.id }, { code: PUTUO_HEALTH.code });
      expect(verified).toMatchObject({ genuine: true, mayOperate: false, valid: false, metadata: undefined });
      expect(verified.mayOperateReasons).toEqual([
        expect.objectContaining({
          code: R.VERIFICATION_REASON_REQUIRED_COMPONENT_NOT_VALID,
          componentTypeCode: '',
          componentStatus: S.LICENCE_STATUS_UNSPECIFIED,
        }),
      ]);
    });

    it('CheckLicences: the platform sees status VALID but may_operate false, with the reason', async () => {
      const checked = await hub.call<consentV1.CheckLicencesResponse>(
        'checkLicences',
        {
          holders: [{ code: CINEMA, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC }],
          typeCodes: [TYPE_CODES.INDUSTRY_LICENCE],
          purpose: 'merchant-onboarding',
        },
        PLATFORM,
      );
      expect(checked.results[0]?.licences).toEqual([
        expect.objectContaining({
          typeCode: TYPE_CODES.INDUSTRY_LICENCE,
          status: S.LICENCE_STATUS_VALID,
          genuine: true,
          genuineReasons: [],
          mayOperate: false,
          mayOperateReasons: [
            expect.objectContaining({
              code: R.VERIFICATION_REASON_REQUIRED_COMPONENT_NOT_VALID,
              componentTypeCode: TYPE_CODES.PUBLIC_HYGIENE,
              componentStatus: S.LICENCE_STATUS_SUSPENDED,
            }),
          ],
        }),
      ]);
    });

    it('the certificate.verified event records both answers', async () => {
      await verify({ $case: 'qrPayload', value: licence.qrPayload });
      const { rows } = await hub.db.query<{ body: Buffer }>(
        `SELECT body FROM certificate.outbox WHERE type = 'certificate.verified' ORDER BY position DESC LIMIT 1`,
      );
      const body = certificateEventsV1.CertificateVerified.decode(rows[0]!.body);
      expect(body).toMatchObject({ valid: false, genuine: true, mayOperate: false });
    });

    it('once the permit is resumed, the holder may operate again', async () => {
      await hub.call('resumeCertificate', { id: hygiene.id, reason: '整改合格' }, HEALTH);
      expect(await verify({ $case: 'qrPayload', value: licence.qrPayload })).toMatchObject({
        genuine: true,
        mayOperate: true,
        valid: true,
      });
    });
  });

  it('a tampered QR text is not genuine, so nobody may operate under it', async () => {
    const text = licence.qrPayload;
    const tampered = `${text.slice(0, 40)}${text[40] === 'A' ? 'B' : 'A'}${text.slice(41)}`;
    const verified = await verify({ $case: 'qrPayload', value: tampered });
    expect(verified).toMatchObject({ genuine: false, mayOperate: false, valid: false });
    expect(verified.genuineReasons.length).toBeGreaterThan(0);
    expect(verified.mayOperateReasons.map((r) => r.code)).toEqual([R.VERIFICATION_REASON_NOT_GENUINE]);
  });
});
