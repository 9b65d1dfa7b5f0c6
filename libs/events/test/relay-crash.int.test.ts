/**
 * A relay killed for real (SIGKILL in a child process) after publishing a batch and before marking it published:
 * the next relay publishes the batch again with the same sequences, the topic holds every event twice, and the
 * consumer's inbox makes the second copy change nothing. And one killed after stamping the batch's sequences and
 * before publishing it: the next relay publishes the rows with the numbers already stamped, no number is taken
 * twice or skipped.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLibsDist, kafkaBrokers, runNodeScript, uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer, createRelay, defineTopic, ensureTopics, TopicRegistry } from '../src/index.js';
import {
  collect,
  embeddedPostgresHarness,
  type Harness,
  heartbeat,
  installService,
  kafkaHarness,
  SERVICE_SCHEMA,
  writeThing,
} from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const fixture = join(here, 'fixtures/relay-crash.mjs');
const LEASE_MS = 1_500;

/**
 * The fixture runs on dist/. `npm test` builds everything before vitest; a direct `vitest run` may not have, or
 * may have stale output, so build the packages it needs (tsc emits even when another package's types complain).
 */
const buildDist = () => buildLibsDist(repoRoot, ['contracts', 'errors', 'store', 'events']);

const runFixture = (env: Record<string, string>) => runNodeScript(fixture, { cwd: repoRoot, env, killAfterMs: 45_000 });

beforeAll(() => buildDist(), 300_000);

describe.each([kafkaHarness, embeddedPostgresHarness])(
  'on $name: a relay killed between publish and mark',
  (factory) => {
    let h: Harness;
    let databaseUrl: string;

    beforeAll(async () => {
      h = await factory.open();
      await installService(h.db);
      databaseUrl = h.url!;
    });

    afterAll(async () => {
      await h?.close();
    });

    it('is followed by a relay that publishes again, and the consumer handles each event once', async () => {
      const topic = uniqueTopic('events-crash');
      const registry = new TopicRegistry([
        defineTopic({ name: topic, partitions: 2, owner: 'test', eventTypes: ['hub.heartbeat'] }),
      ]);
      await ensureTopics(h.transport, registry);
      const ids = await h.db.transaction(async (tx) => {
        const written = [];
        for (let n = 1; n <= 3; n++) written.push((await writeThing(tx, topic, `crash-${n}`, n)).id);
        return written;
      });

      const child = await runFixture({
        DATABASE_URL: databaseUrl,
        RELAY_SCHEMA: SERVICE_SCHEMA,
        TRANSPORT: h.transport.kind,
        KAFKA_BROKERS: h.transport.kind === 'kafka' ? kafkaBrokers().join(',') : '',
        LEASE_MS: String(LEASE_MS),
      });
      expect(child.signal, child.stderr).toBe('SIGKILL');
      const died = JSON.parse(child.stdout.trim()) as { published: string[]; sequences: string[] };
      expect([...died.published].sort()).toEqual([...ids].sort());
      const stampedAs = new Map(died.published.map((id, i) => [id, died.sequences[i]]));

      // published, never marked: still pending, and on the topic once
      const relay = createRelay({
        db: h.db,
        schema: SERVICE_SCHEMA,
        transport: h.transport,
        leaseMs: LEASE_MS,
        pollIntervalMs: 50,
      });
      expect(await relay.pending()).toBe(3);
      const reader = await collect(h.transport, uniqueTopic('crash-reader'), [topic]);
      const calls = new Map<string, number>();
      const consumer = createConsumer({
        transport: h.transport,
        db: h.db,
        schema: SERVICE_SCHEMA,
        group: uniqueTopic('crash-group'),
        topics: [topic],
        registry,
        handlers: {
          'hub.heartbeat': async (event) => {
            calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
          },
        },
      });
      try {
        await consumer.start();
        await waitFor(() => reader.records.length >= 3 && consumer.stats().handled === 3, { timeoutMs: 30_000 });

        // the next relay waits out the dead one's lease, then publishes the same rows again
        await relay.flush({ timeoutMs: 30_000 });
        expect(await relay.pending()).toBe(0);
        await waitFor(() => reader.records.length >= 6 && consumer.stats().duplicates === 3, {
          timeoutMs: 30_000,
          message: 'the second copies',
        });
        await new Promise((r) => setTimeout(r, 300));

        const onTopic = reader.records.map((r) => r.headers.ce_id as string);
        for (const id of ids) expect(onTopic.filter((x) => x === id)).toHaveLength(2);
        expect(reader.records).toHaveLength(6);
        // both copies carry the number the dead relay stamped
        for (const record of reader.records) {
          expect(record.headers.ce_sequence).toBe(stampedAs.get(record.headers.ce_id as string));
        }
        expect([...calls.entries()].sort()).toEqual(ids.map((id) => [id, 1]).sort());
        expect(consumer.stats()).toMatchObject({ handled: 3, duplicates: 3, deadLettered: 0 });
      } finally {
        await consumer.stop();
        await reader.stop();
        await relay.stop();
      }
    });

    it('is followed, after a kill between stamp and publish, by a relay that publishes the stamped numbers', async () => {
      const topic = uniqueTopic('events-stamp-crash');
      const registry = new TopicRegistry([
        defineTopic({ name: topic, partitions: 2, owner: 'test', eventTypes: ['hub.heartbeat'] }),
      ]);
      await ensureTopics(h.transport, registry);
      const sequenceBefore = await lastSequence();
      const ids = await h.db.transaction(async (tx) => {
        const written = [];
        for (let n = 1; n <= 3; n++) written.push((await writeThing(tx, topic, `stamp-crash-${n}`, n)).id);
        return written;
      });

      const child = await runFixture({
        DATABASE_URL: databaseUrl,
        RELAY_SCHEMA: SERVICE_SCHEMA,
        TRANSPORT: h.transport.kind,
        KAFKA_BROKERS: h.transport.kind === 'kafka' ? kafkaBrokers().join(',') : '',
        LEASE_MS: String(LEASE_MS),
        CRASH_AT: 'stamp',
      });
      expect(child.signal, child.stderr).toBe('SIGKILL');
      const died = JSON.parse(child.stdout.trim()) as { published: string[]; sequences: string[] };
      expect([...died.published].sort()).toEqual([...ids].sort());
      // numbered and committed, not published
      expect(died.sequences.map(Number)).toEqual([1, 2, 3].map((n) => sequenceBefore + n));
      expect(await lastSequence()).toBe(sequenceBefore + 3);

      const relay = createRelay({
        db: h.db,
        schema: SERVICE_SCHEMA,
        transport: h.transport,
        leaseMs: LEASE_MS,
        pollIntervalMs: 50,
      });
      expect(await relay.pending()).toBe(3);
      const reader = await collect(h.transport, uniqueTopic('stamp-crash-reader'), [topic]);
      const calls = new Map<string, number>();
      const consumer = createConsumer({
        transport: h.transport,
        db: h.db,
        schema: SERVICE_SCHEMA,
        group: uniqueTopic('stamp-crash-group'),
        topics: [topic],
        registry,
        handlers: {
          'hub.heartbeat': async (event) => {
            calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
          },
        },
      });
      try {
        await consumer.start();
        // the next relay waits out the dead one's lease, then publishes the rows with their stamped numbers
        await relay.flush({ timeoutMs: 30_000 });
        expect(await relay.pending()).toBe(0);
        await waitFor(() => reader.records.length >= 3 && consumer.stats().handled === 3, { timeoutMs: 30_000 });
        await new Promise((r) => setTimeout(r, 300));

        expect(reader.records).toHaveLength(3);
        const stampedAs = new Map(died.published.map((id, i) => [id, died.sequences[i]]));
        for (const record of reader.records) {
          expect(record.headers.ce_sequence).toBe(stampedAs.get(record.headers.ce_id as string));
        }
        // no number taken again, none skipped
        expect(await lastSequence()).toBe(sequenceBefore + 3);
        expect([...calls.entries()].sort()).toEqual(ids.map((id) => [id, 1]).sort());
        expect(consumer.stats()).toMatchObject({ handled: 3, duplicates: 0, deadLettered: 0 });
      } finally {
        await consumer.stop();
        await reader.stop();
        await relay.stop();
      }
    });

    async function lastSequence(): Promise<number> {
      const { rows } = await h.db.query<{ last: string }>(
        `SELECT last FROM ${SERVICE_SCHEMA}.outbox_sequence WHERE source = $1`,
        [heartbeat.source],
      );
      return Number(rows[0]?.last ?? 0);
    }
  },
);
