/**
 * Metrics and traces of a hub (issue 16 items 3 and 4, ADR 035): a hub on PostgreSQL and Kafka (credit and the
 * audit log, in a namespace of its own) with an OTLP endpoint, served by an in-test OTLP/HTTP receiver. A penalty
 * recorded over gRPC, and a refused call; then the scrape shows the series move, and the receiver holds one trace
 * from the caller's `traceparent` through the gRPC server span, the relay's publish and the audit log's handling.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metadata } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { CREDIT_TOPIC, creditModule } from '@onceonly/credit';
import { creditClient, creditV1 as cv } from '@onceonly/credit/client';
import { createKafkaTransport, withNamespace } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { generateNoteKey } from '@onceonly/merkle';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig } from './config.js';
import { type RunningHub, startHub } from './start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const BAKERY = uscc('91310107MA1G8K3D4');
const RECORD_PENALTY = 'grpc_method="RecordPenalty"';

/** An OTLP/HTTP JSON span, as the exporter sends it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
const KIND = { SERVER: 2, PRODUCER: 4, CONSUMER: 5 } as const;

/** A small OTLP/HTTP receiver: keeps every span of every `POST /v1/traces` (JSON encoding). */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
        };
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

/** The exposition text as `name{labels}` → value (comments left out). */
async function scrape(address: string): Promise<Map<string, number>> {
  const response = await fetch(`http://${address}/metrics`);
  expect(response.status).toBe(200);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The sum of the series named `name` whose labels contain every one of `labels` (0 when none). */
function value(series: Map<string, number>, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const [key, v] of series) {
    const [metric] = key.split('{');
    if (metric === name && labels.every((label) => key.includes(label))) sum += v;
  }
  return sum;
}

function has(series: Map<string, number>, name: string, ...labels: string[]): boolean {
  return [...series.keys()].some((key) => key.split('{')[0] === name && labels.every((l) => key.includes(l)));
}

async function recordPenalty(hub: RunningHub, decision: string, traceparent?: string) {
  const client = creditClient(hub.address, {
    metadata: () => {
      const m = new Metadata();
      m.set(DEV_CALLER_HEADER, MARKET_REGULATION);
      m.set(DEV_ROLE_HEADER, 'department');
      if (traceparent) m.set('traceparent', traceparent);
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

describe('a hub with metrics and traces', () => {
  let hub: RunningHub;
  let db: TestDatabase;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let namespace: string;
  const variables = ['ONCEONLY_AUDIT_NOTE_KEY', 'ONCEONLY_AUDIT_CHECKPOINT_MS', 'ONCEONLY_HOLDER_HASH_KEY'] as const;
  const saved = variables.map((name) => process.env[name]);

  beforeAll(async () => {
    receiver = await otlpReceiver();
    process.env.ONCEONLY_AUDIT_NOTE_KEY = generateNoteKey('onceonly.test/observability').signerKey;
    process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = '1000';
    process.env.ONCEONLY_HOLDER_HASH_KEY = randomBytes(32).toString('base64url');
    db = await freshDatabase('hub_observability');
    namespace = uniqueNamespace('obs');
    const config = loadHubConfig({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      ONCEONLY_NAMESPACE: namespace,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    const log = createLogger({ level: 'silent', service: 'hub' });
    hub = await startHub({ config, log, modules: [creditModule, auditModule] });
  });

  afterAll(async () => {
    await hub?.stop();
    await db?.drop();
    await new Promise((resolve) => receiver?.server.close(resolve));
    for (const [i, name] of variables.entries()) {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    }
  });

  it('prints where the metrics are in the ready line, on a free loopback port', () => {
    expect(hub.metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(hub.readyLine).toContain(`metrics=${hub.metricsAddress}`);
  });

  it('moves the RPC, outbox, consumer and audit series, and carries one trace from the call to the audit log', async () => {
    const address = hub.metricsAddress!;
    const before = await scrape(address);
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    await recordPenalty(hub, '沪市监普处〔2026〕7号', `00-${traceId}-${callerSpan}-01`);
    // a refused call: a penalty without a decision number
    await expect(
      (async () => {
        const client = creditClient(hub.address, {
          metadata: () => {
            const m = new Metadata();
            m.set(DEV_CALLER_HEADER, MARKET_REGULATION);
            return m;
          },
        });
        try {
          await client.recordPenalty({ idempotencyKey: 'x', partyName: '', authorityCode: MARKET_REGULATION });
        } finally {
          client.close();
        }
      })(),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    // the audit log appends the penalty's events (two) and signs a checkpoint
    await waitFor(
      async () => {
        const now = await scrape(address);
        return (
          value(now, 'onceonly_audit_tree_size') >= value(before, 'onceonly_audit_tree_size') + 2 &&
          value(now, 'onceonly_audit_checkpoint_age_seconds') >= 0
        );
      },
      { timeoutMs: 30_000, message: 'the penalty in the audit tree' },
    );
    const after = await scrape(address);
    const count = 'onceonly_grpc_server_handling_seconds_count';
    expect(value(after, count, RECORD_PENALTY, 'grpc_code="OK"')).toBe(value(before, count, RECORD_PENALTY) + 1);
    expect(value(after, count, RECORD_PENALTY, 'grpc_code="INVALID_ARGUMENT"')).toBe(1);
    expect(has(after, 'onceonly_grpc_server_handling_seconds_bucket', RECORD_PENALTY, 'le="0.005"')).toBe(true);
    const published = (s: Map<string, number>) => value(s, 'onceonly_outbox_published_total', 'schema="credit"');
    expect(published(after)).toBeGreaterThanOrEqual(published(before) + 2);
    expect(value(after, 'onceonly_outbox_pending_events', 'schema="credit"')).toBe(0);
    expect(has(after, 'onceonly_outbox_oldest_pending_age_seconds', 'schema="credit"')).toBe(true);
    expect(value(after, 'onceonly_outbox_relay_leader', 'schema="credit"')).toBe(1);
    const handled = (s: Map<string, number>) =>
      value(s, 'onceonly_consumer_events_total', 'group="onceonly-audit"', 'outcome="handled"');
    expect(handled(after)).toBeGreaterThanOrEqual(handled(before) + 2);
    expect(has(after, 'onceonly_consumer_lag_records', 'group="onceonly-audit"', 'topic="onceonly.credit.v1"')).toBe(
      true,
    );
    expect(value(after, 'onceonly_consumer_dead_letters_total', 'group="onceonly-audit"')).toBe(0);
    expect(has(after, 'onceonly_consumer_dead_letters_total', 'reason="HANDLER_FAILED"')).toBe(true);
    expect(value(after, 'onceonly_audit_open_gaps')).toBe(0);

    // one trace: the caller's → the server span → the relay's publish and the audit log's handling of each event
    await waitFor(
      () =>
        receiver.spans.some((s) => s.traceId === traceId && s.kind === KIND.PRODUCER) &&
        receiver.spans.some((s) => s.traceId === traceId && s.kind === KIND.CONSUMER),
      { timeoutMs: 30_000, message: 'the spans of the penalty at the OTLP receiver' },
    );
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const server = trace.find((s) => s.kind === KIND.SERVER && s.name.endsWith('/RecordPenalty'));
    expect(server?.parentSpanId).toBe(callerSpan);
    const publish = trace.filter((s) => s.kind === KIND.PRODUCER);
    const process = trace.filter((s) => s.kind === KIND.CONSUMER);
    expect(publish.map((s) => s.name)).toContain('publish onceonly.credit.v1');
    expect(process.map((s) => s.name)).toContain('process onceonly.credit.v1');
    for (const span of [...publish, ...process]) expect(span.parentSpanId).toBe(server?.spanId);
  });

  it('counts a record the audit log dead-letters', async () => {
    const address = hub.metricsAddress!;
    const malformed = 'onceonly_consumer_dead_letters_total';
    const labels = ['group="onceonly-audit"', 'reason="EVENT_MALFORMED"'];
    expect(value(await scrape(address), malformed, ...labels)).toBe(0);
    // a record that is no CloudEvent, on the credit topic of this hub's namespace
    const kafka = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'observability-test' });
    try {
      await withNamespace(kafka, namespace).publish([
        { topic: CREDIT_TOPIC.name, key: 'garbage', value: Buffer.from('not an event'), headers: {} },
      ]);
    } finally {
      await kafka.close();
    }
    await waitFor(async () => value(await scrape(address), malformed, ...labels) === 1, {
      timeoutMs: 30_000,
      message: 'the dead letter counted',
    });
  });
});
