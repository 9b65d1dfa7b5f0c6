/**
 * The consumer's default batch path (ADR 018), on Kafka (real broker) and on the embedded log (PostgreSQL and
 * PGlite): without a batch handler, each fetched batch is ONE transaction (one multi-row inbox claim, then the
 * per-event handler for each new event in partition order). A handler that fails on event k rolls the batch back;
 * the events before k are handled again in one transaction, event k goes on alone with that failure as its first
 * attempt (the same attempts, retries and dead letters as one transaction per event), and the events after k follow.
 * `batches: false` keeps one transaction per event.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import { uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConsumer,
  defineTopic,
  type EventConsumer,
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

describe.each(harnesses)('the default batch consumer on $name', (factory) => {
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
    extra: { maxAttempts?: number; maxBatchSize?: number; batches?: boolean } = {},
  ): Promise<EventConsumer> {
    const c = createConsumer({
      transport: h.transport,
      db: h.db,
      schema: SERVICE_SCHEMA,
      group: uniqueTopic('group'),
      topics: [topic],
      registry,
      handlers: { 'hub.heartbeat': handler },
      backoff: fast,
      ...extra,
    });
    running.push(c);
    await c.start();
    return c;
  }

  /** The handler of a service: decode (EVENT_MALFORMED when it cannot), then write its state with `tx`. */
  function writingHandler(calls: string[], fail: (subject: string, call: number) => boolean): EventHandler {
    return async (event, tx) => {
      const counter = heartbeat.decode(event).counter;
      calls.push(event.subject);
      await tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ($1, $2, $3)`, [
        event.id,
        event.subject,
        counter,
      ]);
      const call = calls.filter((s) => s === event.subject).length;
      if (fail(event.subject, call)) throw new Error(`${event.subject} fails on call ${call}`);
    };
  }

  async function seen(prefix: string): Promise<Array<{ subject: string; counter: string }>> {
    const { rows } = await h.db.query<{ subject: string; counter: string }>(
      `SELECT subject, counter FROM ${SERVICE_SCHEMA}.seen WHERE subject LIKE $1 ORDER BY counter::int, subject`,
      [`${prefix}%`],
    );
    return rows;
  }

  it('handles each fetched batch in one transaction with the per-event handler, once each and in order', async () => {
    const { topic, registry } = await newTopic('default');
    const records = Array.from({ length: 120 }, (_, i) => record(topic, `d-${i % 4}`, i + 1));
    // redeliveries: one record twice in a row (one batch), one again at the end (another batch)
    await h.rawPublish([...records.slice(0, 60), records[5]!, records[5]!, ...records.slice(60), records[7]!]);
    const order: number[] = [];
    const c = await consumer(
      topic,
      registry,
      async (event, tx) => {
        const counter = heartbeat.decode(event).counter;
        order.push(Number(counter));
        await tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ($1, $2, $3)`, [
          event.id,
          event.subject,
          counter,
        ]);
      },
      { maxBatchSize: 50 },
    );
    await waitFor(() => c.stats().handled + c.stats().duplicates >= 123, { timeoutMs: 30_000, message: 'all' });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(order).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(c.stats()).toMatchObject({ handled: 120, duplicates: 3, deadLettered: 0, batchFallbacks: 0 });
    // batches of at most 50: at least three transactions, far fewer than one per event
    expect(c.stats().batches).toBeGreaterThanOrEqual(3);
    expect(c.stats().batches).toBeLessThan(120);
    expect((await seen('d-')).length).toBe(120);

    // the same topic with batches: false: one transaction per event, the same effects
    const single = await consumer(topic, registry, async () => undefined, { batches: false });
    await waitFor(() => single.stats().handled + single.stats().duplicates >= 123, { timeoutMs: 30_000 });
    expect(single.stats()).toMatchObject({ handled: 120, duplicates: 3, batches: 0 });
  });

  it('handles the events before a failing one once, retries it alone with the same attempts, then the rest', async () => {
    const { topic, registry } = await newTopic('split');
    const good = (n: number) => record(topic, `s-${n}`, n);
    const broken = record(topic, 's-broken', 100);
    const badBody = good(101);
    badBody.value = Buffer.from([0xff, 0xff, 0xff, 0xff]); // not a HubHeartbeat: decode throws EVENT_MALFORMED
    await h.rawPublish([
      good(1),
      good(2),
      good(3),
      broken,
      good(4),
      record(topic, 's-flaky', 5),
      good(6),
      badBody,
      good(7),
    ]);
    const calls: string[] = [];
    const c = await consumer(
      topic,
      registry,
      writingHandler(calls, (subject, call) => subject === 's-broken' || (subject === 's-flaky' && call < 3)),
      { maxAttempts: 3 },
    );
    await waitFor(() => c.stats().handled >= 7 && c.stats().deadLettered >= 2, {
      timeoutMs: 30_000,
      message: 'seven handled, two dead-lettered',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    // the same attempts as one transaction per event: 3 of the broken one, 3 of the flaky one (the last succeeds)
    expect(calls.filter((s) => s === 's-broken')).toHaveLength(3);
    expect(calls.filter((s) => s === 's-flaky')).toHaveLength(3);
    expect(c.stats()).toMatchObject({
      handled: 7,
      retried: 2 + 2,
      deadLettered: 2,
      deadLetteredBy: { HANDLER_FAILED: 1, EVENT_MALFORMED: 1 },
    });
    expect(c.stats().batchFallbacks).toBeGreaterThanOrEqual(2);
    // every good event's write once (none from the rolled-back batch transactions), nothing of the broken one
    expect(await seen('s-')).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => ({ subject: n === 5 ? 's-flaky' : `s-${n}`, counter: String(n) })),
    );

    const dlq = await collect(h.transport, uniqueTopic('split-dlq'), [registry.deadLetterOf(topic).name]);
    try {
      await waitFor(() => dlq.records.length >= 2, { timeoutMs: 30_000, message: 'two dead letters' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const letters = dlq.records.map(decodeDeadLetter);
      expect(letters.map((l) => [l.originalKey.toString(), l.reason, l.attempts])).toEqual([
        ['s-broken', 'HANDLER_FAILED', 3],
        ['s-101', 'EVENT_MALFORMED', 1],
      ]);
      expect(letters[0]!.detail).toContain('s-broken fails');
    } finally {
      await dlq.stop();
    }
  });
});
