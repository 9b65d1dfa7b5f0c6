import type { materialsV1 as mv } from '@onceonly/materials/client';
import { describe, expect, it } from 'vitest';
import { rateText, renderRatePlot } from './materials-rate.js';

const row = (key: string, nameZh: string, period: string, exempt: number, materials: number): mv.ExemptionRateRow => ({
  key,
  nameZh,
  period,
  applications: '1',
  materials: String(materials),
  exempt: String(exempt),
  unsourced: '1',
  refused: '0',
  rate: exempt / materials,
  rateOfReplaceable: exempt / (materials - 1),
});

const RATE: mv.GetExemptionRateResponse = {
  rows: [
    row('11310107MB2F03587N', '上海市普陀区市场监督管理局', '2026-01', 2, 5),
    row('11310107MB2F03587N', '上海市普陀区市场监督管理局', '2026-02', 3, 5),
    row('11310107MB2F01231X', '上海市普陀区卫生健康委员会', '2026-02', 1, 4),
  ],
  total: row('', '合计', '', 6, 14),
  methodZh: '用证免交比率 = 免交材料数 ÷ 应交材料数',
  methodEn: 'Exemption rate = materials exempt ÷ materials required',
  from: '2026-01-01',
  to: '2026-02-28',
};

describe('rateText', () => {
  it('prints each row with its numerator and denominator, the total and the method', () => {
    const text = rateText(RATE);
    expect(text).toContain('40.00 %  (2 / 5 materials, 1 applications)');
    expect(text).toContain('合计  42.86 %');
    expect(text).toContain(RATE.methodEn);
  });

  it('says how many materials the applicant refused to have reused, when some were', () => {
    const refused = { ...RATE.total!, exempt: '5', refused: '1' };
    expect(rateText({ ...RATE, total: refused })).toContain(
      '(5 / 14 materials, 1 applications, 1 refused by the applicant)',
    );
  });
});

describe('renderRatePlot', () => {
  const svg = renderRatePlot(RATE);
  it('is one SVG document with a title, both axes named and a legend entry per department', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const text of [
      '用证免交比率',
      '期间 Period',
      '比率 Rate (%)',
      '上海市普陀区市场监督管理局',
      '上海市普陀区卫生健康委员会',
    ]) {
      expect(svg).toContain(text);
    }
    // the periods on the x axis
    expect(svg).toContain('2026-01');
    expect(svg).toContain('2026-02');
  });

  it('draws one line per department', () => {
    // ECharts draws each series' line as a path without fill; the legend adds one icon per series
    const lines = svg.match(/<path d="M[^"]*" fill="none"[^>]*stroke-width="2"/g) ?? [];
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });
});
