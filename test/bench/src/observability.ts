import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HubHeartbeat, HubServiceClient, HubServiceService, type WhoAmIRequest } from '@onceonly/contracts';
import { defineEvent } from '@onceonly/events';
import {
  createGrpcServer,
  createLogger,
  createMetrics,
  DEV_CALLER_HEADER,
  startTracing,
  type Tracing,
  unary,
} from '@onceonly/kit';
import { fmt, type Ratio, type Suite } from './suite.js';

/**
 * What metrics and tracing cost a call (ADR 035): unary calls per second against the kit's gRPC server (the same
 * interceptors as every service), whose handler makes one event draft the way a use case does, in three set-ups
 * measured in turn, three rounds each (median): no metrics and tracing off (the hooks are one comparison each),
 * metrics on and tracing off (the hub's default), and both on, exporting OTLP/HTTP to an in-process sink that
 * answers at once. Client and server share this process and its two cores: the ratios, not the rates, are the
 * finding.
 */

const heartbeat = defineEvent({
  type: 'hub.heartbeat',
  source: '/onceonly/bench',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});

type Setup = 'no metrics, tracing off' | 'metrics, tracing off' | 'metrics, tracing on';
const SETUPS: readonly Setup[] = ['no metrics, tracing off', 'metrics, tracing off', 'metrics, tracing on'];
const CONCURRENCY = 32;

async function sink(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** Calls per second for `calls` WhoAmI calls, `CONCURRENCY` at a time, against a server set up as `setup` says. */
async function measure(setup: Setup, calls: number, collector: string): Promise<number> {
  let tracing: Tracing | undefined;
  if (setup === 'metrics, tracing on') {
    tracing = await startTracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector } });
  }
  const log = createLogger({ level: 'silent', service: 'bench' });
  const server = createGrpcServer({
    address: '127.0.0.1:0',
    log,
    devIdentity: true,
    ...(setup === 'no metrics, tracing off' ? {} : { metrics: createMetrics({ processMetrics: false }) }),
  });
  server.addService(HubServiceService, {
    whoAmI: unary(async (_request: WhoAmIRequest, { caller }) => {
      heartbeat.make({ subject: 'bench', data: HubHeartbeat.fromPartial({ instanceId: 'bench' }) });
      return { ...caller };
    }),
    getInfo: unary(async () => ({
      version: '',
      mode: '',
      storage: '',
      eventTransport: '',
      services: [],
      startedAt: '',
    })),
  });
  const { address } = await server.start();
  const client = new HubServiceClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set(DEV_CALLER_HEADER, 'bench');
  const call = () =>
    new Promise<void>((resolve, reject) => client.whoAmI({}, metadata, (err) => (err ? reject(err) : resolve())));
  try {
    for (let i = 0; i < 200; i++) await call(); // warm-up
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < calls) await call();
      }),
    );
    return calls / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    client.close();
    await server.shutdown(1_000);
    await tracing?.shutdown();
  }
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The `observability` suite: calls per second with and without metrics and tracing. */
export const observabilitySuite: Suite = {
  name: 'observability',
  title: 'Metrics and tracing: what they cost a call',
  usesBroker: false,
  async run({ scale }) {
    const calls = Math.max(1_000, Math.round(10_000 * scale));
    const collector = await sink();
    const rates = new Map<Setup, number[]>(SETUPS.map((s) => [s, []]));
    try {
      for (let round = 0; round < 3; round++) {
        for (const setup of SETUPS) rates.get(setup)!.push(await measure(setup, calls, collector.url));
      }
    } finally {
      collector.close();
    }
    const rate = (s: Setup) => median(rates.get(s)!);
    const base = rate('no metrics, tracing off');
    const rows = SETUPS.map((s) => `| ${s} | ${fmt(rate(s), 0)} | ${fmt(rate(s) / base, 3)} |`);
    const ratios: Ratio[] = [
      {
        name: 'observability.metrics-tracing-off-vs-none',
        value: rate('metrics, tracing off') / base,
        meaning: 'calls/s with metrics and tracing off (the default) over calls/s without metrics: 1.0 is free',
      },
      {
        name: 'observability.tracing-on-vs-none',
        value: rate('metrics, tracing on') / base,
        meaning: 'calls/s with metrics and OTLP tracing on over calls/s without metrics and tracing',
      },
    ];
    const markdown = [
      `## ${this.title}`,
      '',
      `${calls} WhoAmI calls per round, ${CONCURRENCY} at a time, against the kit's gRPC server in this process (each`,
      'call makes one event draft); median of 3 rounds per set-up, set-ups interleaved. Tracing off means no OTLP',
      'endpoint: no SDK is loaded and every hook is one comparison.',
      '',
      '| set-up | calls/s | vs no metrics, tracing off |',
      '| --- | ---: | ---: |',
      ...rows,
      '',
    ].join('\n');
    return { markdown, json: { calls, concurrency: CONCURRENCY, rates: Object.fromEntries(rates) }, ratios };
  },
};
