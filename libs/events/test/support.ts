/**
 * Shared pieces of the events integration tests: the transports under test (the same contract suite runs on each),
 * a heartbeat event, a small "service" schema with a state table, and readers for topics and dead letters.
 */

import { Writable } from 'node:stream';
import { DeadLetter, HubHeartbeat } from '@onceonly/contracts';
import { type Database, migrate, openDatabase, type Transaction } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka } from '@onceonly/testing';
import { Partitioners } from 'kafkajs';
import { type Logger, pino } from 'pino';
import {
  appendToOutbox,
  createEmbeddedTransport,
  createKafkaTransport,
  defineEvent,
  defineTopic,
  type EventDraft,
  type EventTransport,
  ensureTopics,
  type OutgoingRecord,
  type ReceivedRecord,
  type Subscription,
  TopicRegistry,
  withEventTables,
} from '../src/index.js';

/** The event every test publishes. */
export const heartbeat = defineEvent({
  type: 'hub.heartbeat',
  source: '/onceonly/test',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});

/** The schema of the pretend service: its state table plus the outbox and inbox. */
export const SERVICE_SCHEMA = 'svc';

/** Creates the service schema: a `things` state table, the outbox and the inbox. */
export async function installService(db: Database, schema = SERVICE_SCHEMA): Promise<void> {
  const own = [
    {
      version: 1,
      name: 'things',
      sql: `CREATE TABLE "${schema}".things (id text PRIMARY KEY, counter bigint NOT NULL);
            CREATE TABLE "${schema}".seen (event_id text NOT NULL, subject text NOT NULL, counter bigint NOT NULL,
              handled_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    },
  ];
  await migrate(db, { schema, migrations: withEventTables(schema, own) });
}

/** Opens a harness with the service schema installed and `topic` created (one partition of heartbeats). */
export async function openWithTopic(factory: HarnessFactory, topic: string): Promise<Harness> {
  const h = await factory.open();
  await installService(h.db);
  await ensureTopics(
    h.transport,
    new TopicRegistry([defineTopic({ name: topic, partitions: 1, owner: 'test', eventTypes: ['hub.heartbeat'] })]),
  );
  return h;
}

/** The state change and its event in one transaction, as a service would write them (the relay stamps the sequence). */
export async function writeThing(
  tx: Transaction,
  topic: string,
  subject: string,
  counter: number,
  schema = SERVICE_SCHEMA,
): Promise<EventDraft> {
  await tx.query(
    `INSERT INTO "${schema}".things (id, counter) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET counter = EXCLUDED.counter`,
    [subject, counter],
  );
  const event = heartbeat.make({
    subject,
    data: HubHeartbeat.fromPartial({ instanceId: subject, counter: String(counter), sentAt: new Date().toISOString() }),
  });
  const [envelope] = await appendToOutbox(tx, schema, [{ topic, event }]);
  return envelope!;
}

/** One transport under test, over its own database. */
export interface Harness {
  name: string;
  db: Database;
  /** The PostgreSQL URL of `db` (none for PGlite). */
  url?: string;
  transport: EventTransport;
  /** Publishes records as a foreign producer would (Kafka: a plain kafkajs producer). */
  rawPublish(records: OutgoingRecord[]): Promise<void>;
  /** A second transport instance, as another process would have. */
  another(): Promise<EventTransport>;
  close(): Promise<void>;
}

export interface HarnessFactory {
  name: string;
  open(): Promise<Harness>;
}

async function postgres(): Promise<{ db: Database; testDb: TestDatabase }> {
  const testDb = await freshDatabase('events');
  const db = await openDatabase({ url: testDb.url, poolSize: 12 });
  return { db, testDb };
}

/** Kafka on the test broker, over PostgreSQL. */
export const kafkaHarness: HarnessFactory = {
  name: 'kafka + postgres',
  async open() {
    const { db, testDb } = await postgres();
    const brokers = kafkaBrokers();
    const transport = await createKafkaTransport({ brokers, clientId: 'events-test', heartbeatIntervalMs: 500 });
    const producer = testKafka('events-test-raw').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const extra: EventTransport[] = [];
    return {
      name: 'kafka + postgres',
      db,
      url: testDb.url,
      transport,
      async rawPublish(records) {
        for (const record of records) {
          await producer.send({
            topic: record.topic,
            messages: [
              {
                key: record.key === null ? null : Buffer.from(record.key),
                value: Buffer.from(record.value),
                headers: { ...record.headers },
              },
            ],
          });
        }
      },
      async another() {
        const t = await createKafkaTransport({ brokers, clientId: 'events-test-2', heartbeatIntervalMs: 500 });
        extra.push(t);
        return t;
      },
      async close() {
        await producer.disconnect();
        for (const t of [...extra, transport]) await t.close();
        await db.close();
        await testDb.drop();
      },
    };
  },
};

/** The embedded log over PostgreSQL. */
export const embeddedPostgresHarness: HarnessFactory = {
  name: 'embedded + postgres',
  async open() {
    const { db, testDb } = await postgres();
    const transport = await createEmbeddedTransport({ db, pollIntervalMs: 50 });
    return {
      name: 'embedded + postgres',
      db,
      url: testDb.url,
      transport,
      rawPublish: (records) => transport.publish(records),
      another: () => createEmbeddedTransport({ db, pollIntervalMs: 50 }),
      async close() {
        await transport.close();
        await db.close();
        await testDb.drop();
      },
    };
  },
};

/** The embedded log over PGlite in memory (the single-process default). */
export const embeddedPgliteHarness: HarnessFactory = {
  name: 'embedded + pglite',
  async open() {
    const db = await openDatabase({ memory: true });
    const transport = await createEmbeddedTransport({ db, pollIntervalMs: 50 });
    return {
      name: 'embedded + pglite',
      db,
      transport,
      rawPublish: (records) => transport.publish(records),
      another: () => createEmbeddedTransport({ db, pollIntervalMs: 50 }),
      async close() {
        await transport.close();
        await db.close();
      },
    };
  },
};

/** Records read from topics by a throwaway group, from the beginning. */
export interface Collector {
  records: ReceivedRecord[];
  stop(): Promise<void>;
}

/** Reads every record of `topics` into memory (a plain subscription: no envelope parsing, no inbox). */
export async function collect(transport: EventTransport, group: string, topics: string[]): Promise<Collector> {
  const records: ReceivedRecord[] = [];
  const subscription: Subscription = await transport.subscribe({
    group,
    topics,
    fromBeginning: true,
    handle: async (record) => {
      records.push(record);
    },
  });
  return { records, stop: () => subscription.stop() };
}

/** A dead-letter record, decoded. */
export function decodeDeadLetter(record: ReceivedRecord): DeadLetter & { headers: ReceivedRecord['headers'] } {
  return { ...DeadLetter.decode(record.value ?? Buffer.alloc(0)), headers: record.headers };
}

/** A pino logger that keeps its lines in memory, for asserting on what was logged (and how often). */
export function memoryLogger(): {
  log: Logger;
  lines: Array<{ level: number; msg: string } & Record<string, unknown>>;
} {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}
