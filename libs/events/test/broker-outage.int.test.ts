/**
 * A broker outage, for real: a second Kafka broker started for this file only (the shared one is never touched),
 * stopped while a service keeps writing, and started again from the same state folder. Writes commit, the relay
 * keeps the rows and backs off (logging once), and after the restart every event is delivered, none lost.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase, uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConsumer,
  createKafkaTransport,
  createRelay,
  defineTopic,
  type EventConsumer,
  ensureTopics,
  type KafkaTransport,
  type Relay,
  TopicRegistry,
} from '../src/index.js';
import { installService, memoryLogger, SERVICE_SCHEMA, writeThing } from './support.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const kafkaScript = join(repoRoot, 'deploy/kafka/kafka.sh');

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** A broker of its own: its state folder and ports, and kafka.sh start/stop with that environment. */
class OwnBroker {
  brokers = '';
  constructor(
    readonly home: string,
    readonly env: Record<string, string>,
  ) {}

  static async create(): Promise<OwnBroker> {
    const home = await mkdtemp(join(tmpdir(), 'onceonly-outage-kafka-'));
    // reuse the jars the shared broker already fetched, instead of copying ~100 MB from Maven's cache again
    const sharedLib = join(repoRoot, '.kafka/lib');
    if (existsSync(sharedLib) && readdirSync(sharedLib).some((f) => f.startsWith('.fetched-'))) {
      await symlink(sharedLib, join(home, 'lib'));
    } else {
      await mkdir(home, { recursive: true });
    }
    const env = {
      KAFKA_HOME_DIR: home,
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
    };
    return new OwnBroker(home, env);
  }

  async start(): Promise<void> {
    const { stdout } = await run('bash', [kafkaScript, 'start'], {
      env: { ...process.env, ...this.env },
      timeout: 240_000,
    });
    const match = /KAFKA_BROKERS=(\S+)/.exec(stdout);
    if (!match) throw new Error(`kafka.sh start printed no KAFKA_BROKERS line: ${stdout}`);
    this.brokers = match[1]!;
  }

  async stop(): Promise<void> {
    await run('bash', [kafkaScript, 'stop'], { env: { ...process.env, ...this.env }, timeout: 60_000 });
  }

  async remove(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.home, { recursive: true, force: true });
  }
}

describe('when the broker goes away and comes back', () => {
  let broker: OwnBroker;
  let testDb: TestDatabase;
  let db: Database;
  let transport: KafkaTransport;
  let relay: Relay;
  let consumer: EventConsumer;
  const logs = memoryLogger();

  beforeAll(async () => {
    broker = await OwnBroker.create();
    await broker.start();
    testDb = await freshDatabase('outage');
    db = await openDatabase({ url: testDb.url });
    await installService(db);
    transport = await createKafkaTransport({
      brokers: broker.brokers,
      clientId: 'outage-test',
      log: logs.log,
      connectTimeoutMs: 4_000,
      publishTimeoutMs: 4_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      heartbeatIntervalMs: 500,
    });
  }, 300_000);

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await transport?.close().catch(() => undefined);
    await db?.close();
    await testDb?.drop();
    await broker?.remove();
  }, 120_000);

  it('keeps every event through the outage and delivers them all afterwards', { timeout: 300_000 }, async () => {
    const topic = uniqueTopic('events-outage');
    const registry = new TopicRegistry([
      defineTopic({ name: topic, partitions: 3, owner: 'test', eventTypes: ['hub.heartbeat'] }),
    ]);
    await ensureTopics(transport, registry);
    const handled = new Map<string, number>();
    consumer = createConsumer({
      transport,
      db,
      schema: SERVICE_SCHEMA,
      group: uniqueTopic('outage-group'),
      topics: [topic],
      registry,
      handlers: {
        'hub.heartbeat': async (event) => {
          handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
        },
      },
    });
    await consumer.start();
    relay = createRelay({
      db,
      schema: SERVICE_SCHEMA,
      transport,
      log: logs.log,
      pollIntervalMs: 50,
      backoff: { initialMs: 100, maxMs: 1_000 },
    });
    relay.start();

    const ids: string[] = [];
    const write = async (n: number) => {
      const envelope = await db.transaction((tx) => writeThing(tx, topic, `outage-${n % 5}`, n));
      ids.push(envelope.id);
      relay.kick();
    };
    for (let n = 1; n <= 5; n++) await write(n);
    await relay.flush({ timeoutMs: 30_000 });
    await waitFor(() => handled.size === 5, { timeoutMs: 30_000, message: 'the events before the outage' });

    await broker.stop();
    // the service keeps working: its writes commit, the relay keeps them
    for (let n = 6; n <= 25; n++) await write(n);
    expect(await relay.pending()).toBeGreaterThan(0);
    await expect(relay.flush({ timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'BROKER_UNAVAILABLE' });
    await waitFor(() => relay.status().state === 'backing-off' && relay.status().consecutiveFailures >= 3, {
      timeoutMs: 120_000,
      message: 'a relay backing off after several failures',
    });
    expect(relay.status().lastError?.code).toBe('BROKER_UNAVAILABLE');
    expect(await relay.pending()).toBe(20);
    const warnings = logs.lines.filter((l) => l.msg.startsWith('outbox relay cannot publish'));
    expect(warnings).toHaveLength(1);
    const { rows } = await db.query<{ attempts: number; last_error: string | null }>(
      `SELECT attempts, last_error FROM ${SERVICE_SCHEMA}.outbox WHERE event_id = $1`,
      [ids[5]],
    );
    expect(rows[0]!.attempts).toBeGreaterThan(0);
    expect(rows[0]!.last_error).toBeTruthy();

    await broker.start();
    await waitFor(async () => (await relay.pending()) === 0, { timeoutMs: 90_000, message: 'the outbox drained' });
    expect(logs.lines.filter((l) => l.msg === 'outbox relay publishes again')).toHaveLength(1);
    await waitFor(() => handled.size === 25, { timeoutMs: 90_000, message: 'all 25 events handled' });
    await new Promise((r) => setTimeout(r, 500));
    expect([...handled.keys()].sort()).toEqual([...ids].sort());
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
    expect(relay.status()).toMatchObject({ consecutiveFailures: 0, leader: true });

    const { rows: sequences } = await db.query<{ sequence: string }>(
      `SELECT sequence FROM ${SERVICE_SCHEMA}.outbox WHERE topic = $1 ORDER BY sequence::bigint`,
      [topic],
    );
    expect(sequences.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });
});
