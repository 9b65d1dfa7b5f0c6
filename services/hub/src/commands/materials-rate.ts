import { writeFileSync } from 'node:fs';
import { AppError } from '@onceonly/errors';
import { materialsV1 as mv } from '@onceonly/materials/client';
import type { Command } from 'commander';
import * as echarts from 'echarts';
import { call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';

/**
 * `onceonly materials rate`: the exemption rate (用证免交比率) of MaterialsReportService, per item, department or
 * district and per period, with how it is computed printed beside it; `--plot out.svg` writes a line per key over
 * time (Apache ECharts' server-side SVG renderer: no browser, no DOM).
 */

const BY: Record<string, mv.RateDimension> = {
  total: mv.RateDimension.RATE_DIMENSION_UNSPECIFIED,
  item: mv.RateDimension.RATE_DIMENSION_ITEM,
  department: mv.RateDimension.RATE_DIMENSION_DEPARTMENT,
  district: mv.RateDimension.RATE_DIMENSION_DISTRICT,
};

const PERIOD: Record<string, mv.RatePeriod> = {
  whole: mv.RatePeriod.RATE_PERIOD_UNSPECIFIED,
  month: mv.RatePeriod.RATE_PERIOD_MONTH,
  quarter: mv.RatePeriod.RATE_PERIOD_QUARTER,
};

const percent = (r: number) => `${(r * 100).toFixed(2)} %`;

// a material the applicant refused to have reused counts as required: say how many, when there are some
const refusedText = (r: mv.ExemptionRateRow) =>
  Number(r.refused) > 0 ? `, ${r.refused} refused by the applicant` : '';

/** One row in words: key and name, period, the rate with its numerator and denominator. */
export function rateLine(r: mv.ExemptionRateRow): string {
  return [
    r.key ? `${r.key}  ${r.nameZh}` : r.nameZh,
    ...(r.period ? [r.period] : []),
    `${percent(r.rate)}  (${r.exempt} / ${r.materials} materials, ${r.applications} applications${refusedText(r)})`,
    `replaceable ${percent(r.rateOfReplaceable)}`,
  ].join('  ');
}

/** The rate for people: the window, each row, the total, and the method. */
export function rateText(out: mv.GetExemptionRateResponse): string {
  return [
    `用证免交比率  ${out.from || '(first)'} … ${out.to}`,
    ...out.rows.map((r) => `  ${rateLine(r)}`),
    `  ${rateLine(out.total!)}`,
    '',
    out.methodZh,
    out.methodEn,
  ].join('\n');
}

/** The chart of the rows: one line per key over the periods, the rate in percent. */
export function plotOption(out: mv.GetExemptionRateResponse): echarts.EChartsOption {
  const periods = [...new Set(out.rows.map((r) => r.period || `${out.from || '…'} – ${out.to}`))].sort();
  const keys = [...new Map(out.rows.map((r) => [r.key, r.nameZh || r.key || '合计'])).entries()];
  const series = keys.map(([key, name]) => ({
    type: 'line' as const,
    name,
    connectNulls: false,
    label: { show: true, formatter: (p: { value: unknown }) => `${p.value}` },
    data: periods.map((p) => {
      const row = out.rows.find((r) => r.key === key && (r.period || `${out.from || '…'} – ${out.to}`) === p);
      return row ? Number((row.rate * 100).toFixed(2)) : null;
    }),
  }));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: '用证免交比率 Exemption rate',
      subtext: `免交材料数 ÷ 应交材料数，每个申请计最后一次核验  ${out.from || ''} … ${out.to}`,
      left: 'center',
    },
    legend: { type: 'plain', bottom: 0 },
    grid: { left: 70, right: 40, top: 80, bottom: 80 },
    xAxis: { type: 'category', name: '期间 Period', nameLocation: 'middle', nameGap: 30, data: periods },
    yAxis: { type: 'value', name: '比率 Rate (%)', min: 0, max: 100 },
    series,
  };
}

/** The chart as an SVG document. */
export function renderRatePlot(out: mv.GetExemptionRateResponse, size = { width: 960, height: 540 }): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...size });
  try {
    chart.setOption(plotOption(out));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function choice<T>(table: Record<string, T>, value: string, what: string): T {
  const found = table[value];
  if (found === undefined) {
    throw new AppError('INVALID_ARGUMENT', `${what} is one of ${Object.keys(table).join(', ')}`);
  }
  return found;
}

type RateOptions = { by: string; period?: string; from?: string; to?: string; plot?: string };

export function registerRate(materials: Command): void {
  materials
    .command('rate')
    .description('the exemption rate (用证免交比率) per item, department or district and period, with its method')
    .option('--by <dimension>', 'total, item, department or district', 'total')
    .option('--period <period>', 'month, quarter or whole (default: whole; month with --plot)')
    .option('--from <YYYY-MM-DD>', 'first day (China Standard Time), inclusive')
    .option('--to <YYYY-MM-DD>', 'last day, inclusive (default: today)')
    .option('--plot <file.svg>', 'write a chart: a line per key over time (default --by department)')
    .action(async (opts: RateOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      if (opts.plot && !opts.plot.toLowerCase().endsWith('.svg')) {
        throw new AppError('INVALID_ARGUMENT', '--plot writes SVG: name a file ending in .svg');
      }
      const by = opts.plot && cmd.getOptionValueSource('by') === 'default' ? 'department' : opts.by;
      const period = opts.period ?? (opts.plot ? 'month' : 'whole');
      const request = mv.GetExemptionRateRequest.fromPartial({
        by: choice(BY, by, '--by'),
        period: choice(PERIOD, period, '--period'),
        from: opts.from ?? '',
        to: opts.to ?? '',
      });
      const out = await withClient(mv.MaterialsReportServiceClient, options, (c) =>
        call(c.getExemptionRate.bind(c), request, options),
      );
      if (opts.plot) writeFileSync(opts.plot, renderRatePlot(out));
      if (options.json) {
        return write(
          json({ ...(mv.GetExemptionRateResponse.toJSON(out) as object), ...(opts.plot ? { plot: opts.plot } : {}) }),
        );
      }
      write(rateText(out) + (opts.plot ? `\n\nwrote ${opts.plot}` : ''));
    });
}
