import { validateLicenceId } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_CODE, enterprise, FOOD, person, thrown, type } from '../../test/fixtures.js';
import { TYPE_CODES } from './catalogue.js';
import { PUTUO_MARKET_REGULATION } from './departments.js';
import { licenceIdentifier, licenceNumber, MAX_SEQUENCE, numberScope } from './licence-number.js';

describe('licence numbers', () => {
  it('are prefix, division, year and a 6-digit sequence', () => {
    const number = licenceNumber({ type: FOOD, holder: enterprise(), division: '310107', year: 2025, sequence: 42 });
    expect(number).toBe('JY3101072025000042');
    expect(numberScope(FOOD, '310107', 2025)).toBe(`${TYPE_CODES.FOOD_BUSINESS}:310107:2025`);
  });

  it('are the holder credit code for a business licence, which needs no counter', () => {
    const business = type(TYPE_CODES.BUSINESS_LICENCE);
    expect(licenceNumber({ type: business, holder: enterprise(), division: '310107', year: 2025, sequence: 0 })).toBe(
      ENTERPRISE_CODE,
    );
    expect(numberScope(business, '310107', 2025)).toBeUndefined();
    const personal = () =>
      licenceNumber({ type: business, holder: person(), division: '310107', year: 2025, sequence: 0 });
    expect(thrown(personal)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('stop at the end of the sequence space', () => {
    const at = (sequence: number) => () =>
      licenceNumber({ type: FOOD, holder: enterprise(), division: '310107', year: 2025, sequence });
    expect(at(MAX_SEQUENCE)()).toBe('JY3101072025999999');
    expect(thrown(at(MAX_SEQUENCE + 1))).toMatchObject({ code: 'CERT_NUMBER_EXHAUSTED' });
    expect(thrown(at(0))).toMatchObject({ code: 'CERT_NUMBER_EXHAUSTED' });
  });
});

describe('licence identifiers', () => {
  it('carry type, issuer, number, a 3-digit version and a valid check character', () => {
    const id = licenceIdentifier({
      typeCode: TYPE_CODES.FOOD_BUSINESS,
      issuerCode: PUTUO_MARKET_REGULATION.code,
      number: 'JY3101072025000042',
      version: 2,
    });
    expect(
      id.startsWith(
        `1.2.156.3005.2.${TYPE_CODES.FOOD_BUSINESS}.${PUTUO_MARKET_REGULATION.code}.JY3101072025000042.002.`,
      ),
    ).toBe(true);
    expect(validateLicenceId(id).ok).toBe(true);
  });
});
