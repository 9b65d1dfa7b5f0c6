import { describe, expect, it } from 'vitest';
import { assertWithinJurisdiction, DEMO_PORTAL, divisionCovers, PUTUO_MARKET_REGULATION } from './departments.js';

describe('a department issues only within its jurisdiction', () => {
  it.each([
    ['310107', '310107', true],
    ['310107', '310106', false],
    ['310107', '110101', false],
    ['310100', '310107', true],
    ['310000', '310230', true],
    ['310000', '110101', false],
  ])('a department of %s covers %s: %s', (own, division, covered) => {
    expect(divisionCovers(own, division)).toBe(covered);
  });

  it('lets Putuo issue under its own division code', () => {
    expect(() => assertWithinJurisdiction(PUTUO_MARKET_REGULATION, '310107')).not.toThrow();
  });

  it('refuses Putuo issuing for 110101 (Dongcheng, Beijing) with CERT_OUTSIDE_JURISDICTION on the division', () => {
    expect(() => assertWithinJurisdiction(PUTUO_MARKET_REGULATION, '110101')).toThrow(
      expect.objectContaining({
        code: 'CERT_OUTSIDE_JURISDICTION',
        details: expect.objectContaining({ fields: [expect.objectContaining({ field: 'division' })] }),
      }),
    );
  });

  it('lets a city-level body act for any of its districts', () => {
    expect(() => assertWithinJurisdiction(DEMO_PORTAL, '310107')).not.toThrow();
  });
});
