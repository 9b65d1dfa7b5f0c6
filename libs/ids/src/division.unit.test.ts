import { describe, expect, it } from 'vitest';
import { divisionName, PROVINCE_CODES, parseDivision, SHANGHAI_DIVISIONS, validateDivision } from './index.js';

describe('SHANGHAI_DIVISIONS', () => {
  it('lists the city and its 16 districts, each a valid division code', () => {
    expect(SHANGHAI_DIVISIONS).toHaveLength(17);
    expect(SHANGHAI_DIVISIONS.filter((d) => d.code !== '310000')).toHaveLength(16);
    for (const d of SHANGHAI_DIVISIONS) expect(validateDivision(d.code)).toEqual({ ok: true, value: d.code });
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(SHANGHAI_DIVISIONS)).toBe(true);
    expect(Object.isFrozen(SHANGHAI_DIVISIONS[0])).toBe(true);
    expect(Object.isFrozen(PROVINCE_CODES)).toBe(true);
  });
});

describe('divisionName', () => {
  it.each([
    ['310000', '上海市', 'Shanghai'],
    ['310107', '普陀区', 'Putuo District'],
    ['310110', '杨浦区', 'Yangpu District'],
    ['310115', '浦东新区', 'Pudong New Area'],
    ['310151', '崇明区', 'Chongming District'],
  ])('names %s', (code, zh, en) => {
    expect(divisionName(code)).toBe(zh);
    expect(divisionName(code, 'en')).toBe(en);
  });

  it('knows no division outside the table', () => {
    expect(divisionName('310108')).toBeUndefined();
    expect(divisionName('110105')).toBeUndefined();
  });
});

describe('validateDivision', () => {
  it('accepts any well-formed code of a real province, also abolished ones', () => {
    expect(validateDivision('110105').ok).toBe(true);
    expect(validateDivision('310108').ok).toBe(true); // 闸北区, merged into 静安区 in 2015
    expect(validateDivision('820000').ok).toBe(true);
    expect(validateDivision('５００１０１')).toEqual({ ok: true, value: '500101' });
  });

  it.each([
    ['', 'EMPTY'],
    ['31010', 'LENGTH'],
    ['3101070', 'LENGTH'],
    ['31010A', 'ALPHABET'],
    ['100000', 'DIVISION'],
    ['830000', 'DIVISION'],
    ['000000', 'DIVISION'],
  ] as const)('rejects %j with %s', (input, reason) => {
    expect(validateDivision(input)).toMatchObject({ ok: false, reason });
    expect(() => parseDivision(input)).toThrow(expect.objectContaining({ kind: 'division', reason }));
  });

  it('has 34 province-level codes', () => {
    expect(PROVINCE_CODES).toHaveLength(34);
    expect(new Set(PROVINCE_CODES).size).toBe(34);
  });
});
