import { Kafka, logLevel } from 'kafkajs';
import { type MachineCpu, startCpuMeter } from './machine-cpu.js';
import { progress } from './progress.js';
import type { RowWrites } from './row-writes.js';
import { type Latency, nowMs, summarise } from './stats.js';

export interface PipelineResult {
  name: string;
  events: number;
  eventsPerSecond: number;
  latencyMs: Latency;
  /**
   * SQL statements (round trips, BEGIN and COMMIT included) per event, by component: the writers' transactions, the
   * relay, the consumer (inbox and handler), and the embedded log's own (publish and polling; 0 over Kafka).
   */
  statementsPerEvent?: { write: number; relay: number; consume: number; transport: number };
  /**
   * Rows the pipeline wrote per event, by table (PostgreSQL's statistics: inserts, updates and how many of them were
   * HOT, deletes), from after the set-up until everything was handled; the writers, the relay and the consumer together.
   */
  rowWritesPerEvent?: RowWrites;
  /** Events per second from the first commit until the relay had published them all (writers and relay alone). */
  publishedPerSecond?: number;
  /** CPU milliseconds of this (the bench's) process per event over the measurement: user + system, every thread. */
  cpuMsPerEvent?: number;
  /** CPU ms per event of every process on the path: this one, the run database's backends, the broker. */
  machineCpu?: MachineCpu;
  note: string;
}

/**
 * Runs `once` again while it fails with an error kafkajs marks retriable (at most 10 tries): a broker the run has just
 * started may not know a new topic's partitions yet when kafkajs asks for its metadata (UNKNOWN_TOPIC_OR_PARTITION in
 * createTopics' wait for leaders, or in a consumer's subscribe), as the OnceOnly transport does (its #whileRetriable).
 */
async function whileRetriable<T>(once: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/**
 * The baseline: a bare kafkajs idempotent producer (acks=all, one request in flight, the same settings as the
 * relay) sending batches straight to a topic, and a bare consumer group reading them. No database, no envelope.
 */
export async function bareKafkajs(options: {
  brokers: string[];
  topic: string;
  events: number;
  payloadBytes: number;
  batch: number;
  brokerPid?: number;
}): Promise<PipelineResult> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await whileRetriable(() =>
    admin.createTopics({ topics: [{ topic: options.topic, numPartitions: 3 }], waitForLeaders: true }),
  );
  await admin.disconnect();

  const consumer = kafka.consumer({ groupId: `${options.topic}-group` });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const latencies: number[] = [];
  const bar = progress('bare kafkajs', options.events);
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let lastReceived = 0;
  await consumer.connect();
  await whileRetriable(() => consumer.subscribe({ topic: options.topic, fromBeginning: true }));
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const sent = message.value!.readDoubleBE(0);
      lastReceived = nowMs();
      latencies.push(lastReceived - sent);
      bar.update(latencies.length);
      if (latencies.length === options.events) resolveDone();
    },
  });
  await joined;
  await producer.connect();
  const meter = await startCpuMeter(undefined, options.brokerPid);
  const firstSent = nowMs();
  for (let i = 0; i < options.events; i += options.batch) {
    const n = Math.min(options.batch, options.events - i);
    const messages = Array.from({ length: n }, (_, j) => {
      const value = Buffer.alloc(options.payloadBytes);
      value.writeDoubleBE(nowMs(), 0);
      return { key: `k${(i + j) % 64}`, value };
    });
    await producer.send({ topic: options.topic, acks: -1, messages });
  }
  await done;
  const machineCpu = meter.stop(options.events);
  bar.stop();
  await producer.disconnect();
  await consumer.disconnect();
  return {
    name: 'bare kafkajs producer → consumer',
    events: options.events,
    eventsPerSecond: options.events / ((lastReceived - firstSent) / 1000),
    latencyMs: summarise(latencies),
    cpuMsPerEvent: machineCpu.bench,
    machineCpu,
    note: `batches of ${options.batch}, no database`,
  };
}
