#!/usr/bin/env node
/**
 * `npm run bench`: every suite (events, and the services' suites) beside baselines measured on the same machine in
 * the same run. Writes bench-results/results.{json,md} and prints the Markdown.
 * Options: --suite a,b (default: all), --scale F (default 1: multiplies every count), --out DIR.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase } from '@onceonly/testing';
import { useBroker } from './broker.js';
import { type BenchReport, machine, markdown, writeReport } from './report.js';
import type { SuiteContext } from './suite.js';
import { SUITES } from './suites.js';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: SUITES.map((s) => s.name).join(',') },
    scale: { type: 'string', default: '1' },
    out: { type: 'string', default: resolve(process.env.INIT_CWD ?? process.cwd(), 'bench-results') },
  },
});

async function withFreshDatabase<T>(fn: (db: Database, url: string) => Promise<T>): Promise<T> {
  const target = await freshDatabase('bench');
  const db = await openDatabase({ url: target.url });
  try {
    return await fn(db, target.url);
  } finally {
    await db.close();
    await target.drop();
  }
}

async function main(): Promise<void> {
  const wanted = values.suite.split(',').map((s) => s.trim());
  const unknown = wanted.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown suite ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const scale = Number(values.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${values.scale}`);
  const broker = await useBroker();
  const context: SuiteContext = {
    brokers: broker.brokers,
    run: randomBytes(3).toString('hex'),
    withFreshDatabase,
    scale,
  };
  const report: BenchReport = { startedAt: new Date().toISOString(), machine: machine(), scale, suites: [] };
  try {
    for (const suite of SUITES.filter((s) => wanted.includes(s.name))) {
      process.stderr.write(`\n== ${suite.title}\n`);
      const result = await suite.run(context);
      report.suites.push({ name: suite.name, title: suite.title, ...result });
    }
  } finally {
    await broker.stop();
  }
  const files = writeReport(report, values.out);
  process.stdout.write(`\n${markdown(report)}\nwritten: ${files.json}, ${files.md}\n`);
}

await main();
