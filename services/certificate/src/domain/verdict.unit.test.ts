import { describe, expect, it } from 'vitest';
import { foodLicence, MARKET, NOW } from '../../test/fixtures.js';
import { TYPE_CODES } from './catalogue.js';
import type { ComponentView, IndustryView } from './industry.js';
import { LicenceStatus } from './lifecycle-codes.js';
import { suspend } from './status-changes.js';
import { componentFindings, findingWords, REASON_WORDS, recordVerdict, verdictOf } from './verdict.js';
import { VERIFICATION_REASONS } from './verification.js';

/** A cinema's industry licence: film screening and public-place hygiene required, food optional. */
function cinema(statuses: { film?: LicenceStatus; hygiene?: LicenceStatus; food?: LicenceStatus }): IndustryView {
  const component = (typeCode: string, typeName: string, status: LicenceStatus, required: boolean): ComponentView => ({
    certificateId: typeCode,
    identifier: typeCode,
    typeCode,
    typeName,
    number: 'N',
    issuerCode: 'I',
    issuerName: 'issuer',
    digest: 'd',
    status,
    required,
  });
  return {
    industryCode: 'cinema',
    overall: 'partially-valid',
    components: [
      component(TYPE_CODES.FILM_SCREENING, '电影放映经营许可证', statuses.film ?? LicenceStatus.VALID, true),
      component(TYPE_CODES.PUBLIC_HYGIENE, '公共场所卫生许可证', statuses.hygiene ?? LicenceStatus.VALID, true),
      component(TYPE_CODES.FOOD_BUSINESS, '食品经营许可证', statuses.food ?? LicenceStatus.VALID, false),
    ],
  };
}

describe('the two answers: genuine and may operate', () => {
  it('a genuine licence in force: genuine, may operate, valid, no reasons', () => {
    expect(verdictOf({ reasons: [] })).toEqual({
      genuine: true,
      genuineFindings: [],
      mayOperate: true,
      operationFindings: [],
      valid: true,
      reasons: [],
    });
  });

  describe('when a required component of an industry licence is suspended (a cinema’s hygiene permit)', () => {
    const verdict = verdictOf({ reasons: [], components: componentFindings(cinema({ hygiene: '02' })) });

    it('is genuine, but the holder may not operate, and the deprecated valid is false', () => {
      expect(verdict).toMatchObject({ genuine: true, mayOperate: false, valid: false });
      expect(verdict.reasons).toEqual(['REQUIRED_COMPONENT_NOT_VALID']);
    });

    it('names the component and its status, in Chinese and English', () => {
      expect(verdict.operationFindings).toEqual([
        {
          code: 'REQUIRED_COMPONENT_NOT_VALID',
          warning: false,
          component: { typeCode: TYPE_CODES.PUBLIC_HYGIENE, typeName: '公共场所卫生许可证', status: '02' },
        },
      ]);
      const words = findingWords(verdict.operationFindings[0]!);
      expect(words.zh).toBe('必备许可“公共场所卫生许可证”状态为暂扣：不得凭本证经营');
      expect(words.en).toContain('“Public place hygiene licence” is suspended');
    });
  });

  it('an optional component not valid is a warning: the holder may operate (not that activity)', () => {
    const verdict = verdictOf({ reasons: [], components: componentFindings(cinema({ food: '07' })) });
    expect(verdict).toMatchObject({ genuine: true, mayOperate: true, valid: true });
    expect(verdict.operationFindings).toMatchObject([{ code: 'COMPONENT_NOT_VALID', warning: true }]);
    expect(findingWords(verdict.operationFindings[0]!).zh).toContain('不得从事该项经营');
  });

  it('a forged or tampered document is not genuine, and so nobody may operate under it', () => {
    const verdict = verdictOf({ reasons: ['SIGNATURE_INVALID'] });
    expect(verdict).toMatchObject({ genuine: false, mayOperate: false, valid: false });
    expect(verdict.genuineFindings).toEqual([{ code: 'SIGNATURE_INVALID', warning: false }]);
    expect(verdict.operationFindings).toEqual([{ code: 'NOT_GENUINE', warning: false }]);
  });

  it('a revoked licence is genuine; the holder may not operate', () => {
    expect(verdictOf({ reasons: ['REVOKED'] })).toMatchObject({
      genuine: true,
      mayOperate: false,
      operationFindings: [{ code: 'REVOKED', warning: false }],
    });
  });

  it('an open dispute is a warning on may operate', () => {
    expect(verdictOf({ reasons: ['DISPUTED'] })).toMatchObject({ mayOperate: true, valid: true });
  });

  it('offline: an unchecked live status leaves may operate unestablished, but not the deprecated valid', () => {
    const verdict = verdictOf({ reasons: ['STATUS_UNCHECKED', 'COMPONENTS_UNCHECKED'] });
    expect(verdict).toMatchObject({ genuine: true, mayOperate: false, valid: true });
  });

  it('a trust list only warned about is a warning on genuine; refused, it is a reason', () => {
    expect(verdictOf({ reasons: [], warnings: ['TRUST_LIST_STALE'] })).toMatchObject({
      genuine: true,
      genuineFindings: [{ code: 'TRUST_LIST_STALE', warning: true }],
      mayOperate: true,
    });
    expect(verdictOf({ reasons: ['TRUST_LIST_STALE'] })).toMatchObject({ genuine: false, mayOperate: false });
  });

  it('every reason has words in both languages', () => {
    for (const reason of VERIFICATION_REASONS) {
      expect(REASON_WORDS[reason].zh, reason).not.toBe('');
      expect(REASON_WORDS[reason].en, reason).not.toBe('');
    }
  });
});

describe('the answers about a recorded licence (CheckLicences)', () => {
  it('a suspended licence: genuine, may not operate', () => {
    const state = suspend(foodLicence(), { actor: MARKET, reason: '整改', legalBasis: '食品安全法' }, NOW).certificate;
    expect(recordVerdict({ state, now: NOW })).toMatchObject({
      genuine: true,
      mayOperate: false,
      reasons: ['SUSPENDED'],
    });
  });

  it('a licence sealed at or after its seal’s compromise is not genuine; sealed before, it is', () => {
    const state = foodLicence();
    const at = new Date(NOW.getTime() - 1000);
    expect(recordVerdict({ state, now: NOW, sealedAt: NOW, sealRevokedAt: at })).toMatchObject({
      genuine: false,
      reasons: ['SEAL_REVOKED'],
    });
    expect(recordVerdict({ state, now: NOW, sealedAt: at, sealRevokedAt: NOW })).toMatchObject({
      genuine: true,
      mayOperate: true,
    });
  });

  it('an industry licence with a required component revoked', () => {
    const state = foodLicence();
    expect(recordVerdict({ state, now: NOW, industry: cinema({ film: '07' }) })).toMatchObject({
      genuine: true,
      mayOperate: false,
      reasons: ['REQUIRED_COMPONENT_NOT_VALID'],
    });
  });
});
