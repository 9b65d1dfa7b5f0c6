#!/usr/bin/env node
/**
 * `npm run bench`: OnceOnly's event pipeline beside a bare kafkajs producer/consumer and Kafka's own producer perf
 * test, on the same broker in the same run. Writes bench-results/results.{json,md} and prints the table.
 * Options: --events N (default 5000), --writers N (8), --payload BYTES (200), --perf-records N (200000), --out DIR.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@onceonly/store';
import { freshDatabase } from '@onceonly/testing';
import { bareKafkajs, type PipelineResult } from './bare-kafkajs.js';
import { kafkaProducerPerf, useBroker } from './broker.js';
import { outboxPipeline } from './outbox-pipeline.js';
import { type BenchReport, machine, markdown, writeReport } from './report.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    writers: { type: 'string', default: '8' },
    payload: { type: 'string', default: '200' },
    'perf-records': { type: 'string', default: '200000' },
    out: { type: 'string', default: resolve(process.env.INIT_CWD ?? process.cwd(), 'bench-results') },
  },
});
const events = Number(values.events);
const writers = Number(values.writers);
const payloadBytes = Number(values.payload);
const perfRecords = Number(values['perf-records']);

async function withFreshDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const target = await freshDatabase('bench');
  const db = await openDatabase({ url: target.url });
  try {
    return await fn(db);
  } finally {
    await db.close();
    await target.drop();
  }
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const broker = await useBroker();
  const pipelines: PipelineResult[] = [];
  let kafkaPerf: BenchReport['kafkaPerf'];
  try {
    pipelines.push(
      await bareKafkajs({ brokers: broker.brokers, topic: `bench.bare.${run}`, events, payloadBytes, batch: 100 }),
    );
    for (const transport of ['kafka', 'embedded'] as const) {
      pipelines.push(
        await withFreshDatabase((db) =>
          outboxPipeline({
            db,
            transport,
            brokers: broker.brokers,
            topic: `bench.outbox.${transport}.${run}`,
            events,
            payloadBytes,
            writers,
          }),
        ),
      );
    }
    process.stderr.write(`kafka-producer-perf-test: ${perfRecords} records of ${payloadBytes} bytes...\n`);
    kafkaPerf = await kafkaProducerPerf({
      brokers: broker.brokers,
      topic: `bench.perf.${run}`,
      records: perfRecords,
      recordSize: payloadBytes,
    });
  } finally {
    await broker.stop();
  }
  const bare = pipelines[0]!;
  const viaKafka = pipelines[1]!;
  const embedded = pipelines[2]!;
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    machine: machine(),
    settings: { events, writers, payloadBytes, perfRecords },
    pipelines,
    kafkaPerf,
    ratios: [
      {
        name: 'onceonly (Kafka) / bare kafkajs, events/s',
        value: viaKafka.eventsPerSecond / bare.eventsPerSecond,
        meaning: 'throughput kept after outbox, relay, envelope and inbox',
      },
      {
        name: 'onceonly (Kafka) / bare kafkajs, p50 latency',
        value: viaKafka.latencyMs.p50 / bare.latencyMs.p50,
        meaning: 'how many times slower a commit reaches a handler',
      },
      {
        name: 'onceonly (embedded) / onceonly (Kafka), events/s',
        value: embedded.eventsPerSecond / viaKafka.eventsPerSecond,
        meaning: 'the embedded log against the broker, same database',
      },
      ...(kafkaPerf
        ? [
            {
              name: 'bare kafkajs / kafka-producer-perf-test, records/s',
              value: bare.eventsPerSecond / kafkaPerf.recordsPerSecond,
              meaning: "the Node client against Kafka's own Java producer",
            },
            {
              name: 'onceonly (Kafka) / kafka-producer-perf-test, records/s',
              value: viaKafka.eventsPerSecond / kafkaPerf.recordsPerSecond,
              meaning: 'end to end against the broker ceiling',
            },
          ]
        : []),
    ],
  };
  const files = writeReport(report, values.out);
  process.stdout.write(`\n${markdown(report)}\nwritten: ${files.json}, ${files.md}\n`);
}

await main();
