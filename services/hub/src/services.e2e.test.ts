import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namespacedName } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import {
  freshDatabase,
  type HubProcess as Hub,
  kafkaBrokers,
  readEnvFile,
  runCli,
  runCliJson,
  startHubProcess,
  stopProcess,
  type TestDatabase,
  testKafka,
  waitFor,
} from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, checkHealth, hubClient } from './client.js';

// Issue 16 item 1 (ADR 034): one process per service, and replicas. Two processes of the built CLI each host only the
// certificate service (`--services certificate`) and a third only the audit log (`--services audit`), on one
// PostgreSQL database and the run's Kafka broker (in a namespace of this file's own, ADR 023). Certificates issued
// through both replicas are each in the audit log exactly once, every source's sequence without a gap, and one relay
// per schema publishes at a time.

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** 上海市普陀区市场监督管理局, which issues food business licences. */
const MARKET = '11310107MB2F03587N';
/** 食品经营许可证. */
const FOOD_LICENCE = '11100000000013338W002';
const CERTIFICATE_SERVICE = 'onceonly.certificate.v1.CertificateService';
const AUDIT_SERVICE = 'onceonly.audit.v1.AuditService';
/** Issues per replica. */
const ISSUES = 3;

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000) => runCli(MAIN, args, { env, timeoutMs });
const cliJson = <T>(args: string[]) => runCliJson<T>(MAIN, args);

/** `onceonly start --services <services>`; resolves at its ready line. */
const startHub = (services: string, env: NodeJS.ProcessEnv) =>
  startHubProcess(MAIN, ['start', '--services', services], {
    env: { ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_HEALTH_ADDR: '127.0.0.1:0', ...env },
  });
/** WhoAmI calls a hub process has answered, from its Prometheus endpoint (the kit's per-call histogram). */
async function whoAmIAnswered(hub: Hub): Promise<number> {
  const text = await (await fetch(`http://${hub.metrics}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('onceonly_grpc_server_handling_seconds_count{') && l.includes('grpc_method="WhoAmI"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('one process per service: two certificate replicas and an audit log, on one database and one broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onceonly-e2e-services-'));
  const namespace = uniqueNamespace('svc');
  let database: TestDatabase | undefined;
  let db: Database | undefined;
  const hubs: Hub[] = [];
  let env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    // external mode needs the hub CA, the passphrase, the audit key: made once by `onceonly init`
    const init = await cli(['--json', 'init', '--dir', join(dir, 'keys')], {}, 90_000);
    expect(init.code, init.stderr).toBe(0);
    const keys = readEnvFile((JSON.parse(init.stdout) as { envFile: string }).envFile);
    database = await freshDatabase('e2e_services');
    env = {
      ...keys,
      DATABASE_URL: database.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      ONCEONLY_NAMESPACE: namespace,
      ONCEONLY_AUDIT_CHECKPOINT_MS: '500',
    };
    // all three at once, as an orchestrator starts them: migrations and the lease sort themselves out
    hubs.push(
      ...(await Promise.all([startHub('certificate', env), startHub('certificate', env), startHub('audit', env)])),
    );
    db = await openDatabase({ url: database.url });
  }, 240_000);

  afterAll(async () => {
    const codes = await Promise.all(hubs.map((h) => stopProcess(h.child)));
    await db?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    expect(codes).toEqual(hubs.map(() => 0));
  }, 120_000);

  it('names the services it hosts in the ready line', () => {
    const [a, b, audit] = hubs as [Hub, Hub, Hub];
    for (const replica of [a, b]) expect(replica.readyLine).toMatch(/ services=certificate /);
    expect(audit.readyLine).toMatch(/ services=audit /);
    expect(audit.readyLine).toContain(`namespace=${namespace}`);
  });

  it('answers grpc.health.v1 per service, on the main port and on the plaintext health port', async () => {
    const [a, , audit] = hubs as [Hub, Hub, Hub];
    const ask = (addr: string, service: string) => checkHealth({ addr, as: 'e2e-test', timeoutMs: 5_000 }, service);
    for (const addr of [a.address, a.health]) {
      expect(await ask(addr, CERTIFICATE_SERVICE)).toBe('SERVING');
      expect(await ask(addr, AUDIT_SERVICE)).toBe('SERVICE_UNKNOWN');
      expect(await ask(addr, '')).toBe('SERVING');
    }
    expect(await ask(audit.health, AUDIT_SERVICE)).toBe('SERVING');
    expect(await ask(audit.health, CERTIFICATE_SERVICE)).toBe('SERVICE_UNKNOWN');
  });

  it("shares the certificate service's consumer group between the two replicas", { timeout: 120_000 }, async () => {
    const admin = testKafka('onceonly-e2e-services').admin();
    await admin.connect();
    try {
      const group = namespacedName(namespace, 'onceonly-certificate');
      await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([group]);
          return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
        },
        { timeoutMs: 60_000, message: `two members in ${group}` },
      );
    } finally {
      await admin.disconnect();
    }
  });

  it("spreads the hub client's calls over both replicas named in --addr (client-side round robin)", {
    timeout: 60_000,
  }, async () => {
    const [a, b] = hubs as [Hub, Hub, Hub];
    const addr = `${a.address},${b.address}`;
    // the CLI takes the list: a command on it is answered
    const health = await cli(['--addr', addr, 'health', '--service', CERTIFICATE_SERVICE]);
    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout.trim()).toBe('SERVING');

    const options = { addr, as: MARKET, timeoutMs: 10_000 };
    const client = hubClient(options);
    const calls = 40;
    let answered: number[];
    try {
      // one call, then a pause: the channel connects to every address at once, and round robin picks among the
      // connected ones, so the first calls could all go to the replica that answered first
      await call(client.whoAmI.bind(client), {}, options);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const before = await Promise.all([a, b].map(whoAmIAnswered));
      for (let i = 0; i < calls; i++) await call(client.whoAmI.bind(client), {}, options);
      answered = (await Promise.all([a, b].map(whoAmIAnswered))).map((n, i) => n - before[i]!);
    } finally {
      client.close();
    }
    expect(answered[0]! + answered[1]!).toBe(calls);
    // both replicas answer about half (round robin alternates; a reconnection would shift a few calls)
    expect(Math.min(...answered)).toBeGreaterThanOrEqual(calls / 4);
  });

  it('refuses an unknown service by name, listing the valid ones, before it opens anything', async () => {
    const run = await cli(['--json', 'start', '--services', 'certificate,ledger'], env);
    expect(run.code).toBe(2);
    const error = (JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } })
      .error;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('"ledger"');
    expect(error.message).toContain('certificate, assistance, credit, materials, audit');
  });

  // seven CLI processes and three hubs on two cores: bounded generously for a loaded CI machine
  it('puts every event of certificates issued through either replica in the audit log exactly once', {
    timeout: 240_000,
  }, async () => {
    const [a, b] = hubs as [Hub, Hub, Hub];
    await cliJson(['--addr', a.address, '--as', MARKET, '--json', 'seal', 'create']);
    const fields = join(dir, 'fields.json');
    writeFileSync(
      fields,
      JSON.stringify({
        legal_representative: '王芳',
        premises: '上海市普陀区长寿路100号',
        main_format: '餐饮服务经营者',
        business_items: '热食类食品制售',
      }),
    );
    const holders = ['91310107MA1H2B3C4', '91310107MA1J5K6L7', '91310107MA1K7M8N9'];
    const issue = (hub: Hub, holder: string) =>
      cliJson<{ certificate: { id: string; status: string } }>([
        ...['--addr', hub.address, '--as', MARKET, '--json', 'cert', 'issue', '--type', FOOD_LICENCE],
        ...['--holder', holder, '--holder-name', '上海普陀小笼包餐饮有限公司', '--fields', `@${fields}`],
        ...['--idempotency-key', `e2e-services-${randomUUID()}`],
      ]);
    // concurrently through both replicas: each reserves its own blocks of licence numbers
    const issued = await Promise.all([a, b].flatMap((hub) => holders.slice(0, ISSUES).map((h) => issue(hub, uscc(h)))));
    expect(issued.map((i) => i.certificate.status)).toEqual(issued.map(() => 'LICENCE_STATUS_VALID'));
    expect(new Set(issued.map((i) => i.certificate.id)).size).toBe(2 * ISSUES);

    // every event the replicas' outboxes hold (issues, the seal, each process's hub.started) reaches the log once
    const written = async () =>
      (
        await db!.query<{ event_id: string }>(
          `SELECT event_id FROM certificate.outbox UNION ALL SELECT event_id FROM hub.outbox`,
        )
      ).rows.map((r) => r.event_id);
    const logged = async () =>
      (await db!.query<{ event_id: string }>('SELECT event_id FROM audit.leaves')).rows.map((r) => r.event_id);
    await waitFor(
      async () => {
        const inLog = new Set(await logged());
        const missing = (await written()).filter((id) => !inLog.has(id));
        if (missing.length > 0) throw new Error(`${missing.length} events not in the audit log yet`);
        return true;
      },
      { timeoutMs: 120_000, message: 'every written event in the audit log' },
    );
    const events = await written();
    expect(events.filter((id) => id).length).toBeGreaterThanOrEqual(2 * ISSUES + 1 + 3);
    const leaves = await logged();
    expect(leaves.length).toBe(new Set(leaves).size);
    const issuedLeaves = await db!.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit.leaves WHERE type = 'certificate.issued'`,
    );
    expect(Number(issuedLeaves.rows[0]!.n)).toBe(2 * ISSUES);

    // per source, the sequences the relays stamped are 1..n, without a gap or a repeat
    const sequences = await db!.query<{ source: string; n: string; low: string; high: string }>(
      `SELECT source, count(*) AS n, min(sequence) AS low, max(sequence) AS high FROM audit.leaves
       WHERE source LIKE '/onceonly/certificate%' OR source LIKE '/onceonly/hub%' GROUP BY source`,
    );
    expect(sequences.rows.length).toBeGreaterThan(0);
    for (const s of sequences.rows) expect([s.low, s.high]).toEqual(['1', s.n]);

    // one relay per schema: the certificate schema's publishing lease names one owner
    const leases = await db!.query('SELECT owner FROM certificate.outbox_relay');
    expect(leases.rows).toHaveLength(1);
  });
});
