import { HubHeartbeat } from '@onceonly/contracts';
import {
  appendToOutbox,
  createConsumer,
  createEmbeddedTransport,
  createKafkaTransport,
  createRelay,
  defineEvent,
  defineTopic,
  type EventTransport,
  eventHandler,
  TopicRegistry,
  withEventTables,
} from '@onceonly/events';
import { type Database, migrate } from '@onceonly/store';
import type { PipelineResult } from './bare-kafkajs.js';
import { countingDatabase } from './counting-database.js';
import { progress } from './progress.js';
import { nowMs, summarise } from './stats.js';

const SCHEMA = 'bench';
const Ticked = defineEvent({
  type: 'bench.ticked',
  source: '/onceonly/bench',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});

/**
 * OnceOnly's path: a state row and its event committed in one transaction (the outbox), the relay publishing, and
 * a consumer handling each event in a transaction with its inbox row. Latency: from just before the commit to the
 * handler. `writers` transactions run at once, one event each (one state change = one transaction).
 */
export async function outboxPipeline(options: {
  db: Database;
  transport: 'kafka' | 'embedded';
  brokers: string[];
  topic: string;
  events: number;
  payloadBytes: number;
  writers: number;
  /** The consumer handles each fetched batch in one transaction (ADR 011) instead of one per event. */
  batches?: boolean;
}): Promise<PipelineResult> {
  const { db } = options;
  await migrate(db, {
    schema: SCHEMA,
    migrations: withEventTables(SCHEMA, [
      {
        version: 1,
        name: 'items',
        sql: `CREATE TABLE ${SCHEMA}.items (id bigint PRIMARY KEY, touched_at timestamptz NOT NULL)`,
      },
    ]),
  });
  // each component gets its own counting view of the same pool: statements per event, side by side
  const writers = countingDatabase(db);
  const relayDb = countingDatabase(db);
  const consumerDb = countingDatabase(db);
  const transportDb = countingDatabase(db);
  const transport: EventTransport =
    options.transport === 'kafka'
      ? await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-onceonly' })
      : await createEmbeddedTransport({ db: transportDb, schema: 'bench_log' });
  const topic = defineTopic({ name: options.topic, partitions: 3, owner: 'bench', eventTypes: [Ticked.type] });
  const registry = new TopicRegistry();
  registry.register(topic);
  await transport.ensureTopics(registry.all());

  const latencies: number[] = [];
  const bar = progress(`onceonly outbox (${options.transport})`, options.events);
  let lastHandled = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const handled = (data: { sentAt: string }) => {
    lastHandled = nowMs();
    latencies.push(lastHandled - Number(data.sentAt));
    bar.update(latencies.length);
    if (latencies.length === options.events) resolveDone();
  };
  const consumer = createConsumer({
    transport,
    db: consumerDb,
    schema: SCHEMA,
    group: `${options.topic}-group`,
    topics: [topic.name],
    registry,
    handlers: { [Ticked.type]: eventHandler(Ticked, async (data) => handled(data)) },
    ...(options.batches
      ? {
          batchHandler: async (items) => {
            for (const { event } of items) handled(Ticked.decode(event));
          },
        }
      : {}),
  });
  await consumer.start();
  const relay = createRelay({ db: relayDb, schema: SCHEMA, transport, pollIntervalMs: 50 });
  relay.start();
  // from here on: the migrations and the topic set-up are not counted
  const counted = [writers, relayDb, consumerDb, transportDb] as const;
  const [write0, relay0, consume0, transport0] = counted.map((c) => c.statements()) as [number, number, number, number];

  const padding = Buffer.alloc(options.payloadBytes);
  let next = 0;
  const firstCommit = nowMs();
  const writer = async () => {
    for (let i = next++; i < options.events; i = next++) {
      const event = Ticked.make({
        subject: `k${i % 64}`,
        data: { instanceId: 'bench', sentAt: String(nowMs()), counter: String(i), padding },
      });
      await writers.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${SCHEMA}.items (id, touched_at) VALUES ($1, now())`, [i]);
        await appendToOutbox(tx, SCHEMA, [{ topic, event }]);
      });
      relay.kick();
    }
  };
  await Promise.all(Array.from({ length: options.writers }, writer));
  // every event committed and published (the relay found the outbox empty): the write side and the relay alone
  await relay.flush({ timeoutMs: 300_000 });
  const allPublished = nowMs();
  await done;
  bar.stop();
  const perEvent = (n: number) => n / options.events;
  // counted at the last handler call: the relay's and the consumer's idle polls after it are not the events' cost
  const statements = {
    write: perEvent(writers.statements() - write0),
    relay: perEvent(relayDb.statements() - relay0),
    consume: perEvent(consumerDb.statements() - consume0),
    transport: perEvent(transportDb.statements() - transport0),
  };
  await relay.stop();
  await consumer.stop();
  await transport.close();
  return {
    name: `onceonly outbox → relay → ${options.transport === 'kafka' ? 'Kafka' : 'embedded log'} → inbox consumer${options.batches ? ' (batches)' : ''}`,
    events: options.events,
    eventsPerSecond: options.events / ((lastHandled - firstCommit) / 1000),
    latencyMs: summarise(latencies),
    statementsPerEvent: statements,
    publishedPerSecond: options.events / ((allPublished - firstCommit) / 1000),
    note: `${options.writers} writers, one state row + one event per transaction, PostgreSQL${options.batches ? '; the consumer handles a fetched batch per transaction (ADR 011)' : ''}`,
  };
}
