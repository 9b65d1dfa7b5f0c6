#!/usr/bin/env node
/**
 * `npm run bench`: every suite (events, and the services' suites) beside baselines measured on the same machine in
 * the same run. Writes bench-results/results.{json,md} and prints the Markdown.
 * Options: --suite a,b (default: all), --scale F (default 1: multiplies every count), --out DIR. Suite names may also
 * be given as arguments (`npm run bench -- certificate audit`). A suite that is part of another (`audit-proofs`) runs
 * only when named; `certificate-issue` runs in the default run too (the issue row's alternating rounds).
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

/** A mistake in the command line: reported in one line with exit 2. */
class UsageError extends Error {}

function readOptions() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        suite: { type: 'string' },
        scale: { type: 'string', default: '1' },
        out: { type: 'string', default: resolve(process.env.INIT_CWD ?? process.cwd(), 'bench-results') },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

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
  const { values, positionals } = readOptions();
  const named = [values.suite ?? '', ...positionals].flatMap((s) => s.split(',')).map((s) => s.trim());
  const wanted = named.some((s) => s !== '')
    ? named.filter((s) => s !== '')
    : SUITES.filter((s) => s.partOf === undefined).map((s) => s.name);
  const unknown = wanted.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown suite ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const scale = Number(values.scale);
  if (!(scale > 0)) throw new UsageError(`--scale must be a positive number, got ${values.scale}`);
  const selected = SUITES.filter((s) => wanted.includes(s.name));
  // a broker only when a suite uses one (`audit-proofs` does not)
  const broker = selected.some((s) => s.usesBroker !== false)
    ? await useBroker()
    : { brokers: [] as string[], stop: async () => {} };
  const context: SuiteContext = {
    brokers: broker.brokers,
    ...('pid' in broker && broker.pid !== undefined ? { brokerPid: broker.pid } : {}),
    run: randomBytes(3).toString('hex'),
    withFreshDatabase,
    scale,
  };
  const report: BenchReport = { startedAt: new Date().toISOString(), machine: machine(), scale, suites: [] };
  try {
    for (const suite of selected) {
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

try {
  await main();
} catch (err) {
  // a wrong option is the user's to fix: one line and exit 2; anything else keeps its stack
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`onceonly-bench: ${err.message}\n`);
  process.exitCode = 2;
}
