import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { DEMO_PLATFORM, DEMO_PORTAL, PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { CITIZEN_ID, ENTERPRISE_CODE, FOOD_FIELDS, OTHER_ENTERPRISE_CODE } from './fixtures.js';
import { type Harness, holderRef, type Identity, refused, startHarness } from './service-harness.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const PORTAL: Identity = { code: DEMO_PORTAL.code, role: 'portal' };
const PLATFORM: Identity = { code: DEMO_PLATFORM.code, role: 'platform' };
const HEALTH: Identity = { code: PUTUO_HEALTH.code };
const AUDITOR: Identity = { code: 'AUDITOR-1', role: 'auditor' };

describe('GetCertificate by licence number, ListDepartments, ListHolderCertificates on PostgreSQL and Kafka', () => {
  let hub: Harness;

  beforeAll(async () => {
    hub = await startHarness();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  async function issueFood(holder = ENTERPRISE_CODE, codeType: '001' | '111' = '001'): Promise<cv.Certificate> {
    const request = cv.IssueCertificateRequest.fromPartial({
      typeCode: TYPE_CODES.FOOD_BUSINESS,
      holder: holderRef(holder, codeType === '001' ? '上海普陀小笼包餐饮有限公司' : '张小明', codeType),
      fields: FOOD_FIELDS,
    });
    return (await hub.call<cv.IssueCertificateResponse>('issueCertificate', request, MARKET)).certificate!;
  }

  const get = (ref: cv.GetCertificateRequest['ref'], typeCode = '') =>
    hub.call<cv.GetCertificateResponse>('getCertificate', { ref, typeCode }, MARKET);

  describe('when a licence is looked up by the number its paper shows', () => {
    it('answers its current version, after a change as before', async () => {
      const first = await issueFood();
      const number = first.metadata!.number;
      expect((await get({ $case: 'number', value: number })).certificate?.id).toBe(first.id);
      const changed = await hub.call<cv.ChangeCertificateResponse>(
        'changeCertificate',
        { id: first.id, fields: { premises: '上海市普陀区长寿路200号' }, reason: '地址变更' },
        MARKET,
      );
      const byNumber = await get({ $case: 'number', value: number }, TYPE_CODES.FOOD_BUSINESS);
      expect(byNumber.certificate?.id).toBe(changed.certificate!.id);
      expect(byNumber.history.map((h) => h.version)).toEqual([1, 2]);
    });

    it('answers CERT_NOT_FOUND for an unknown number and a coded field error for an empty one', async () => {
      expect(await refused(get({ $case: 'number', value: 'JY3101079999999999' }))).toMatchObject({
        code: 'CERT_NOT_FOUND',
      });
      expect(await refused(get({ $case: 'number', value: '  ' }))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        fields: [expect.objectContaining({ field: 'number', reason: 'REQUIRED' })],
      });
    });
  });

  it('lists every known body with its role, to any caller', async () => {
    const { departments } = await hub.call<cv.ListDepartmentsResponse>('listDepartments', {}, PLATFORM);
    const byCode = new Map(departments.map((d) => [d.code, d]));
    expect(byCode.get(PUTUO_MARKET_REGULATION.code)).toMatchObject({ role: 'department', division: '310107' });
    expect(byCode.get(DEMO_PLATFORM.code)?.role).toBe('platform');
    expect(byCode.get(DEMO_PORTAL.code)?.role).toBe('portal');
  });

  describe("a holder's certificates", () => {
    const list = (code: string, type: HolderCodeType, as: Identity = PORTAL) =>
      hub.call<cv.ListHolderCertificatesResponse>(
        'listHolderCertificates',
        { holderCode: code, holderCodeType: type },
        as,
      );

    it('lists the current versions a credit code holds, and nothing of another holder', async () => {
      const held = await issueFood(OTHER_ENTERPRISE_CODE);
      const { certificates } = await list(OTHER_ENTERPRISE_CODE, HolderCodeType.HOLDER_CODE_TYPE_USCC);
      expect(certificates.map((c) => c.id)).toEqual([held.id]);
      expect(certificates.every((c) => c.supersededById === '')).toBe(true);
    });

    it('finds a person by citizen ID and answers only the mask', async () => {
      const held = await issueFood(CITIZEN_ID, '111');
      const response = await list(CITIZEN_ID, HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID, MARKET);
      expect(response.certificates.map((c) => c.id)).toEqual([held.id]);
      expect(JSON.stringify(cv.ListHolderCertificatesResponse.toJSON(response))).not.toContain(CITIZEN_ID);
    });

    it('lists only the certificates whose face the caller may see: another department gets none of the market’s', async () => {
      const held = await issueFood(OTHER_ENTERPRISE_CODE);
      const ids = async (as: Identity) =>
        (await list(OTHER_ENTERPRISE_CODE, HolderCodeType.HOLDER_CODE_TYPE_USCC, as)).certificates.map((c) => c.id);
      expect(await ids(HEALTH)).toEqual([]);
      expect(await ids(MARKET)).toContain(held.id);
      expect(await ids(AUDITOR)).toContain(held.id);
      expect(await ids(PORTAL)).toContain(held.id);
    });

    it('refuses a platform, and a code with a wrong check character, changing nothing', async () => {
      expect(await refused(list(ENTERPRISE_CODE, HolderCodeType.HOLDER_CODE_TYPE_USCC, PLATFORM))).toMatchObject({
        code: 'PERMISSION_DENIED',
      });
      const bad = `${ENTERPRISE_CODE.slice(0, 17)}${ENTERPRISE_CODE.endsWith('0') ? '1' : '0'}`;
      expect(await refused(list(bad, HolderCodeType.HOLDER_CODE_TYPE_USCC))).toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });
});
