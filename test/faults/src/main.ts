#!/usr/bin/env node
/**
 * `npm run faults [-- --size ci|full] [--out FILE]`: the fault and load suite (issue 16 item 5, ADR 038). A private
 * PostgreSQL cluster and a private Kafka broker; two certificate replicas, the audit log and the credit service (a
 * consumer of the certificate events) as separate `onceonly start --services ...` processes; a bounded load through
 * both replicas; four faults one after another, each while the load runs, each followed by checks on the database
 * and the topic and an `audit replay`. Prints progress, then the table in Markdown; exits 1 when anything acknowledged
 * was lost or anything doubled (or refused, or a replay found a divergence), 2 on a usage mistake.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type PrivateBroker, runCli, runCliJson, startPrivateBroker } from '@onceonly/testing';
import pg from 'pg';
import { behind, type CheckResult, checkAuditLog, checkEffects, checkTopic, emptyResult } from './checks.js';
import { initKeys, type Member, startMember } from './hubs.js';
import { Load, MARKET, sleep } from './load.js';
import { type PrivateCluster, startPrivateCluster } from './postgres.js';
import { longestGap, markdownTable, type PhaseRow, passed } from './report.js';
import { SIZES, type Size } from './sizes.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO, 'services/hub/dist/main.js');
const started = Date.now();

function say(text: string): void {
  process.stdout.write(`[faults ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
}

/** What the run opened, closed in reverse order at the end, on failure and on SIGINT. */
interface Run {
  dir: string;
  cluster?: PrivateCluster;
  broker?: PrivateBroker;
  members: Member[];
  db?: pg.Pool;
  load?: Load;
}

/** A fault: what it does while the load runs; it resolves when the fault is over (the thing is back). */
interface Fault {
  readonly name: string;
  inject(run: Required<Run>): Promise<void>;
}

function faults(size: Size): Fault[] {
  const member = (run: Required<Run>, role: string) => run.members.find((m) => m.role === role)!;
  return [
    {
      name: 'kill -9 certificate replica',
      inject: async (run) => {
        await member(run, 'certificate-a').kill();
        await member(run, 'certificate-a').restart();
      },
    },
    {
      name: `broker stopped ${size.brokerDownMs / 1000} s`,
      inject: async (run) => {
        await run.broker.stop();
        await sleep(size.brokerDownMs);
        await run.broker.start();
      },
    },
    { name: 'PostgreSQL restart (fast)', inject: (run) => run.cluster.restart() },
    {
      name: `audit paused ${size.auditPausedMs / 1000} s`,
      inject: async (run) => {
        const audit = member(run, 'audit').current().child;
        audit.kill('SIGSTOP');
        try {
          await sleep(size.auditPausedMs);
        } finally {
          audit.kill('SIGCONT');
        }
      },
    },
  ];
}

async function setUp(run: Run): Promise<Required<Run>> {
  say(`temporary folder ${run.dir}`);
  run.cluster = await startPrivateCluster(run.dir);
  say(`PostgreSQL on port ${run.cluster.port} (private cluster)`);
  run.broker = await startPrivateBroker(REPO, join(run.dir, 'kafka'));
  say(`Kafka at ${run.broker.brokers} (private broker)`);
  const env = {
    ...(await initKeys(MAIN, run.dir)),
    DATABASE_URL: run.cluster.url,
    KAFKA_BROKERS: run.broker.brokers,
    ONCEONLY_AUDIT_CHECKPOINT_MS: '1000',
  };
  const log = (text: string) => say(text);
  const audit = await startMember(MAIN, 'audit', env, log);
  run.members.push(audit);
  run.members.push(
    ...(await Promise.all([
      startMember(MAIN, 'certificate-a', env, log),
      startMember(MAIN, 'certificate-b', env, log),
      startMember(MAIN, 'credit', { ...env, ONCEONLY_CREDIT_AUDIT_ADDR: audit.address }, log),
    ])),
  );
  say(`ready: ${run.members.map((m) => `${m.role}=${m.address}`).join(' ')}`);
  run.db = new pg.Pool({ connectionString: run.cluster.url, max: 4 });
  // a restart cuts idle connections: the pool drops them and opens new ones
  run.db.on('error', () => undefined);
  const certificate = run.members.find((m) => m.role === 'certificate-a')!;
  await runCliJson(MAIN, ['--addr', certificate.address, '--as', MARKET, '--json', 'seal', 'create'], { env });
  return run as Required<Run>;
}

async function replayClean(run: Required<Run>, prefix: string): Promise<string> {
  const audit = run.members.find((m) => m.role === 'audit')!;
  const replay = await runCli(
    MAIN,
    ['--addr', audit.address, '--as', 'faults-auditor', '--json', 'audit', 'replay'].concat([
      '--brokers',
      run.broker.brokers,
      '--report',
      prefix,
    ]),
    { timeoutMs: 300_000 },
  );
  if (replay.code === 0) return 'clean';
  const report = (() => {
    try {
      return JSON.parse(replay.stdout) as { divergences?: number };
    } catch {
      return undefined;
    }
  })();
  return report?.divergences !== undefined
    ? `${report.divergences} divergence(s)`
    : `exit ${replay.code}: ${replay.stderr.trim().split('\n').at(-1)}`;
}

/** Polls until the audit log and the consumer hold everything written; the seconds it took from `since`. */
async function caughtUp(run: Required<Run>, size: Size, since: number): Promise<number> {
  const deadline = Date.now() + size.catchUpMs;
  let last = -1;
  for (;;) {
    const left = await behind(run.db).catch(() => -1);
    if (left === 0) return (Date.now() - since) / 1000;
    if (Date.now() > deadline) throw new Error(`not caught up within ${size.catchUpMs / 1000} s: ${left} behind`);
    if (left !== last) say(`  waiting for the audit log and the consumer: ${left} event(s) behind`);
    last = left;
    await sleep(1_000);
  }
}

async function check(run: Required<Run>): Promise<CheckResult> {
  const result = emptyResult();
  await checkEffects(run.db, run.load.commands, result);
  await checkAuditLog(run.db, result);
  await checkTopic(run.db, run.broker.brokers, result);
  return result;
}

async function phase(run: Required<Run>, size: Size, fault: Fault, index: number): Promise<PhaseRow> {
  const crashesBefore = run.members.reduce((n, m) => n + m.crashes.length, 0);
  say(`phase ${index + 1}: ${fault.name}: load for ${size.warmMs / 1000} s first`);
  run.load.start(fault.name);
  const progress = setInterval(() => say(`  ${fault.name}: ${counts(run.load, fault.name)}`), 5_000);
  try {
    const from = Date.now();
    await sleep(size.warmMs);
    say(`  ${fault.name}: fault now`);
    await fault.inject(run);
    const end = Date.now();
    say(
      `  ${fault.name}: fault over after ${((end - from - size.warmMs) / 1000).toFixed(1)} s; load for ${size.tailMs / 1000} s more`,
    );
    await sleep(size.tailMs);
    await run.load.drain();
    const drained = Date.now();
    const commands = run.load.commands.filter((c) => c.phase === fault.name);
    const acks = commands.flatMap((c) => (c.ackedAt === undefined ? [] : [c.ackedAt]));
    const firstAfter = acks.filter((t) => t >= end).sort((a, b) => a - b)[0];
    const caught = await caughtUp(run, size, end);
    const result = await check(run);
    for (const p of result.problems.slice(0, 20)) say(`  PROBLEM ${p}`);
    const replay = await replayClean(run, join(run.dir, `replay-${index + 1}`));
    const row: PhaseRow = {
      fault: fault.name,
      sent: commands.length,
      acknowledged: commands.filter((c) => c.outcome === 'acknowledged').length,
      unacknowledged: commands.filter((c) => c.outcome === 'given-up').length,
      refused: commands.filter((c) => c.outcome === 'refused').length,
      retries: commands.reduce((n, c) => n + c.attempts - 1, 0),
      lost: result.lost,
      doubled: result.doubled,
      redelivered: result.redelivered,
      firstAckS: firstAfter === undefined ? undefined : (firstAfter - end) / 1000,
      ackGapS: longestGap(acks, from, drained),
      caughtUpS: caught,
      replay,
      crashes: run.members.reduce((n, m) => n + m.crashes.length, 0) - crashesBefore,
    };
    for (const c of commands.filter((c) => c.outcome === 'refused').slice(0, 5))
      say(`  refused ${c.kind}: ${c.refusal}`);
    say(
      `  ${fault.name}: ${counts(run.load, fault.name)}; lost ${row.lost}, doubled ${row.doubled}, caught up after ${caught.toFixed(1)} s, replay ${replay}; ${result.events} events, ${result.leaves} leaves`,
    );
    return row;
  } finally {
    clearInterval(progress);
  }
}

function counts(load: Load, phaseName: string): string {
  const mine = load.commands.filter((c) => c.phase === phaseName);
  const n = (outcome: string) => mine.filter((c) => c.outcome === outcome).length;
  return `sent ${mine.length}, acknowledged ${n('acknowledged')}, in flight ${n('pending')}, retries ${mine.reduce((s, c) => s + c.attempts - 1, 0)}`;
}

async function tearDown(run: Run): Promise<void> {
  run.load?.close();
  for (const m of [...run.members].reverse()) {
    m.current().child.kill('SIGCONT');
    await m.stop().catch(() => undefined);
  }
  await run.db?.end().catch(() => undefined);
  await run.broker?.stop().catch(() => undefined);
  await run.cluster?.stop();
  rmSync(run.dir, { recursive: true, force: true });
}

function options(): { size: Size; out?: string } {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: process.env.ONCEONLY_FAULTS_SIZE ?? 'full' }, out: { type: 'string' } },
  });
  const size = SIZES[values.size ?? ''];
  if (!size) throw new UsageError(`--size must be one of ${Object.keys(SIZES).join(', ')}, got ${values.size}`);
  return { size, ...(values.out ? { out: values.out } : {}) };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { size, out } = options();
  const run: Run = { dir: mkdtempSync(join(tmpdir(), 'onceonly-faults-')), members: [] };
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) return;
    stopping = true;
    say('SIGINT: stopping everything the run started');
    void tearDown(run).finally(() => process.exit(130));
  });
  try {
    const ready = await setUp(run);
    const load = new Load(
      ready.members.filter((m) => m.role.startsWith('certificate')).map((m) => m.address),
      size,
    );
    ready.load = load;
    const rows: PhaseRow[] = [];
    for (const [i, fault] of faults(size).entries()) rows.push(await phase(ready, size, fault, i));
    const table = markdownTable(rows);
    say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s (size ${size.name})`);
    process.stdout.write(`\n${table}\n`);
    if (out) writeFileSync(out, `${table}\n`);
    const ok = passed(rows);
    say(ok ? 'PASS: nothing acknowledged was lost, nothing doubled' : 'FAIL: see the table and the PROBLEM lines');
    return ok ? 0 : 1;
  } finally {
    if (!stopping) await tearDown(run);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`faults: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
