import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fmt, type Ratio } from './suite.js';

/** What a bench run found, as written to results.json. */
export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; model: string; node: string };
  scale: number;
  suites: { name: string; title: string; markdown: string; json: unknown; ratios: Ratio[] }[];
}

export function machine(): BenchReport['machine'] {
  return { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version };
}

/** The Markdown report: one section per suite, then every ratio. */
export function markdown(report: BenchReport): string {
  const lines = [
    `# OnceOnly benchmarks (${report.startedAt})`,
    '',
    `Machine: ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}; scale ${report.scale}.`,
    'Every OnceOnly figure is measured beside its baseline in the same run; compare ratios, not absolute numbers.',
  ];
  for (const suite of report.suites) lines.push('', `## ${suite.title}`, '', suite.markdown);
  lines.push('', '## Ratios', '', '| ratio | value | meaning |', '| --- | ---: | --- |');
  for (const suite of report.suites) {
    for (const r of suite.ratios) lines.push(`| ${r.name} | ${fmt(r.value, 3)} | ${r.meaning} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function writeReport(report: BenchReport, dir: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'results.json');
  const md = join(dir, 'results.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdown(report));
  return { json, md };
}
