import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
/**
 * Two hubs on one Kafka broker and one PostgreSQL server (a database each), with different ONCEONLY_NAMESPACEs and
 * otherwise the same configuration: the same topics, the same audit log group and reads topic. Each records a
 * penalty against the same company; each one's audit log, and a consumer of its credit topic, see only its own
 * events (issue 16, ADR 023).
 */
import { Metadata } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { auditV1 } from '@onceonly/contracts';
import { CREDIT_TOPIC, creditModule } from '@onceonly/credit';
import { creditClient, creditV1 as cv } from '@onceonly/credit/client';
import { createKafkaTransport, type EventTransport, fromKafkaRecord, totalLag, withNamespace } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { generateNoteKey } from '@onceonly/merkle';
import { freshDatabase, kafkaBrokers, type TestDatabase, uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../test/cli-harness.js';
import { call, withClient } from './client.js';
import { loadHubConfig } from './config.js';
import { type RunningHub, startHub } from './start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const AUDITOR = uscc('11310000MB2F09990');
const BAKERY = uscc('91310107MA1G8K3D4');
/** The events one penalty leaves in the audit log. */
const PENALTY_EVENTS = ['credit.record.recorded', 'credit.grade.changed'];

interface TestHub {
  namespace: string;
  hub: RunningHub;
  db: TestDatabase;
}

async function recordPenalty(hub: RunningHub, decision: string): Promise<void> {
  const client = creditClient(hub.address, {
    metadata: () => {
      const m = new Metadata();
      m.set(DEV_CALLER_HEADER, MARKET_REGULATION);
      m.set(DEV_ROLE_HEADER, 'department');
      return m;
    },
  });
  try {
    await client.recordPenalty({
      idempotencyKey: decision,
      subject: { subject: { $case: 'creditCode', value: BAKERY } },
      partyName: '上海示范烘焙有限公司',
      authorityCode: MARKET_REGULATION,
      penalty: {
        decisionNumber: decision,
        name: '销售超过保质期的食品',
        kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
        regime: cv.Regime.REGIME_SAMR,
        sector: cv.Sector.SECTOR_FOOD,
        facts: '当事人销售超过保质期的面包',
        legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
        result: '罚款五万元',
        amountFen: '5000000',
        decisionDate: '2026-03-02',
        simpleProcedure: false,
      },
    });
  } finally {
    client.close();
  }
}

/** The audit log's entries of the company, as the hub serves them. */
async function auditEntries(hub: RunningHub) {
  const options = { addr: hub.address, as: AUDITOR, role: 'auditor', timeoutMs: 10_000 };
  const found = await withClient(auditV1.AuditServiceClient, options, (c) =>
    call(
      c.searchEvents.bind(c),
      auditV1.SearchEventsRequest.fromPartial({ subject: BAKERY, page: { pageSize: 50 } }),
      options,
    ),
  );
  return found.entries;
}

describe('two hubs in two namespaces on one broker and one database server', () => {
  const hubs: TestHub[] = [];
  let kafka: EventTransport;
  const variables = ['ONCEONLY_AUDIT_NOTE_KEY', 'ONCEONLY_AUDIT_CHECKPOINT_MS', 'ONCEONLY_HOLDER_HASH_KEY'] as const;
  const saved = variables.map((name) => process.env[name]);

  beforeAll(async () => {
    const key = generateNoteKey('onceonly.test/namespaces');
    // the modules read their own configuration from the environment, as under `onceonly start`
    process.env.ONCEONLY_AUDIT_NOTE_KEY = key.signerKey;
    process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = '600000';
    process.env.ONCEONLY_HOLDER_HASH_KEY = randomBytes(32).toString('base64url');
    for (const prefix of ['citya', 'cityb']) {
      const namespace = uniqueNamespace(prefix);
      const db = await freshDatabase(`hubns_${prefix}`);
      const config = loadHubConfig({
        ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        ONCEONLY_NAMESPACE: namespace,
      });
      const log = createLogger({ level: 'silent', service: 'hub' });
      const hub = await startHub({ config, log, modules: [creditModule, auditModule] });
      hubs.push({ namespace, hub, db });
    }
    kafka = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'hub-namespace-test' });
  });

  afterAll(async () => {
    for (const { hub, db } of hubs) {
      await hub.stop();
      await db.drop();
    }
    await kafka?.close();
    for (const [i, name] of variables.entries()) {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    }
  });

  it('says the namespace in the ready line', () => {
    expect(hubs[0]!.hub.readyLine).toContain(`namespace=${hubs[0]!.namespace}`);
  });

  it("keeps each hub's events to its own audit log and its own consumers", async () => {
    const [a, b] = hubs as [TestHub, TestHub];
    await recordPenalty(a.hub, '沪市监普处〔2026〕1号');
    await recordPenalty(b.hub, '沪市监普处〔2026〕2号');

    // each log holds the two events of its own penalty: B's penalty of the same company is not in A's log
    for (const { hub } of [a, b]) {
      await waitFor(async () => (await auditEntries(hub)).length >= PENALTY_EVENTS.length, {
        timeoutMs: 30_000,
        message: 'the penalty in the audit log',
      });
    }
    // every log has read its namespace to the end (same group name in both: `onceonly-audit`, in its namespace)
    const logTopics = [CREDIT_TOPIC.name];
    for (const { namespace } of [a, b]) {
      const inNamespace = withNamespace(kafka, namespace);
      await waitFor(async () => totalLag(await inNamespace.lag('onceonly-audit', logTopics)) === 0, {
        timeoutMs: 30_000,
        message: `the audit log of ${namespace} read its credit topic to the end`,
      });
    }
    // (each search is itself logged, as an audit.entries-read of the hub that served it)
    const entriesA = await auditEntries(a.hub);
    const entriesB = await auditEntries(b.hub);
    const credit = (entries: typeof entriesA) => entries.filter((e) => e.event?.type.startsWith('credit.'));
    expect(credit(entriesA).map((e) => e.event?.type)).toEqual(PENALTY_EVENTS);
    expect(credit(entriesB).map((e) => e.event?.type)).toEqual(PENALTY_EVENTS);
    const idsA = credit(entriesA).map((e) => e.event!.id);
    const idsB = credit(entriesB).map((e) => e.event!.id);
    const allB = entriesB.map((e) => e.event!.id);
    expect(entriesA.filter((e) => allB.includes(e.event!.id))).toEqual([]);

    // a consumer in A's namespace reads A's events from the credit topic, and only those
    for (const [mine, theirs] of [
      [a, idsB],
      [b, idsA],
    ] as const) {
      const ids = await readTopic(withNamespace(kafka, mine.namespace), CREDIT_TOPIC.name, PENALTY_EVENTS.length);
      expect(ids.sort()).toEqual((mine === a ? idsA : idsB).slice().sort());
      expect(ids.filter((id) => theirs.includes(id))).toEqual([]);
    }
  });
  it("`audit replay --brokers` reads the hub's bus in the namespace it is given", async () => {
    const [a, b] = hubs as [TestHub, TestHub];
    const dir = await mkdtemp(path.join(tmpdir(), 'onceonly-ns-replay-'));
    const replay = (namespace: string) =>
      cli([
        ...['--addr', a.hub.address, '--as', AUDITOR, '--role', 'auditor', '--json', 'audit', 'replay'],
        ...['--brokers', kafkaBrokers().join(','), '--namespace', namespace, '--no-projection'],
        ...['--report', path.join(dir, namespace)],
      ]);
    try {
      const own = await replay(a.namespace);
      const report = JSON.parse(own.out) as { ok: boolean; busRecords: number };
      expect(report).toMatchObject({ ok: true });
      // the penalty's events and the searches' records of reads, read from A's topics
      expect(report.busRecords).toBeGreaterThanOrEqual(PENALTY_EVENTS.length);
      expect(own.code).toBe(0);
      // B's bus is not A's: the replay finds A's events missing from it
      const other = await replay(b.namespace);
      expect(other.code).not.toBe(0);
      expect((JSON.parse(other.out) as { ok: boolean }).ok).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The event ids on `topic`, read from the beginning by a fresh group, once `count` arrived. */
async function readTopic(transport: EventTransport, topic: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const subscription = await transport.subscribe({
    group: uniqueTopic('hub-ns-read'),
    topics: [topic],
    fromBeginning: true,
    handle: async (record) => {
      ids.push(fromKafkaRecord(record).id);
    },
  });
  try {
    await waitFor(() => ids.length >= count, { timeoutMs: 30_000, message: `${count} records on ${topic}` });
    return ids;
  } finally {
    await subscription.stop();
  }
}
