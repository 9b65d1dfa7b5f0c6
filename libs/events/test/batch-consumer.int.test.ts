/**
 * Batch consumers (ADR 011), on Kafka (real broker) and on the embedded log (PostgreSQL and PGlite): a fetched batch
 * is handled in one transaction with one multi-row inbox claim; redelivered events change nothing; a poison record
 * in a batch (undecodable, or one the handler keeps failing) goes to the dead-letter topic alone with its reason,
 * and the rest of the batch is handled; a batch transaction that fails after some writes leaves none of them.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import { uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchHandler,
  type BatchItem,
  createConsumer,
  defineTopic,
  type EventConsumer,
  type EventEnvelope,
  type EventHandler,
  ensureTopics,
  type OutgoingRecord,
  TopicRegistry,
  toKafkaRecord,
  withSequence,
} from '../src/index.js';
import {
  collect,
  decodeDeadLetter,
  embeddedPgliteHarness,
  embeddedPostgresHarness,
  type Harness,
  heartbeat,
  installService,
  kafkaHarness,
  SERVICE_SCHEMA,
} from './support.js';

const harnesses = [kafkaHarness, embeddedPostgresHarness, embeddedPgliteHarness];
const fast = { initialMs: 20, maxMs: 100 };

/** A well-formed record of `subject` with `counter`. */
function record(topic: string, subject: string, counter: number): OutgoingRecord {
  const event = heartbeat.make({ subject, data: HubHeartbeat.fromPartial({ counter: String(counter) }) });
  return { topic, ...toKafkaRecord(withSequence(event, BigInt(counter))) };
}

/** One multi-row insert of the batch into `seen`, as a batch handler writes. */
async function insertSeen(items: readonly BatchItem[], tx: Parameters<BatchHandler>[1]): Promise<void> {
  const params: unknown[] = [];
  const values = items.map(({ event }) => {
    params.push(event.id, event.subject, heartbeat.decode(event).counter);
    return `($${params.length - 2}, $${params.length - 1}, $${params.length})`;
  });
  await tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ${values.join(', ')}`, params);
}

describe.each(harnesses)('batch consumers on $name', (factory) => {
  let h: Harness;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    h = await factory.open();
    await installService(h.db);
  });

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    await h?.close();
  });

  async function newTopic(prefix: string): Promise<{ topic: string; registry: TopicRegistry }> {
    const topic = uniqueTopic(`events-${prefix}`);
    const registry = new TopicRegistry([
      defineTopic({ name: topic, partitions: 1, owner: 'test', eventTypes: ['hub.heartbeat'] }),
    ]);
    await ensureTopics(h.transport, registry);
    return { topic, registry };
  }

  async function consumer(
    topic: string,
    registry: TopicRegistry,
    handler: EventHandler,
    batchHandler: BatchHandler,
    extra: { maxAttempts?: number; maxBatchSize?: number } = {},
  ): Promise<EventConsumer> {
    const c = createConsumer({
      transport: h.transport,
      db: h.db,
      schema: SERVICE_SCHEMA,
      group: uniqueTopic('group'),
      topics: [topic],
      registry,
      handlers: { 'hub.heartbeat': handler },
      batchHandler,
      backoff: fast,
      ...extra,
    });
    running.push(c);
    await c.start();
    return c;
  }

  async function seen(prefix: string): Promise<Array<{ subject: string; counter: string }>> {
    const { rows } = await h.db.query<{ subject: string; counter: string }>(
      `SELECT subject, counter FROM ${SERVICE_SCHEMA}.seen WHERE subject LIKE $1 ORDER BY counter::int, subject`,
      [`${prefix}%`],
    );
    return rows;
  }

  it('handles each fetched batch in one transaction, every event once and in order, redeliveries skipped', async () => {
    const { topic, registry } = await newTopic('batch');
    const records = Array.from({ length: 120 }, (_, i) => record(topic, `b-${i % 4}`, i + 1));
    // redeliveries: one record twice in a row (one batch), one again at the end (another batch)
    await h.rawPublish([...records.slice(0, 60), records[5]!, records[5]!, ...records.slice(60), records[7]!]);
    const sizes: number[] = [];
    const order: number[] = [];
    const c = await consumer(
      topic,
      registry,
      async () => {
        throw new Error('the per-event handler runs only when a batch fails');
      },
      async (items, tx) => {
        sizes.push(items.length);
        order.push(...items.map(({ event }) => Number(heartbeat.decode(event).counter)));
        await insertSeen(items, tx);
      },
      { maxBatchSize: 50 },
    );
    await waitFor(() => c.stats().handled + c.stats().duplicates >= 123, { timeoutMs: 30_000, message: 'all' });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(order).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(c.stats()).toMatchObject({ handled: 120, duplicates: 3, deadLettered: 0, batchFallbacks: 0 });
    expect(c.stats().batches).toBe(sizes.length);
    expect(c.stats().batches).toBeLessThan(120);
    expect((await seen('b-')).length).toBe(120);
    const { rows } = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.inbox WHERE topic = $1`,
      [topic],
    );
    expect(rows[0]!.n).toBe(120);
  });

  it('dead-letters a poison record of a batch alone, with its reason, and handles the rest once', async () => {
    const { topic, registry } = await newTopic('poison');
    const good = (n: number) => record(topic, `p-${n}`, n);
    const poison = record(topic, 'p-poison', 100);
    const badBody = good(101);
    badBody.value = Buffer.from([0xff, 0xff, 0xff, 0xff]); // not a HubHeartbeat: decode throws EVENT_MALFORMED
    await h.rawPublish([
      good(1),
      good(2),
      good(3),
      { topic, key: 'garbage', value: Buffer.from('not an event'), headers: {} },
      good(4),
      poison,
      good(5),
      badBody,
      good(6),
      good(7),
    ]);
    const perEvent: string[] = [];
    let batchCalls = 0;
    const c = await consumer(
      topic,
      registry,
      async (event, tx) => {
        perEvent.push(event.subject);
        // written first, so that a failure after it must roll it back
        await tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ($1, $2, $3)`, [
          event.id,
          event.subject,
          heartbeat.decode(event).counter,
        ]);
        if (event.subject === 'p-poison') throw new Error('this event breaks the handler');
      },
      async (items, tx) => {
        batchCalls++;
        // the whole batch written, then the failure: the transaction must leave none of it
        await insertSeen(items, tx);
        if (items.some(({ event }) => event.subject === 'p-poison')) throw new Error('this event breaks the handler');
      },
      { maxAttempts: 3 },
    );
    await waitFor(() => c.stats().handled >= 7 && c.stats().deadLettered >= 3, {
      timeoutMs: 30_000,
      message: 'seven handled, three dead-lettered',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(batchCalls).toBeGreaterThanOrEqual(1);
    expect(c.stats()).toMatchObject({
      handled: 7,
      deadLettered: 3,
      deadLetteredBy: { EVENT_MALFORMED: 2, HANDLER_FAILED: 1 },
    });
    expect(c.stats().batchFallbacks).toBeGreaterThanOrEqual(1);
    // each good event once (none from the failed batch transaction), nothing of the poison events
    expect(await seen('p-')).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => ({ subject: `p-${n}`, counter: String(n) })));
    expect(perEvent.filter((s) => s === 'p-poison')).toHaveLength(3);

    const dlq = await collect(h.transport, uniqueTopic('poison-dlq'), [registry.deadLetterOf(topic).name]);
    try {
      await waitFor(() => dlq.records.length >= 3, { timeoutMs: 30_000, message: 'three dead letters' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const letters = dlq.records.map(decodeDeadLetter);
      expect(letters).toHaveLength(3);
      expect(letters.map((l) => [l.originalKey.toString(), l.reason, l.attempts])).toEqual([
        ['garbage', 'EVENT_MALFORMED', 0],
        ['p-poison', 'HANDLER_FAILED', 3],
        ['p-101', 'EVENT_MALFORMED', 1],
      ]);
      expect(letters[1]!.detail).toContain('this event breaks the handler');
      expect(letters[1]!.headers).toMatchObject({ ce_id: poison.headers.ce_id, dlq_reason: 'HANDLER_FAILED' });
      expect(letters[2]!.headers).toMatchObject({ ce_id: badBody.headers.ce_id, dlq_reason: 'EVENT_MALFORMED' });
    } finally {
      await dlq.stop();
    }
  });

  it('hands redelivered batches to nobody: a second member of the group finds every event in the inbox', async () => {
    const { topic, registry } = await newTopic('again');
    const records = Array.from({ length: 30 }, (_, i) => record(topic, `a-${i}`, i + 1));
    await h.rawPublish(records);
    const group = uniqueTopic('group');
    const handled: EventEnvelope[] = [];
    const make = () =>
      createConsumer({
        transport: h.transport,
        db: h.db,
        schema: SERVICE_SCHEMA,
        group,
        topics: [topic],
        registry,
        handlers: { 'hub.heartbeat': async () => undefined },
        batchHandler: async (items) => {
          handled.push(...items.map((i) => i.event));
        },
        backoff: fast,
      });
    const first = make();
    await first.start();
    await waitFor(() => first.stats().handled >= 30, { timeoutMs: 30_000 });
    await first.stop();
    // the offsets of the group are dropped, as if they had never been committed: everything comes again
    if (h.transport.kind === 'embedded') {
      await h.db.query('DELETE FROM eventlog.consumer_offsets WHERE group_id = $1', [group]);
    } else {
      const { testKafka } = await import('@onceonly/testing');
      const admin = testKafka('batch-reset').admin();
      await admin.connect();
      try {
        await admin.resetOffsets({ groupId: group, topic, earliest: true });
      } finally {
        await admin.disconnect();
      }
    }
    const second = make();
    running.push(second);
    await second.start();
    await waitFor(() => second.stats().duplicates >= 30, { timeoutMs: 30_000 });
    expect(second.stats()).toMatchObject({ handled: 0, duplicates: 30 });
    expect(handled).toHaveLength(30);
  });
});
