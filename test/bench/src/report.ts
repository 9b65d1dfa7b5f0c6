import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { PipelineResult } from './bare-kafkajs.js';

/** What a bench run found, as written to results.json. */
export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; model: string; node: string };
  settings: Record<string, number | string>;
  pipelines: PipelineResult[];
  kafkaPerf: { recordsPerSecond: number; p50Ms: number; p99Ms: number; raw: string } | undefined;
  ratios: { name: string; value: number; meaning: string }[];
}

export function machine(): BenchReport['machine'] {
  return { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The Markdown table of a report. */
export function markdown(report: BenchReport): string {
  const bare = report.pipelines.find((p) => p.name.startsWith('bare'));
  const lines = [
    `# OnceOnly benchmarks (${report.startedAt})`,
    '',
    `Machine: ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}. ` +
      `Settings: ${Object.entries(report.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}.`,
    '',
    '## Events: commit → consumer handling',
    '',
    '| pipeline | events | events/s | p50 ms | p99 ms | × bare kafkajs | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...report.pipelines.map(
      (p) =>
        `| ${p.name} | ${p.events} | ${fmt(p.eventsPerSecond, 0)} | ${fmt(p.latencyMs.p50, 2)} | ${fmt(p.latencyMs.p99, 2)} | ${
          bare ? fmt(p.eventsPerSecond / bare.eventsPerSecond, 3) : 'n/a'
        } | ${p.note} |`,
    ),
  ];
  if (report.kafkaPerf) {
    lines.push(
      '',
      "## Kafka's own producer perf test on the same broker",
      '',
      '| tool | records/s | p50 ms | p99 ms |',
      '| --- | ---: | ---: | ---: |',
      `| kafka-producer-perf-test (ProducerPerformance, acks=all, idempotent) | ${fmt(report.kafkaPerf.recordsPerSecond, 0)} | ${fmt(report.kafkaPerf.p50Ms, 0)} | ${fmt(report.kafkaPerf.p99Ms, 0)} |`,
    );
  }
  lines.push('', '## Ratios', '', '| ratio | value | meaning |', '| --- | ---: | --- |');
  for (const r of report.ratios) lines.push(`| ${r.name} | ${fmt(r.value, 3)} | ${r.meaning} |`);
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
