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
  type OutboxEntry,
  queryWithEvents,
  TopicRegistry,
  type TopicSpec,
  withEventTables,
} from '@onceonly/events';
import { type Database, migrate } from '@onceonly/store';
import type { PipelineResult } from './bare-kafkajs.js';
import { countingDatabase } from './counting-database.js';
import { startCpuMeter } from './machine-cpu.js';
import { progress } from './progress.js';
import { perEvent as rowsPerEvent, rowWrites, rowWritesSince } from './row-writes.js';
import { nowMs, summarise } from './stats.js';

const SCHEMA = 'bench';
const CONSUMER_NOTES = {
  default: 'a fetched batch per transaction, per-event handler (the default, ADR 018)',
  'per-event': 'one transaction per event (batches: false)',
  'batch-handler': 'a fetched batch per transaction, batch handler (ADR 011)',
} as const;
const Ticked = defineEvent({
  type: 'bench.ticked',
  source: '/onceonly/bench',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});

/**
 * OnceOnly's path: a state row and its event committed in one transaction (the outbox), the relay publishing, and
 * a consumer handling each event in a transaction with its inbox row. Latency: from just before the commit to the
 * handler. `writers` transactions run at once, `eventsPerWrite` events each (one state change = one transaction).
 */
export async function outboxPipeline(options: {
  db: Database;
  transport: 'kafka' | 'embedded';
  brokers: string[];
  topic: string;
  events: number;
  payloadBytes: number;
  writers: number;
  /**
   * How a writer commits its state row and its events: one statement (`queryWithEvents`, the default, ADR 018), or
   * a transaction (BEGIN, the state row, `appendToOutbox`, COMMIT: what a use case that reads first needs).
   */
  writes?: 'statement' | 'transaction';
  /** Events per write (default 1), all in the write's one transaction with its state row. */
  eventsPerWrite?: number;
  /**
   * The consumer: the library's default (a fetched batch per transaction, the per-event handler called for each
   * event, ADR 018), one transaction per event (`batches: false`), or a `batchHandler` (ADR 011).
   */
  consumer?: 'default' | 'per-event' | 'batch-handler';
  /** The broker's pid, for its CPU per event (over Kafka only). */
  brokerPid?: number;
}): Promise<PipelineResult> {
  const writes = options.writes ?? 'statement';
  const perWrite = options.eventsPerWrite ?? 1;
  const consumerKind = options.consumer ?? 'default';
  const { db } = options;
  await migrateItemsWithEvents(db);
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
    ...(consumerKind === 'per-event' ? { batches: false } : {}),
    ...(consumerKind === 'batch-handler'
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
  const schemas = [SCHEMA, 'bench_log'];
  const rows0 = await rowWrites(db, schemas);

  const meter = await startCpuMeter(db, options.transport === 'kafka' ? options.brokerPid : undefined);
  const firstCommit = nowMs();
  const writeCount = Math.ceil(options.events / perWrite);
  await runWriters({
    db: writers,
    topic,
    events: options.events,
    payloadBytes: options.payloadBytes,
    writers: options.writers,
    writes,
    eventsPerWrite: perWrite,
    afterWrite: () => relay.kick(),
  });
  // every event committed and published (the relay found the outbox empty): the write side and the relay alone
  await relay.flush({ timeoutMs: 300_000 });
  const allPublished = nowMs();
  await done;
  const machineCpu = meter.stop(options.events);
  bar.stop();
  const perEvent = (n: number) => n / options.events;
  // counted at the last handler call: the relay's and the consumer's idle polls after it are not the events' cost
  const statements = {
    write: perEvent(writers.statements() - write0),
    relay: perEvent(relayDb.statements() - relay0),
    consume: perEvent(consumerDb.statements() - consume0),
    transport: perEvent(transportDb.statements() - transport0),
  };
  const tags = [
    ...(writes === 'transaction' ? ['writes in a transaction'] : []),
    ...(perWrite > 1 ? [`${perWrite} events per write`] : []),
    ...(consumerKind === 'per-event' ? ['one transaction per event'] : []),
    ...(consumerKind === 'batch-handler' ? ['batch handler'] : []),
  ];
  const label = tags.length > 0 ? ` (${tags.join(', ')})` : '';
  await relay.stop();
  await consumer.stop();
  await transport.close();
  // the state rows, the outbox rows and the inbox rows at least (the embedded log's too)
  const minimumRows = writeCount + options.events * (options.transport === 'embedded' ? 3 : 2);
  const rows = await rowWritesSince(db, schemas, rows0, minimumRows);
  return {
    name: `onceonly outbox → relay → ${options.transport === 'kafka' ? 'Kafka' : 'embedded log'} → inbox consumer${label}`,
    events: options.events,
    eventsPerSecond: options.events / ((lastHandled - firstCommit) / 1000),
    latencyMs: summarise(latencies),
    statementsPerEvent: statements,
    rowWritesPerEvent: rowsPerEvent(rows, options.events),
    publishedPerSecond: options.events / ((allPublished - firstCommit) / 1000),
    cpuMsPerEvent: machineCpu.bench,
    machineCpu,
    note: `${options.writers} writers, one state row + ${perWrite === 1 ? 'one event' : `${perWrite} events`} per transaction (${writes === 'statement' ? 'one statement: queryWithEvents' : 'BEGIN, two INSERTs, COMMIT'}), PostgreSQL; consumer: ${CONSUMER_NOTES[consumerKind]}`,
  };
}

/** The pipelines' schema: the state rows (`items`) with the outbox and the inbox of `withEventTables`. */
async function migrateItemsWithEvents(db: Database): Promise<void> {
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
}

/**
 * The row's writers: `writers` loops committing, until `events` are written, a state row and `eventsPerWrite` events
 * in one statement (`queryWithEvents`) or in a transaction (BEGIN, INSERT, `appendToOutbox`, COMMIT); `afterWrite`
 * after each commit, with the instant the write began (the pipeline kicks its relay).
 */
async function runWriters(options: {
  db: Database;
  topic: TopicSpec;
  events: number;
  payloadBytes: number;
  writers: number;
  writes: 'statement' | 'transaction';
  eventsPerWrite: number;
  afterWrite?: (startedMs: number) => void;
}): Promise<void> {
  const { db, topic, events, eventsPerWrite: perWrite } = options;
  const padding = Buffer.alloc(options.payloadBytes);
  const writeCount = Math.ceil(events / perWrite);
  let next = 0;
  const writer = async () => {
    for (let w = next++; w < writeCount; w = next++) {
      const started = nowMs();
      const sentAt = String(started);
      const entries: OutboxEntry[] = [];
      for (let i = w * perWrite; i < Math.min(events, (w + 1) * perWrite); i++) {
        const event = Ticked.make({
          subject: `k${i % 64}`,
          data: { instanceId: 'bench', sentAt, counter: String(i), padding },
        });
        entries.push({ topic, event });
      }
      const state = { sql: `INSERT INTO ${SCHEMA}.items (id, touched_at) VALUES ($1, now())`, params: [w] };
      if (options.writes === 'transaction') {
        await db.transaction(async (tx) => {
          await tx.query(state.sql, state.params);
          await appendToOutbox(tx, SCHEMA, entries);
        });
      } else {
        await queryWithEvents(db, SCHEMA, state, entries);
      }
      options.afterWrite?.(started);
    }
  };
  await Promise.all(Array.from({ length: options.writers }, writer));
}

/**
 * The writers' own ceiling for the issue's row: the pipeline's writers (the same state row and event, in one
 * statement each, `writers` at once) committing into the outbox with no relay and no consumer running. The row can
 * go no faster than this whatever the relay and the consumer do. Latency: the write's round trip, its commit included.
 */
export async function outboxWritersAlone(options: {
  db: Database;
  events: number;
  payloadBytes: number;
  writers: number;
}): Promise<PipelineResult> {
  await migrateItemsWithEvents(options.db);
  const topic = defineTopic({ name: 'bench.writers', partitions: 3, owner: 'bench', eventTypes: [Ticked.type] });
  return measureWriters({
    db: options.db,
    label: "the row's writers alone",
    name: `the row's ${options.writers} writers alone: state row + outbox, no relay, no consumer`,
    note: "the row's writes alone (queryWithEvents, one state row + one event per statement): the outbox's commits' ceiling",
    events: options.events,
    rowsPerEvent: 2,
    run: (writers, written) =>
      runWriters({ ...options, db: writers, topic, writes: 'statement', eventsPerWrite: 1, afterWrite: written }),
  });
}

/**
 * Times a run of writers with no relay and no consumer on `db` (counted, its CPU metered): `run` writes the
 * `events` and calls `written` after each write with the instant it began (its latency). `rowsPerEvent`: the rows
 * each event writes at least, which the row counts wait for.
 */
async function measureWriters(options: {
  db: Database;
  label: string;
  name: string;
  note: string;
  events: number;
  rowsPerEvent: number;
  run: (writers: Database, written: (startedMs: number) => void) => Promise<void>;
}): Promise<PipelineResult> {
  const { db, events } = options;
  const writers = countingDatabase(db);
  const rows0 = await rowWrites(db, [SCHEMA]);
  const latencies: number[] = [];
  const bar = progress(options.label, events);
  const meter = await startCpuMeter(db, undefined);
  const first = nowMs();
  await options.run(writers, (started) => bar.update(latencies.push(nowMs() - started)));
  const seconds = (nowMs() - first) / 1000;
  const machineCpu = meter.stop(events);
  bar.stop();
  const rows = await rowWritesSince(db, [SCHEMA], rows0, events * options.rowsPerEvent);
  return {
    name: options.name,
    events,
    eventsPerSecond: events / seconds,
    latencyMs: summarise(latencies),
    statementsPerEvent: { write: writers.statements() / events, relay: 0, consume: 0, transport: 0 },
    rowWritesPerEvent: rowsPerEvent(rows, events),
    cpuMsPerEvent: machineCpu.bench,
    machineCpu,
    note: options.note,
  };
}

/**
 * The database's own ceiling for the issue's row: `writers` connections each committing the same one-statement
 * INSERT of a state row as the pipeline's writers, with no outbox, relay or consumer. Latency: the commit's round trip.
 */
export async function barePostgresWriters(options: {
  db: Database;
  events: number;
  writers: number;
}): Promise<PipelineResult> {
  const { db } = options;
  await db.query(`CREATE SCHEMA ${SCHEMA}`);
  await db.query(`CREATE TABLE ${SCHEMA}.items (id bigint PRIMARY KEY, touched_at timestamptz NOT NULL)`);
  return measureWriters({
    db,
    label: 'bare PostgreSQL writers',
    name: `bare PostgreSQL: ${options.writers} writers, the state row's INSERT alone`,
    note: `${options.writers} connections, one autocommitted INSERT each (no outbox, relay or consumer): the commits' ceiling`,
    events: options.events,
    rowsPerEvent: 1,
    run: async (writers, written) => {
      let next = 0;
      const writer = async () => {
        for (let w = next++; w < options.events; w = next++) {
          const sent = nowMs();
          await writers.query(`INSERT INTO ${SCHEMA}.items (id, touched_at) VALUES ($1, now())`, [w]);
          written(sent);
        }
      };
      await Promise.all(Array.from({ length: options.writers }, writer));
    },
  });
}
