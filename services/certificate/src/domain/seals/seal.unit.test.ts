import { describe, expect, it } from 'vitest';
import {
  defaultSealName,
  divisionOf,
  effectiveSealStatus,
  MAX_SEAL_NAME_LENGTH,
  SEAL_KINDS,
  sealCode,
  sealValidity,
} from './seal.js';

const NOW = new Date('2025-03-10T02:00:00.750Z');
const CA_END = new Date('2045-03-10T00:00:00Z');
const DAY = 86_400_000;

describe('effectiveSealStatus', () => {
  const validTo = new Date('2026-01-01T00:00:00Z');

  it('reads an active seal past its validity as expired', () => {
    expect(effectiveSealStatus({ status: 'active', validTo }, new Date('2026-01-01T00:00:01Z'))).toBe('expired');
  });

  it('keeps an active seal active up to and including its last second', () => {
    expect(effectiveSealStatus({ status: 'active', validTo }, validTo)).toBe('active');
  });

  it('keeps rotated and revoked seals as they are, whatever the time', () => {
    const later = new Date('2030-01-01T00:00:00Z');
    expect(effectiveSealStatus({ status: 'rotated', validTo }, later)).toBe('rotated');
    expect(effectiveSealStatus({ status: 'revoked', validTo }, later)).toBe('revoked');
  });
});

describe('sealValidity', () => {
  it('starts at the current whole second and runs the requested days', () => {
    const { validFrom, validTo } = sealValidity(NOW, 30, 1095, CA_END);
    expect(validFrom.toISOString()).toBe('2025-03-10T02:00:00.000Z');
    expect(validTo.getTime() - validFrom.getTime()).toBe(30 * DAY);
  });

  it('takes the default when no days are asked', () => {
    const { validFrom, validTo } = sealValidity(NOW, undefined, 1095, CA_END);
    expect(validTo.getTime() - validFrom.getTime()).toBe(1095 * DAY);
  });

  it('cuts the default to end before the CA does', () => {
    const soon = new Date(NOW.getTime() + 10 * DAY);
    expect(sealValidity(NOW, undefined, 1095, soon).validTo.getTime()).toBeLessThan(soon.getTime());
  });

  it('refuses a requested period past the CA (INVALID_ARGUMENT, BEYOND_CA)', () => {
    const soon = new Date(NOW.getTime() + 10 * DAY);
    expect(() => sealValidity(NOW, 11, 1095, soon)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        details: { fields: [expect.objectContaining({ field: 'validity_days', reason: 'BEYOND_CA' })] },
      }),
    );
  });
});

describe('sealCode', () => {
  it('is PrintableString: division, a letter per kind, 12 hex of the id', () => {
    const codes = SEAL_KINDS.map((kind) => sealCode('310107', kind, '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'));
    expect(codes).toEqual([
      '310107-G-0F1E2D3C4B5A',
      '310107-X-0F1E2D3C4B5A',
      '310107-H-0F1E2D3C4B5A',
      '310107-Q-0F1E2D3C4B5A',
    ]);
    for (const code of codes) expect(code).toMatch(/^[A-Za-z0-9 '()+,\-./:=?]+$/);
  });
});

describe('defaultSealName', () => {
  it('is the department name followed by the seal type', () => {
    expect(defaultSealName('上海市普陀区民政局', 'licensing')).toBe('上海市普陀区民政局行政许可专用章');
    expect(defaultSealName('上海市普陀区行政服务中心', 'industry-licence')).toBe(
      '上海市普陀区行政服务中心行业综合许可专用章',
    );
  });

  it('never exceeds what the certificate subject holds', () => {
    expect(defaultSealName('局'.repeat(80), 'official')).toHaveLength(MAX_SEAL_NAME_LENGTH);
  });
});

describe('divisionOf', () => {
  it("takes positions 3-8 of a credit code unless the department's division is known", () => {
    expect(divisionOf('11310107MB2F03587X')).toBe('310107');
    expect(divisionOf('12310000MB2F09912X', '310000')).toBe('310000');
  });
});
