import { describe, expect, it } from 'vitest';
import { districtOf, exemptionRate, periodLabel, type RateGroup } from './rate.js';

const g = (
  department: string,
  itemCode: string,
  periodStart: string,
  exempt: number,
  materials: number,
): RateGroup => ({
  department,
  itemCode,
  periodStart,
  applications: 1,
  materials,
  exempt,
  unsourced: 1,
});
const MARKET = '11310107MB2F03587N';
const names = { items: new Map([['food-business-new', '食品经营许可 新办']]) };

describe('periodLabel', () => {
  it('names months and quarters from their first day', () => {
    expect(periodLabel('month', '2026-03-01')).toBe('2026-03');
    expect(periodLabel('quarter', '2026-10-01')).toBe('2026-Q4');
    expect(periodLabel('whole', '')).toBe('');
  });
});

describe('districtOf', () => {
  it('takes the directory first, else the division in a credit code, else unknown', () => {
    expect(districtOf(MARKET)).toBe('310107');
    expect(districtOf('11310110MB2F0000XX')).toBe('310110');
    expect(districtOf('portal-1')).toBe('unknown');
  });
});

describe('exemptionRate', () => {
  it('sums groups by key and period and gives the total with both rates', () => {
    const out = exemptionRate(
      [
        g(MARKET, 'food-business-new', '2026-01-01', 2, 6),
        g(MARKET, 'food-business-new', '2026-01-01', 4, 6),
        g(MARKET, 'liquor-retail-new', '2026-02-01', 0, 5),
      ],
      { by: 'item', period: 'month', from: '', to: '2026-02-28' },
      names,
    );
    expect(out.rows.map((r) => [r.key, r.nameZh, r.period, r.exempt, r.materials, r.applications])).toEqual([
      ['food-business-new', '食品经营许可 新办', '2026-01', 6, 12, 2],
      ['liquor-retail-new', 'liquor-retail-new', '2026-02', 0, 5, 1],
    ]);
    expect(out.total.rate).toBeCloseTo(6 / 17, 12);
    expect(out.total.rateOfReplaceable).toBeCloseTo(6 / 14, 12);
    expect(out.methodZh).toContain('免交材料数 ÷ 应交材料数');
  });

  describe('when the applicant refused the reuse of an exempt-able material', () => {
    const groups = [
      { ...g(MARKET, 'food-business-new', '2026-01-01', 3, 6), refused: 1 },
      g(MARKET, 'food-business-new', '2026-01-01', 2, 6),
    ];
    const out = exemptionRate(groups, { by: 'item', period: 'whole', from: '', to: '2026-01-31' }, names);

    it('counts the refused material as required, not exempt, and shows it apart', () => {
      expect(out.total).toMatchObject({ materials: 12, exempt: 4, refused: 1 });
      expect(out.total.rate).toBeCloseTo(4 / 12, 12);
      expect(out.total.rateOfReplaceable).toBeCloseTo(4 / 10, 12);
    });

    it('states the rule in the method, in Chinese and English', () => {
      expect(out.methodZh).toContain('拒绝复用');
      expect(out.methodEn).toContain('counts as required, not exempt');
    });

    it('never takes more refusals off than there were exempt materials', () => {
      const odd = exemptionRate(
        [{ ...g(MARKET, 'food-business-new', '2026-01-01', 1, 6), refused: 3 }],
        { by: 'total', period: 'whole', from: '', to: '2026-01-31' },
        names,
      );
      expect(odd.total).toMatchObject({ exempt: 0, refused: 1 });
    });
  });

  it('answers zero, not NaN, over no resolution', () => {
    const out = exemptionRate([], { by: 'department', period: 'whole', from: '', to: '2026-01-01' }, names);
    expect(out.rows).toEqual([]);
    expect(out.total).toMatchObject({ rate: 0, rateOfReplaceable: 0, materials: 0 });
  });
});
