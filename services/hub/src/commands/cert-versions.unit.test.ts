import { consentV1, certificateV1 as cv } from '@onceonly/certificate/client';
import { describe, expect, it } from 'vitest';
import { disputeText, newVersionText, resolutionOf } from './cert-versions.js';
import { checkText, consentLine } from './consent.js';

describe('dispute resolve arguments', () => {
  it('rejects with --reject', () => {
    expect(resolutionOf({ reject: 'no error found' })).toEqual({
      $case: 'reject',
      value: { reason: 'no error found' },
    });
  });

  it('corrects with --fields, --clear and --holder-name', () => {
    const resolution = resolutionOf({ fields: '{"premises":"长寿路200号"}', clear: 'a, b', holderName: '新名' });
    expect(resolution).toMatchObject({
      $case: 'correct',
      value: { fields: { premises: '长寿路200号' }, clearFields: ['a', 'b'], holderName: '新名' },
    });
  });

  it.each([[{}], [{ reject: 'r', holderName: 'n' }]])('refuses neither or both resolutions (%o)', (opts) => {
    expect(() => resolutionOf(opts)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('formatters', () => {
  it('names an open dispute with its fields and who raised it', () => {
    const dispute = cv.Dispute.fromPartial({ id: 'd1', claim: '地址有误', fieldKeys: ['premises'], open: true });
    expect(disputeText(dispute)).toMatch(/^dispute d1 open on premises: 地址有误/);
    expect(disputeText(undefined)).toBe('no dispute');
  });

  it('says which version a new version supersedes', () => {
    const certificate = cv.Certificate.fromPartial({ id: 'v2', version: 2 });
    const previous = cv.Certificate.fromPartial({ id: 'v1', version: 1 });
    expect(newVersionText({ certificate, previous })).toMatch(/\(supersedes v1 v1\)$/);
  });

  it('shows a consent with its masked holder, platform, types and end', () => {
    const consent = consentV1.Consent.fromPartial({
      id: 'c1',
      status: consentV1.ConsentStatus.CONSENT_STATUS_ACTIVE,
      holder: { holderCodeMasked: '310107********1239' },
      platformCode: 'P',
      platformName: 'Platform',
      typeCodes: ['T1', 'T2'],
      purpose: 'merchant-onboarding',
      expiresAt: '2027-01-31T00:00:00.000Z',
    });
    expect(consentLine(consent)).toBe(
      'c1  active   310107********1239  P (Platform)  T1,T2  merchant-onboarding  until 2027-01-31T00:00:00.000Z',
    );
  });

  it('shows each holder of a platform check with its licences and refusals', () => {
    const response = consentV1.CheckLicencesResponse.fromPartial({
      checkedAt: '2026-12-04T00:00:00Z',
      results: [
        {
          index: 0,
          holderCodeMasked: 'H',
          licences: [
            {
              typeCode: 'T1',
              typeName: '食品经营许可证',
              number: 'N1',
              status: cv.LicenceStatus.LICENCE_STATUS_VALID,
              genuine: true,
              mayOperate: true,
            },
          ],
          refused: [{ typeCode: 'T2', reason: consentV1.ConsentRefusal.CONSENT_REFUSAL_NO_CONSENT }],
        },
      ],
    });
    expect(checkText(response).split('\n')).toEqual([
      '#0 H',
      '  T1 食品经营许可证 N1 valid  .. 长期  may operate',
      '  T2 refused: NO_CONSENT',
      'checked at 2026-12-04T00:00:00Z',
    ]);
  });
});
