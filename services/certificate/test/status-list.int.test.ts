import { certificateV1 as cv } from '@onceonly/contracts';
import { parseCompactJws, parseTrustBundle, verifySealedJws } from '@onceonly/seal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import {
  DEMO_PLATFORM,
  PUTUO_CULTURE_TOURISM,
  PUTUO_MARKET_REGULATION,
  PUTUO_SERVICE_CENTRE,
} from '../src/domain/departments.js';
import { decodeStatusList, readStatusBit } from '../src/domain/status-list.js';
import { CITIZEN_ID, ENTERPRISE_CODE, FOOD_FIELDS, OTHER_ENTERPRISE_CODE } from './fixtures.js';
import { type Harness, holderRef, type Identity, refused, startHarness } from './service-harness.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const CULTURE: Identity = { code: PUTUO_CULTURE_TOURISM.code };
const CENTRE: Identity = { code: PUTUO_SERVICE_CENTRE.code };
const R = cv.VerificationReason;
const S = cv.LicenceStatus;

describe('status lists and industry licences', () => {
  let hub: Harness;

  beforeAll(async () => {
    hub = await startHarness();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  async function issue(as: Identity, typeCode: string, fields: Record<string, string>, holder = ENTERPRISE_CODE) {
    const response = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      { typeCode, holder: holderRef(holder, '上海真北便利店有限公司'), fields },
      as,
    );
    return response.certificate!;
  }
  const food = (holder = ENTERPRISE_CODE) => issue(MARKET, TYPE_CODES.FOOD_BUSINESS, FOOD_FIELDS, holder);
  const liquor = (holder = ENTERPRISE_CODE) =>
    issue(
      MARKET,
      TYPE_CODES.LIQUOR_RETAIL,
      { legal_representative: '王芳', premises: '上海市普陀区真北路1号' },
      holder,
    );
  const publications = () =>
    issue(CULTURE, TYPE_CODES.PUBLICATIONS, {
      legal_representative: '王芳',
      premises: '上海市普陀区真北路1号',
      business_mode: '零售',
      business_scope: '图书、报纸、期刊零售',
    });

  async function statusList(issuer: string, purpose: cv.StatusPurpose) {
    return hub.call<cv.GetStatusListResponse>('getStatusList', { issuerCode: issuer, purpose, listNumber: 0 }, MARKET);
  }

  /** The bit of a certificate in a list, read from the sealed credential after checking its seal. */
  async function bitOf(certificate: cv.Certificate, purpose: cv.StatusPurpose): Promise<boolean> {
    const list = await statusList(certificate.metadata!.issuerCode, purpose);
    const sealed = await verifySealedJws(list.jws, {
      trustBundle: parseTrustBundle(await hub.seals.trustBundle()),
      typ: 'vc+jwt',
      at: hub.clock(),
    });
    expect(sealed.reasons).toEqual([]);
    const { iat: _iat, ...credential } = sealed.payload!;
    expect(credential).toEqual(JSON.parse(list.credentialJson));
    const subject = credential.credentialSubject as { encodedList: string; statusPurpose: string };
    const entry = certificate.statusListEntries.find((e) => e.purpose === purpose)!;
    expect(entry.statusListCredential).toBe((credential as { id: string }).id);
    return readStatusBit(decodeStatusList(subject.encodedList), Number(entry.statusListIndex));
  }

  it('the issuer’s sealed status list sets the revocation bit of a revoked certificate and no other', async () => {
    const kept = await food();
    const revoked = await food();
    expect(await bitOf(revoked, cv.StatusPurpose.STATUS_PURPOSE_REVOCATION)).toBe(false);
    await hub.call(
      'revokeCertificate',
      {
        id: revoked.id,
        kind: cv.RevocationKind.REVOCATION_KIND_WITHDRAWN,
        reason: '虚假承诺',
        legalBasis: '《行政许可法》第六十九条',
      },
      MARKET,
    );
    expect(await bitOf(revoked, cv.StatusPurpose.STATUS_PURPOSE_REVOCATION)).toBe(true);
    expect(await bitOf(kept, cv.StatusPurpose.STATUS_PURPOSE_REVOCATION)).toBe(false);
    expect(await bitOf(revoked, cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION)).toBe(false);
  });

  it('the suspension list sets the bit while suspended and clears it on resume', async () => {
    const certificate = await food();
    await hub.call(
      'suspendCertificate',
      { id: certificate.id, reason: '停业整顿', legalBasis: '《食品安全法》' },
      MARKET,
    );
    expect(await bitOf(certificate, cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION)).toBe(true);
    await hub.call('resumeCertificate', { id: certificate.id }, MARKET);
    expect(await bitOf(certificate, cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION)).toBe(false);
  });

  it('refuses a status list of a body that issues nothing, or without a purpose', async () => {
    expect((await refused(statusList(DEMO_PLATFORM.code, cv.StatusPurpose.STATUS_PURPOSE_REVOCATION))).code).toBe(
      'NOT_FOUND',
    );
    const error = await refused(statusList(PUTUO_MARKET_REGULATION.code, cv.StatusPurpose.STATUS_PURPOSE_UNSPECIFIED));
    expect(error.fields.map((f) => f.field)).toEqual(['purpose']);
  });

  describe('an industry licence (行业综合许可证)', () => {
    it('bundles the permits under the centre’s industry-licence seal; a revoked component shows as revoked, the others stay valid', async () => {
      const [f, l, p] = [await food(), await liquor(), await publications()];
      const issued = await hub.call<cv.IssueIndustryLicenceResponse>(
        'issueIndustryLicence',
        {
          holder: holderRef(ENTERPRISE_CODE, '上海真北便利店有限公司'),
          industryCode: 'convenience-store',
          componentCertificateIds: [f.id, l.id, p.id],
          fields: { legal_representative: '王芳', premises: '上海市普陀区真北路1号' },
        },
        CENTRE,
      );
      const licence = issued.certificate!;
      expect(issued.holderDigestSalt).toBe('');
      expect(licence.metadata).toMatchObject({
        typeCode: TYPE_CODES.INDUSTRY_LICENCE,
        issuerCode: PUTUO_SERVICE_CENTRE.code,
      });
      expect(licence.sealKid).toBe(hub.seals.signers.get(PUTUO_SERVICE_CENTRE.code)!.kid);
      expect(licence.industry?.components.map((c) => c.certificateId)).toEqual([f.id, l.id, p.id]);
      const { createHash } = await import('node:crypto');
      expect(licence.industry?.components[0]?.digest).toBe(createHash('sha256').update(f.jws).digest('base64url'));
      expect(licence.qrPayload.length).toBeLessThan(1_500);

      await hub.call(
        'revokeCertificate',
        {
          id: l.id,
          kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
          reason: '违规售酒',
          legalBasis: '《酒类商品零售许可办法》',
        },
        MARKET,
      );
      const got = await hub.call<cv.GetCertificateResponse>(
        'getCertificate',
        { ref: { $case: 'id', value: licence.id } },
        CENTRE,
      );
      expect(got.certificate?.industry?.components.map((c) => c.status)).toEqual([
        S.LICENCE_STATUS_VALID,
        S.LICENCE_STATUS_REVOKED,
        S.LICENCE_STATUS_VALID,
      ]);
      expect(got.certificate?.industry?.overallStatus).toBe(
        cv.IndustryLicenceStatus.INDUSTRY_LICENCE_STATUS_PARTIALLY_VALID,
      );

      const verified = await hub.call<cv.VerifyCertificateResponse>(
        'verifyCertificate',
        { subject: { $case: 'qrPayload', value: licence.qrPayload } },
        MARKET,
      );
      expect(verified).toMatchObject({ valid: true, reasons: [R.VERIFICATION_REASON_COMPONENT_NOT_VALID] });
      expect(verified.industry?.components.find((c) => c.certificateId === l.id)?.status).toBe(
        S.LICENCE_STATUS_REVOKED,
      );
      expect(verified.industry?.components.find((c) => c.certificateId === f.id)?.status).toBe(S.LICENCE_STATUS_VALID);
      // the components themselves verify on their own
      const foodCheck = await hub.call<cv.VerifyCertificateResponse>(
        'verifyCertificate',
        { subject: { $case: 'id', value: f.id } },
        MARKET,
      );
      expect(foodCheck.valid).toBe(true);
    });

    it('for a citizen holder, returns the holder digest salt in the response field', async () => {
      const person = holderRef(CITIZEN_ID, '张小明', '111');
      const component = await hub.call<cv.IssueCertificateResponse>(
        'issueCertificate',
        { typeCode: TYPE_CODES.FOOD_BUSINESS, holder: person, fields: FOOD_FIELDS },
        MARKET,
      );
      const { response, metadata } = await hub.callWithMetadata<cv.IssueIndustryLicenceResponse>(
        'issueIndustryLicence',
        {
          holder: person,
          industryCode: 'bakery',
          componentCertificateIds: [component.certificate!.id],
          fields: { legal_representative: '张小明', premises: '上海市普陀区真北路1号' },
        },
        CENTRE,
      );
      const salt = response.holderDigestSalt;
      expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
      expect(salt).not.toBe(component.holderDigestSalt);
      expect(Object.keys(metadata.getMap()).filter((k) => k.includes('salt'))).toEqual([]);
      const { createHash } = await import('node:crypto');
      const digest = createHash('sha256').update(Buffer.from(salt, 'base64url')).update(CITIZEN_ID).digest('base64url');
      expect(parseCompactJws(response.certificate!.jws).payload.holderDigest).toBe(digest);
      expect(hub.logText()).not.toContain(salt);
    });

    it('follows a changed component to its current version', async () => {
      const f = await food();
      const issued = await hub.call<cv.IssueIndustryLicenceResponse>(
        'issueIndustryLicence',
        {
          holder: holderRef(ENTERPRISE_CODE, '上海真北便利店有限公司'),
          industryCode: 'bakery',
          componentCertificateIds: [f.id],
          fields: { legal_representative: '王芳', premises: '上海市普陀区真北路1号' },
        },
        CENTRE,
      );
      const changed = await hub.call<cv.ChangeCertificateResponse>(
        'changeCertificate',
        { id: f.id, fields: { premises: '上海市普陀区真北路2号' } },
        MARKET,
      );
      const got = await hub.call<cv.GetCertificateResponse>(
        'getCertificate',
        { ref: { $case: 'id', value: issued.certificate!.id } },
        CENTRE,
      );
      expect(got.certificate?.industry?.components[0]).toMatchObject({
        status: S.LICENCE_STATUS_VALID,
        currentCertificateId: changed.certificate!.id,
      });
    });

    it('refuses components of another holder, of the wrong industry, or a caller that is not the service centre; writes nothing', async () => {
      const mine = await food();
      const theirs = await food(OTHER_ENTERPRISE_CODE);
      const l = await liquor();
      const request = (ids: string[]) => ({
        holder: holderRef(ENTERPRISE_CODE, '上海真北便利店有限公司'),
        industryCode: 'bakery',
        componentCertificateIds: ids,
        fields: { legal_representative: '王芳', premises: '上海市普陀区真北路1号' },
      });
      const before = await hub.counts();
      expect((await refused(hub.call('issueIndustryLicence', request([theirs.id]), CENTRE))).code).toBe(
        'CERT_HOLDER_MISMATCH',
      );
      expect((await refused(hub.call('issueIndustryLicence', request([mine.id, l.id]), CENTRE))).code).toBe(
        'INDUSTRY_COMPONENTS_INVALID',
      );
      expect((await refused(hub.call('issueIndustryLicence', request([mine.id]), MARKET))).code).toBe(
        'CERT_TYPE_NOT_AUTHORISED',
      );
      expect(
        (await refused(hub.call('issueIndustryLicence', { ...request([mine.id]), industryCode: 'spaceport' }, CENTRE)))
          .code,
      ).toBe('INDUSTRY_UNKNOWN');
      expect(await hub.counts()).toEqual(before);
    });
  });
});
