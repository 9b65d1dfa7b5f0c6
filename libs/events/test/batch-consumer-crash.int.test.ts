/**
 * A batch consumer killed for real (SIGKILL in a child process that runs the built dist/) inside a batch
 * transaction, after its handler wrote the batch's rows and before COMMIT (with a batch handler, ADR 011, and with
 * the per-event handler of the default batch path, ADR 018, killed in the middle of a batch): the batch leaves nothing, and a consumer
 * of the same group started afterwards handles every event exactly once. On Kafka and on the embedded log over
 * PostgreSQL (PGlite runs in one process: nothing to kill apart from the whole mode).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubHeartbeat } from '@onceonly/contracts';
import type { Transaction } from '@onceonly/store';
import { buildLibsDist, kafkaBrokers, runNodeScript, uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchItem,
  createConsumer,
  defineTopic,
  type EventEnvelope,
  ensureTopics,
  TopicRegistry,
  toKafkaRecord,
  withSequence,
} from '../src/index.js';
import {
  embeddedPostgresHarness,
  type Harness,
  heartbeat,
  installService,
  kafkaHarness,
  SERVICE_SCHEMA,
} from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const fixture = join(here, 'fixtures/batch-consumer-crash.mjs');

const buildDist = () => buildLibsDist(repoRoot, ['contracts', 'errors', 'store', 'events']);

const insertSeen = (tx: Transaction, event: EventEnvelope) =>
  tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ($1, $2, 0)`, [
    event.id,
    event.subject,
  ]);

const runFixture = (env: Record<string, string>) => runNodeScript(fixture, { cwd: repoRoot, env });

beforeAll(() => buildDist(), 300_000);

describe.each([kafkaHarness, embeddedPostgresHarness])('on $name: a batch consumer killed mid-batch', (factory) => {
  let h: Harness;

  beforeAll(async () => {
    h = await factory.open();
    await installService(h.db);
  });

  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['a batch handler', 'batch-handler'],
    ['the per-event handler in a default batch (ADR 018)', 'default'],
  ])(
    'with %s: leaves nothing of the killed batch, and every event is handled once after the restart',
    {
      timeout: 120_000,
    },
    async (_name, handler) => {
      const topic = uniqueTopic('events-batch-crash');
      const registry = new TopicRegistry([
        defineTopic({ name: topic, partitions: 1, owner: 'test', eventTypes: ['hub.heartbeat'] }),
      ]);
      await ensureTopics(h.transport, registry);
      const events = Array.from({ length: 60 }, (_, i) =>
        withSequence(
          heartbeat.make({ subject: `crash-${i}`, data: HubHeartbeat.fromPartial({ counter: String(i) }) }),
          BigInt(i + 1),
        ),
      );
      await h.rawPublish(events.map((e) => ({ topic, ...toKafkaRecord(e) })));
      const group = uniqueTopic('batch-crash-group');

      const child = await runFixture({
        DATABASE_URL: h.url!,
        SCHEMA: SERVICE_SCHEMA,
        TRANSPORT: h.transport.kind,
        KAFKA_BROKERS: h.transport.kind === 'kafka' ? kafkaBrokers().join(',') : '',
        TOPIC: topic,
        GROUP: group,
        KILL_AT_BATCH: '3',
        HANDLER: handler,
        KILL_AT_EVENT: '25',
      });
      expect(child.signal, child.stderr).toBe('SIGKILL');
      const killed = JSON.parse(child.stdout.trim()) as { committedBefore: number; inKilledBatch: number };
      expect(killed.inKilledBatch).toBeGreaterThan(1);
      const count = async (sql: string) => (await h.db.query<{ n: number }>(sql, [topic])).rows[0]!.n;
      const rows = () =>
        count(
          `SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.seen WHERE subject LIKE 'crash-%' AND event_id IN (SELECT event_id FROM ${SERVICE_SCHEMA}.inbox WHERE topic = $1)`,
        );
      const inbox = () => count(`SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.inbox WHERE topic = $1`);
      // the killed batch left neither its rows nor its inbox claims
      expect(await inbox()).toBe(killed.committedBefore);
      expect(await rows()).toBe(killed.committedBefore);

      const consumer = createConsumer({
        transport: h.transport,
        db: h.db,
        schema: SERVICE_SCHEMA,
        group,
        topics: [topic],
        maxBatchSize: 10,
        handlers: {
          'hub.heartbeat': async (event, tx) => {
            if (handler === 'default') await insertSeen(tx, event);
          },
        },
        ...(handler === 'default'
          ? {}
          : {
              batchHandler: async (items: readonly BatchItem[], tx: Transaction) => {
                for (const { event } of items) await insertSeen(tx, event);
              },
            }),
      });
      try {
        await consumer.start();
        await waitFor(async () => (await inbox()) >= events.length, { timeoutMs: 60_000, message: 'every event' });
        await waitFor(async () => (await h.transport.lag(group, [topic])).every((p) => p.lag === 0), {
          timeoutMs: 30_000,
          message: 'no lag',
        });
      } finally {
        await consumer.stop();
      }
      const { rows: seen } = await h.db.query<{ event_id: string; n: number }>(
        `SELECT event_id, count(*)::int AS n FROM ${SERVICE_SCHEMA}.seen WHERE subject LIKE 'crash-%'
       AND event_id = ANY($1::text[]) GROUP BY event_id`,
        [events.map((e) => e.id)],
      );
      expect(seen.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(seen.every((r) => r.n === 1)).toBe(true);
      // the restarted consumer handled what the dead one had not committed, and no event twice
      expect(consumer.stats().handled).toBe(events.length - killed.committedBefore);
    },
  );
});
