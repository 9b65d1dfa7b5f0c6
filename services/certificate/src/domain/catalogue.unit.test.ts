import { formatLicenceId, validateLicenceId, validateUscc } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import {
  CERTIFICATE_TYPES,
  DEFINING_BODIES,
  findType,
  INDUSTRY_NAMES_ZH,
  requireType,
  TYPE_CODES,
} from './catalogue.js';
import { DEMO_DEPARTMENTS, issuersOfKind, PUTUO_SERVICE_CENTRE } from './departments.js';
import { componentTypesOf, INDUSTRIES, requireIndustry } from './industries.js';

describe('the certificate type catalogue', () => {
  it('seeds the nine types of the issue', () => {
    expect(CERTIFICATE_TYPES.map((t) => t.nameZh)).toEqual([
      '营业执照',
      '食品经营许可证',
      '酒类商品零售许可证',
      '公共场所卫生许可证',
      '出版物经营许可证',
      '药品经营许可证',
      '电影放映经营许可证',
      '互联网上网服务营业场所经营许可证',
      '行业综合许可证',
    ]);
  });

  it('names every defining body with a valid credit code', () => {
    for (const code of Object.values(DEFINING_BODIES)) expect(validateUscc(code).ok, code).toBe(true);
    expect(DEFINING_BODIES.SAMR).toBe('11100000000013338W');
  });

  it.each(CERTIFICATE_TYPES)('$nameZh has a well-formed, unique type code', (type) => {
    expect(type.typeCode).toMatch(/^[0-9A-Z]{18}\d{3}$/);
    expect(validateUscc(type.typeCode.slice(0, 18)).ok).toBe(true);
    expect(CERTIFICATE_TYPES.filter((t) => t.typeCode === type.typeCode)).toHaveLength(1);
    const id = formatLicenceId({
      typeCode: type.typeCode,
      issuerCode: DEMO_DEPARTMENTS[0]!.code,
      number: 'A1',
      version: 1,
    });
    expect(validateLicenceId(id).ok).toBe(true);
  });

  it.each(CERTIFICATE_TYPES)('$nameZh has a coherent face schema', (type) => {
    const keys = type.fields.map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const spec of type.fields) {
      expect(spec.key).toMatch(/^[a-z][a-z0-9_]*$/);
      if (spec.type === 'enum') expect(spec.enumValues?.length ?? 0).toBeGreaterThan(0);
      if (spec.pattern !== undefined) expect(() => new RegExp(spec.pattern!, 'u')).not.toThrow();
    }
    expect(type.fields.some((f) => f.required)).toBe(true);
  });

  it.each(CERTIFICATE_TYPES)('$nameZh is issued by a demo department', (type) => {
    expect(issuersOfKind(type.issuerKind).length).toBeGreaterThan(0);
  });

  it('gives business licences no end and numbers them by the holder code', () => {
    const licence = requireType(TYPE_CODES.BUSINESS_LICENCE);
    expect(licence.validity).toEqual({ kind: 'long-term' });
    expect(licence.numbering).toEqual({ kind: 'holder-code' });
  });

  it('has the service centre issue industry licences, valid as long as their components', () => {
    const industry = requireType(TYPE_CODES.INDUSTRY_LICENCE);
    expect(issuersOfKind(industry.issuerKind)).toEqual([PUTUO_SERVICE_CENTRE]);
    expect(industry.validity).toEqual({ kind: 'components' });
  });

  it('rejects an unknown type code with CERT_TYPE_UNKNOWN naming the field', () => {
    expect(findType('nope')).toBeUndefined();
    expect(() => requireType('11100000000013338W999')).toThrow(expect.objectContaining({ code: 'CERT_TYPE_UNKNOWN' }));
  });
});

describe('the demo departments', () => {
  it.each(DEMO_DEPARTMENTS)('$nameZh has a valid credit code and a role', (department) => {
    expect(validateUscc(department.code).ok).toBe(true);
    expect(['department', 'platform', 'portal']).toContain(department.role);
  });

  it('are one platform, one portal, and departments with a seal each', () => {
    expect(DEMO_DEPARTMENTS.filter((d) => d.role === 'platform')).toHaveLength(1);
    expect(DEMO_DEPARTMENTS.filter((d) => d.role === 'portal')).toHaveLength(1);
    for (const d of DEMO_DEPARTMENTS.filter((x) => x.role === 'department')) expect(d.seal).toBeDefined();
    expect(PUTUO_SERVICE_CENTRE.seal).toEqual({ nameZh: '上海市普陀区行业综合许可专用章', use: 'industry-licence' });
  });

  it('have distinct codes', () => {
    expect(new Set(DEMO_DEPARTMENTS.map((d) => d.code)).size).toBe(DEMO_DEPARTMENTS.length);
  });
});

describe('the industries of 一业一证', () => {
  it('are the six of the issue', () => {
    expect(INDUSTRIES.map((i) => i.code)).toEqual([
      'convenience-store',
      'bookstore',
      'bakery',
      'cafe',
      'cinema',
      'internet-cafe',
    ]);
    expect(INDUSTRIES.map((i) => i.nameZh)).toEqual(INDUSTRY_NAMES_ZH);
  });

  it.each(INDUSTRIES)('$nameEn bundles known permit types, never the business or industry licence', (industry) => {
    expect(industry.requiredTypeCodes.length).toBeGreaterThan(0);
    for (const code of componentTypesOf(industry)) {
      expect(findType(code)).toBeDefined();
      expect([TYPE_CODES.BUSINESS_LICENCE, TYPE_CODES.INDUSTRY_LICENCE]).not.toContain(code);
    }
    expect(new Set(componentTypesOf(industry)).size).toBe(componentTypesOf(industry).length);
  });

  it('rejects an unknown industry with INDUSTRY_UNKNOWN', () => {
    expect(() => requireIndustry('bathhouse')).toThrow(expect.objectContaining({ code: 'INDUSTRY_UNKNOWN' }));
  });
});
