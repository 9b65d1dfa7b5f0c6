import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { certificateV1 as cv } from '@onceonly/contracts';
import { channelOptions, parseHubTarget } from '@onceonly/hub';
import type { Database } from '@onceonly/store';
import { creditCode, foodLicenceRequest, ISSUER_CODE, issuerMetadata, rpc } from './certificate-host.js';
import { type BareEcho, closedLoop, type LoadResult, measureInterleaved, startBareEcho } from './certificate-load.js';
import { fmt, type Ratio, type Suite } from './suite.js';

/**
 * Issue 16's bench row: VerifyCertificate calls per second with one replica and with two replicas of the
 * certificate service, each a separate `onceonly start --services certificate` process (external mode: PostgreSQL
 * and the run's Kafka broker, a namespace of its own), called by the bench process through the hub's client-side
 * round robin (`parseHubTarget`: `ipv4:a,b` with grpc-js's `round_robin` policy), in the same interleaved rounds as
 * a bare grpc-js echo in this process. On a 2-core machine the replicas, PostgreSQL, the broker and this load
 * generator share the same two cores: the ratio two/one says how much a second process gains here, not what a
 * second machine would.
 */

const execFileAsync = promisify(execFile);
const CONCURRENCY = 64;
const ROUNDS = 3;
/** The launcher, beside the hub's public entry point. */
const MAIN = fileURLToPath(new URL('./main.js', import.meta.resolve('@onceonly/hub')));

interface Replica {
  child: ChildProcess;
  address: string;
  metrics: string;
}

const quietEnv = () => ({ PATH: process.env.PATH, ONCEONLY_LOG_PRETTY: 'false', ONCEONLY_LOG_LEVEL: 'warn' });

/** `onceonly start --services <services>` (a certificate replica by default); resolves at its ready line. */
function startReplica(env: NodeJS.ProcessEnv, services = 'certificate'): Promise<Replica> {
  const child = spawn(process.execPath, [MAIN, 'start', '--services', services], {
    env: { ...quietEnv(), ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica not ready within 180 s:\n${out}`)), 180_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('onceonly ready:'));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.stdout?.resume();
      child.stderr?.resume();
      resolve({ child, address: /grpc=(\S+)/.exec(line)![1]!, metrics: /metrics=(\S+)/.exec(line)?.[1] ?? '' });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code} before ready:\n${out}`));
    });
  });
}

async function stopReplica(replica: Replica): Promise<void> {
  const { child } = replica;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** VerifyCertificate calls a replica has answered (its Prometheus endpoint: the kit's per-call histogram). */
async function verifiesAnswered(replica: Replica): Promise<number> {
  const text = await (await fetch(`http://${replica.metrics}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('onceonly_grpc_server_handling_seconds_count{') && l.includes('grpc_method="VerifyCertificate"'),
    )
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** The `NAME='value'` lines of `onceonly init`'s env file. */
async function initKeys(dir: string): Promise<Record<string, string>> {
  const { stdout } = await execFileAsync(process.execPath, [MAIN, '--json', 'init', '--dir', dir], {
    env: quietEnv(),
  });
  const values: Record<string, string> = {};
  const text = await readFile((JSON.parse(stdout) as { envFile: string }).envFile, 'utf8');
  for (const m of text.matchAll(/^([A-Z0-9_]+)='(.*)'$/gm)) values[m[1]!] = m[2]!;
  return values;
}

/** One table's size after the run: rows, bytes with its indexes and TOAST (pg_total_relation_size), index bytes. */
export interface TableSize {
  table: string;
  rows: number;
  totalBytes: number;
  indexBytes: number;
  /** The average row as stored (`pg_column_size` of the row: after compression, without page overhead). */
  rowBytes: number;
}

/** Every table of `schemas`, vacuumed and analysed first, with its exact row count and its sizes. */
export async function tableSizes(db: Database, schemas: readonly string[]): Promise<TableSize[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
     WHERE schemaname = ANY($1::text[]) ORDER BY schemaname, relname`,
    [schemas],
  );
  const sizes: TableSize[] = [];
  for (const { name } of tables.rows) {
    await db.query(`VACUUM ANALYZE ${name}`);
    const found = await db.query<{ rows: string; width: string; total: string; indexes: string }>(
      `SELECT count(*) AS rows, coalesce(avg(pg_column_size(t.*)), 0) AS width,
              pg_total_relation_size($1::regclass) AS total, pg_indexes_size($1::regclass) AS indexes
       FROM ${name} t`,
      [name],
    );
    const row = found.rows[0]!;
    sizes.push({
      table: name,
      rows: Number(row.rows),
      totalBytes: Number(row.total),
      indexBytes: Number(row.indexes),
      rowBytes: Number(row.width),
    });
  }
  return sizes;
}

interface ReplicasResult {
  echo: LoadResult;
  one: LoadResult;
  two: LoadResult;
  /** VerifyCertificate calls each replica answered during the two-replica row (warm-up included). */
  split: number[];
  licences: number;
  /** The certificate and audit schemas once the audit log has read every event of the run. */
  storage: TableSize[];
}

export const replicasSuite: Suite = {
  name: 'replicas',
  title: 'VerifyCertificate over one and two replicas (separate processes, client-side round robin)',
  async run({ brokers, run, withFreshDatabase, scale }) {
    const verifies = Math.max(CONCURRENCY, Math.round(3000 * scale));
    const warmup = Math.max(2 * CONCURRENCY, Math.round(500 * scale));
    const licences = Math.max(16, Math.round(500 * scale));
    const dir = await mkdtemp(join(tmpdir(), 'onceonly-bench-replicas-'));
    try {
      process.stderr.write('onceonly init (the hub CA and keys of external mode)...\n');
      const keys = await initKeys(join(dir, 'keys'));
      const found = await withFreshDatabase((db, url) =>
        measureReplicas({
          db,
          env: { ...keys, DATABASE_URL: url, KAFKA_BROKERS: brokers.join(','), ONCEONLY_NAMESPACE: `bench-${run}` },
          verifies,
          warmup,
          licences,
          run,
        }),
      );
      return report(found);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

async function measureReplicas(options: {
  db: Database;
  env: NodeJS.ProcessEnv;
  verifies: number;
  warmup: number;
  licences: number;
  run: string;
}): Promise<ReplicasResult> {
  process.stderr.write('starting two `onceonly start --services certificate` processes...\n');
  const started = [startReplica(options.env), startReplica(options.env)];
  const replicas = await Promise.all(started).catch(async (err) => {
    // one that did start must not outlive the run
    await Promise.all(started.map((p) => p.then(stopReplica, () => undefined)));
    throw err;
  });
  const [a, b] = replicas as [Replica, Replica];
  const metadata = issuerMetadata();
  const one = parseHubTarget(a.address);
  const two = parseHubTarget(`${a.address},${b.address}`);
  const oneClient = new cv.CertificateServiceClient(one.target, credentials.createInsecure(), channelOptions(one));
  const twoClient = new cv.CertificateServiceClient(two.target, credentials.createInsecure(), channelOptions(two));
  let echo: BareEcho | undefined;
  try {
    echo = await startBareEcho();
    const bare = echo;
    await execFileAsync(process.execPath, [MAIN, '--addr', a.address, '--as', ISSUER_CODE, 'seal', 'create'], {
      env: quietEnv(),
    });
    process.stderr.write(`issuing ${options.licences} licences...\n`);
    const requests: cv.VerifyCertificateRequest[] = [];
    await closedLoop({
      label: 'licences',
      calls: options.licences,
      concurrency: 8,
      quiet: true,
      call: async (i) => {
        const issued = await rpc<cv.IssueCertificateResponse>(
          oneClient,
          'issueCertificate',
          foodLicenceRequest(creditCode(options.run, 3_000_000 + i), `bench-${options.run}-replicas-${i}`),
          metadata,
        );
        requests[i] = cv.VerifyCertificateRequest.fromPartial({
          subject: { $case: 'qrPayload', value: issued.certificate!.qrPayload },
        });
      },
    });
    const encoded = requests.map((r) => Buffer.from(cv.VerifyCertificateRequest.encode(r).finish()));
    const verifyThrough = (client: cv.CertificateServiceClient) => async (i: number) => {
      const response = await rpc<cv.VerifyCertificateResponse>(
        client,
        'verifyCertificate',
        requests[i % requests.length]!,
        metadata,
      );
      if (!response.valid) throw new Error(`VerifyCertificate: not valid (${response.reasons.join(', ')})`);
    };
    const before = await Promise.all([a, b].map(verifiesAnswered));
    const [echoResult, oneResult, twoResult] = (await measureInterleaved(
      [
        {
          name: 'bare grpc-js unary echo',
          label: 'bare grpc-js echo',
          call: (i) => bare.call(encoded[i % encoded.length]!, metadata),
          note: 'grpc-js server and client in this process, the VerifyCertificate request bytes echoed',
        },
        {
          name: 'VerifyCertificate, one replica',
          label: 'VerifyCertificate, 1 replica',
          call: verifyThrough(oneClient),
          note: `one channel to replica 1 (the second process idles beside it); ${requests.length} licences in turn`,
        },
        {
          name: 'VerifyCertificate, two replicas (round robin)',
          label: 'VerifyCertificate, 2 replicas',
          call: verifyThrough(twoClient),
          note: 'one channel over both processes (`ipv4:a,b`, grpc-js round_robin), the same licences and load',
        },
      ],
      { calls: options.verifies, warmup: options.warmup, concurrency: CONCURRENCY, rounds: ROUNDS },
    )) as [LoadResult, LoadResult, LoadResult];
    const after = await Promise.all([a, b].map(verifiesAnswered));
    // replica 1 also answered the one-replica row: what replica 2 answered is the two-replica row's share
    const second = after[1]! - before[1]!;
    const twoCalls = options.verifies + options.warmup;
    oneClient.close();
    twoClient.close();
    await Promise.all(replicas.map(stopReplica));
    const storage = await storageAfterAudit(options.db, options.env);
    return {
      echo: echoResult,
      one: oneResult,
      two: twoResult,
      split: [twoCalls - second, second],
      licences: requests.length,
      storage,
    };
  } finally {
    oneClient.close();
    twoClient.close();
    await echo?.stop();
    await Promise.all(replicas.map(stopReplica));
  }
}

/**
 * After the measurement (the replicas stopped): an audit log in a process of its own reads every event of the run
 * into its tree, then every table of the certificate and audit schemas is measured, for docs/scaling.md's sizing.
 */
async function storageAfterAudit(db: Database, env: NodeJS.ProcessEnv): Promise<TableSize[]> {
  process.stderr.write('an audit log reads every event of the run (for the storage figures)...\n');
  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
  const audit = await startReplica(env, 'audit');
  try {
    const events = await count(
      'SELECT (SELECT count(*) FROM certificate.outbox) + (SELECT count(*) FROM hub.outbox) AS n',
    );
    const deadline = Date.now() + 600_000;
    while ((await count('SELECT count(*) AS n FROM audit.leaves')) < events) {
      if (Date.now() > deadline) throw new Error(`the audit log did not reach ${events} leaves within 10 minutes`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    await stopReplica(audit);
  }
  return tableSizes(db, ['certificate', 'audit']);
}

function report(found: ReplicasResult) {
  const { echo, one, two } = found;
  const ratios: Ratio[] = [
    {
      name: 'VerifyCertificate, two replicas / one replica, calls/s at concurrency 64',
      value: two.callsPerSecond / one.callsPerSecond,
      meaning:
        'what a second certificate process adds, both behind the client-side round robin; on 2 cores shared with PostgreSQL, Kafka and the load generator',
    },
    {
      name: 'VerifyCertificate, one replica (own process) / bare grpc-js unary, calls/s at concurrency 64',
      value: one.callsPerSecond / echo.callsPerSecond,
      meaning: 'the certificate suite’s row with the service in a process of its own, over loopback',
    },
    {
      name: 'VerifyCertificate, two replicas / bare grpc-js unary, calls/s at concurrency 64',
      value: two.callsPerSecond / echo.callsPerSecond,
      meaning: 'the same with two processes behind the round robin',
    },
  ];
  const row = (r: LoadResult) =>
    `| ${r.name} | ${r.calls} | ${fmt(r.callsPerSecond, 0)} | ${fmt(r.latencyMs.p50, 2)} | ${fmt(r.latencyMs.p99, 2)} | ${fmt(r.callsPerSecond / echo.callsPerSecond, 3)} | ${fmt(r.callsPerSecond / one.callsPerSecond, 3)} | ${r.note} |`;
  const markdown = [
    'Two `onceonly start --services certificate` processes (external mode, one PostgreSQL database, the run’s broker,',
    `a namespace of their own), ${found.licences} food business licences issued through the first; VerifyCertificate by QR`,
    `text at concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds with the echo, from this process. On two cores the`,
    'replicas, PostgreSQL, the broker and the load generator compete for the same CPUs: read the two/one ratio as what a',
    'second process gains on one machine, not as the gain of a second machine.',
    '',
    '| call | calls | calls/s | p50 ms | p99 ms | × bare grpc-js | × one replica | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    row(echo),
    row(one),
    row(two),
    '',
    `Calls of the two-replica row (warm-up included) answered by each replica, from their Prometheus endpoints: ${found.split.join(' and ')}.`,
    '',
    '### Storage after the run (docs/scaling.md)',
    '',
    'Every table of the certificate and audit schemas once an audit log (`--services audit`, started after the',
    'measurement) had read every event of the run: VACUUM ANALYZE, then `count(*)`, `pg_total_relation_size`',
    '(heap, TOAST, indexes), `pg_indexes_size` and the average `pg_column_size` of a row. Total bytes per row include',
    'the indexes and the pages’ free space; small tables are a few pages whatever their rows.',
    '',
    '| table | rows | total bytes | index bytes | total bytes per row | row bytes (average) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...found.storage
      .filter((t) => t.rows > 0)
      .map(
        (t) =>
          `| ${t.table} | ${t.rows} | ${t.totalBytes} | ${t.indexBytes} | ${fmt(t.totalBytes / t.rows, 0)} | ${fmt(t.rowBytes, 0)} |`,
      ),
  ].join('\n');
  return { markdown, json: found, ratios };
}
