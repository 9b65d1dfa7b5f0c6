/**
 * The contract every transport keeps, run on Kafka (real broker) and on the embedded log (PostgreSQL and PGlite):
 * outbox → relay → consumer, exactly-once handling in per-key order, dead letters, retries and lag.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import { uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConsumer,
  createRelay,
  defineTopic,
  type EventConsumer,
  type EventHandler,
  ensureTopics,
  type Relay,
  TopicRegistry,
  toKafkaRecord,
  totalLag,
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
  writeThing,
} from './support.js';

const harnesses = [kafkaHarness, embeddedPostgresHarness, embeddedPgliteHarness];
const fast = { initialMs: 20, maxMs: 100 };

describe.each(harnesses)('on $name', (factory) => {
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

  async function newTopic(prefix: string, partitions = 3): Promise<{ topic: string; registry: TopicRegistry }> {
    const topic = uniqueTopic(`events-${prefix}`);
    const registry = new TopicRegistry([
      defineTopic({ name: topic, partitions, owner: 'test', eventTypes: ['hub.heartbeat'] }),
    ]);
    await ensureTopics(h.transport, registry);
    return { topic, registry };
  }

  function relay(): Relay {
    const r = createRelay({
      db: h.db,
      schema: SERVICE_SCHEMA,
      transport: h.transport,
      pollIntervalMs: 50,
      batchSize: 50,
    });
    running.push(r);
    return r;
  }

  async function consumer(
    topic: string,
    registry: TopicRegistry,
    handlers: Record<string, EventHandler>,
    extra: { maxAttempts?: number; maxMessageBytes?: number; strictTypes?: boolean } = {},
  ): Promise<EventConsumer> {
    const c = createConsumer({
      transport: h.transport,
      db: h.db,
      schema: SERVICE_SCHEMA,
      group: uniqueTopic('group'),
      topics: [topic],
      registry,
      handlers,
      backoff: fast,
      ...extra,
    });
    running.push(c);
    await c.start();
    return c;
  }

  it('delivers every outbox event exactly once, in order per key, with state and outbox committed together', async () => {
    const { topic, registry } = await newTopic('order');
    const seen: Array<{ id: string; subject: string; counter: number; sequence: number }> = [];
    const c = await consumer(topic, registry, {
      'hub.heartbeat': async (event, tx) => {
        const data = heartbeat.decode(event);
        seen.push({
          id: event.id,
          subject: event.subject,
          counter: Number(data.counter),
          sequence: Number(event.sequence),
        });
        await tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ($1, $2, $3)`, [
          event.id,
          event.subject,
          data.counter,
        ]);
      },
    });
    const r = relay();
    r.start();

    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const perKey = 12;
    for (let n = 1; n <= perKey; n++) {
      // several transactions of several keys each, kicked as a service would after commit
      await h.db.transaction(async (tx) => {
        for (const key of keys) await writeThing(tx, topic, `${topic}:${key}`, n);
      });
      r.kick();
    }
    // the state rows and their outbox rows are there together
    const { rows: state } = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.things WHERE id LIKE $1 AND counter = $2`,
      [`${topic}:%`, perKey],
    );
    expect(state[0]!.n).toBe(keys.length);

    // a rolled-back transaction leaves neither state, nor outbox row, nor a hole in the sequence (checked below)
    await expect(
      h.db.transaction(async (tx) => {
        await writeThing(tx, topic, `${topic}:rolled-back`, 1);
        throw new Error('the use case failed after writing');
      }),
    ).rejects.toThrow('the use case failed');
    const ghost = await h.db.query(`SELECT 1 FROM ${SERVICE_SCHEMA}.things WHERE id = $1`, [`${topic}:rolled-back`]);
    expect(ghost.rowCount).toBe(0);

    await r.flush({ timeoutMs: 20_000 });
    expect(await r.pending()).toBe(0);
    // the relay stamped every row of the source: 1..n, no hole, in position (publish) order
    const { rows: stamped } = await h.db.query<{ sequence: string }>(
      `SELECT sequence FROM ${SERVICE_SCHEMA}.outbox WHERE source = $1 ORDER BY position`,
      [heartbeat.source],
    );
    expect(stamped.map((row) => Number(row.sequence))).toEqual(Array.from({ length: stamped.length }, (_, i) => i + 1));
    await waitFor(() => c.stats().handled >= keys.length * perKey, { timeoutMs: 30_000, message: 'all handled' });
    // give a late duplicate the chance to show up before counting
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(seen).toHaveLength(keys.length * perKey);
    expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
    expect(seen.some((s) => s.subject.endsWith('rolled-back'))).toBe(false);
    for (const key of keys) {
      const counters = seen.filter((s) => s.subject === `${topic}:${key}`).map((s) => s.counter);
      expect(counters).toEqual(Array.from({ length: perKey }, (_, i) => i + 1));
      // the stamped sequence travels in ce_sequence, increasing along each key
      const sequences = seen.filter((s) => s.subject === `${topic}:${key}`).map((s) => s.sequence);
      expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    }
    expect(seen.map((s) => s.sequence).sort((x, y) => x - y)).toEqual(
      stamped.map((row) => Number(row.sequence)).sort((x, y) => x - y),
    );
    const { rows: handled } = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.seen WHERE subject LIKE $1`,
      [`${topic}:%`],
    );
    expect(handled[0]!.n).toBe(keys.length * perKey);
    expect(c.stats()).toMatchObject({ duplicates: 0, deadLettered: 0 });
  });

  it('changes nothing when an event is delivered again', async () => {
    const { topic, registry } = await newTopic('dedupe', 1);
    let calls = 0;
    const c = await consumer(topic, registry, {
      'hub.heartbeat': async () => {
        calls++;
      },
    });
    const event = withSequence(
      heartbeat.make({ subject: 'same', data: HubHeartbeat.fromPartial({ counter: '1' }) }),
      1n,
    );
    const record = { topic, ...toKafkaRecord(event) };
    await h.rawPublish([record, record, record]);
    await waitFor(() => c.stats().handled + c.stats().duplicates >= 3, { timeoutMs: 30_000 });
    expect(calls).toBe(1);
    expect(c.stats()).toMatchObject({ handled: 1, duplicates: 2 });
  });

  it('dead-letters malformed and oversized records with their reason, and keeps going', async () => {
    const { topic, registry } = await newTopic('dlq', 1);
    const handled: string[] = [];
    const c = await consumer(
      topic,
      registry,
      {
        'hub.heartbeat': async (event) => {
          handled.push(event.subject);
        },
      },
      { maxMessageBytes: 4_096 },
    );
    const good = (subject: string) =>
      toKafkaRecord(withSequence(heartbeat.make({ subject, data: HubHeartbeat.fromPartial({ counter: '1' }) }), 1n));
    const valid = good('before');
    const { ce_time: _, ...withoutTime } = valid.headers;
    const huge = good('huge');
    await h.rawPublish([
      { topic, ...valid },
      { topic, key: 'garbage', value: Buffer.from('this is not an event at all'), headers: {} },
      { topic, key: 'no-time', value: Buffer.from(valid.value), headers: withoutTime },
      {
        topic,
        key: 'bad-version',
        value: Buffer.from(valid.value),
        headers: { ...valid.headers, ce_specversion: '0.3' },
      },
      {
        topic,
        key: 'huge',
        value: Buffer.from(
          HubHeartbeat.encode(HubHeartbeat.fromPartial({ padding: Buffer.alloc(10_000, 7) })).finish(),
        ),
        headers: huge.headers,
      },
      { topic, ...good('after') },
    ]);
    await waitFor(() => handled.includes('after'), { timeoutMs: 30_000, message: 'the good event after the bad ones' });
    expect(handled).toEqual(['before', 'after']);
    expect(c.stats().deadLetteredBy).toEqual({ EVENT_MALFORMED: 3, EVENT_TOO_LARGE: 1 });

    const dlq = await collect(h.transport, uniqueTopic('dlq-reader'), [registry.deadLetterOf(topic).name]);
    try {
      await waitFor(() => dlq.records.length >= 4, { timeoutMs: 30_000, message: 'four dead letters' });
      const letters = dlq.records.map(decodeDeadLetter);
      expect(letters.map((l) => [l.originalKey.toString(), l.reason])).toEqual([
        ['garbage', 'EVENT_MALFORMED'],
        ['no-time', 'EVENT_MALFORMED'],
        ['bad-version', 'EVENT_MALFORMED'],
        ['huge', 'EVENT_TOO_LARGE'],
      ]);
      const [garbage, noTime, , tooLarge] = letters;
      expect(garbage).toMatchObject({ originalTopic: topic, originalOffset: '1', attempts: 0 });
      expect(garbage!.originalValue.toString()).toBe('this is not an event at all');
      expect(garbage!.headers).toMatchObject({ dlq_reason: 'EVENT_MALFORMED' });
      expect(noTime!.detail).toContain('ce_time');
      expect(noTime!.headers).toMatchObject({ ce_id: valid.headers.ce_id, dlq_reason: 'EVENT_MALFORMED' });
      expect(noTime!.originalHeaders).toMatchObject({ ce_type: 'hub.heartbeat' });
      expect(tooLarge!.originalValue).toHaveLength(0);
      expect(tooLarge!.headers).toMatchObject({ dlq_reason: 'EVENT_TOO_LARGE' });
      expect(dlq.records.map((r) => r.key?.toString())).toEqual(['garbage', 'no-time', 'bad-version', 'huge']);
    } finally {
      await dlq.stop();
    }
  });

  it('ignores unknown types, or dead-letters them when strict', async () => {
    const { topic, registry } = await newTopic('types', 1);
    const lenient = await consumer(topic, registry, {});
    const strict = await consumer(topic, registry, {}, { strictTypes: true });
    const event = withSequence(heartbeat.make({ subject: 's', data: HubHeartbeat.fromPartial({}) }), 1n);
    await h.rawPublish([{ topic, ...toKafkaRecord(event) }]);
    await waitFor(() => lenient.stats().ignored === 1 && strict.stats().deadLettered === 1, { timeoutMs: 30_000 });
    expect(strict.stats().deadLetteredBy).toEqual({ EVENT_UNKNOWN_TYPE: 1 });
    expect(lenient.stats().deadLettered).toBe(0);
  });

  it('retries a failing handler, and dead-letters it with HANDLER_FAILED when it keeps failing', async () => {
    const { topic, registry } = await newTopic('retry', 1);
    const attempts = new Map<string, number>();
    const c = await consumer(
      topic,
      registry,
      {
        'hub.heartbeat': async (event, tx) => {
          const n = (attempts.get(event.subject) ?? 0) + 1;
          attempts.set(event.subject, n);
          // a write that must roll back with the failed attempt
          await tx.query(`INSERT INTO ${SERVICE_SCHEMA}.seen (event_id, subject, counter) VALUES ($1, $2, $3)`, [
            event.id,
            event.subject,
            n,
          ]);
          if (event.subject === 'flaky' && n < 3) throw new Error(`flaky attempt ${n}`);
          if (event.subject === 'broken') throw new Error('the handler is broken');
        },
      },
      { maxAttempts: 4 },
    );
    const make = (subject: string) =>
      toKafkaRecord(withSequence(heartbeat.make({ subject, data: HubHeartbeat.fromPartial({}) }), 1n));
    const broken = make('broken');
    await h.rawPublish([
      { topic, ...make('flaky') },
      { topic, ...broken },
      { topic, ...make('fine') },
    ]);
    await waitFor(() => c.stats().handled === 2 && c.stats().deadLettered === 1, {
      timeoutMs: 30_000,
      message: 'the event after the broken one',
    });

    expect(attempts.get('flaky')).toBe(3);
    expect(attempts.get('broken')).toBe(4);
    expect(c.stats()).toMatchObject({
      handled: 2,
      retried: 2 + 3,
      deadLettered: 1,
      deadLetteredBy: { HANDLER_FAILED: 1 },
    });
    const { rows } = await h.db.query<{ subject: string; counter: string }>(
      `SELECT subject, counter FROM ${SERVICE_SCHEMA}.seen WHERE subject IN ('flaky', 'broken') ORDER BY subject`,
    );
    // only the successful attempt's write survived; nothing of the broken one
    expect(rows).toEqual([{ subject: 'flaky', counter: '3' }]);

    const dlq = await collect(h.transport, uniqueTopic('retry-dlq'), [registry.deadLetterOf(topic).name]);
    try {
      await waitFor(() => dlq.records.length >= 1, { timeoutMs: 30_000 });
      const letter = decodeDeadLetter(dlq.records[0]!);
      expect(letter).toMatchObject({ reason: 'HANDLER_FAILED', attempts: 4, originalTopic: topic });
      expect(letter.detail).toContain('the handler is broken');
      expect(letter.consumerGroup).not.toBe('');
      expect(letter.headers).toMatchObject({ ce_id: broken.headers.ce_id, dlq_reason: 'HANDLER_FAILED' });
      expect(Date.parse(letter.failedAt)).not.toBeNaN();
    } finally {
      await dlq.stop();
    }
  });

  it('lets one relay per schema publish at a time, and another take over when it stops', async () => {
    const { topic } = await newTopic('lease', 1);
    // the relays of the earlier tests stop first, so that these two compete for the lease
    for (const r of running.splice(0)) await r.stop();
    const first = relay();
    const second = relay();
    first.start();
    await waitFor(() => first.status().leader, { timeoutMs: 10_000, message: 'the first relay leads' });
    second.start();
    await waitFor(() => second.status().state === 'standby', { timeoutMs: 10_000, message: 'the second waits' });
    await h.db.transaction((tx) => writeThing(tx, topic, 'lease', 1));
    await second.flush({ timeoutMs: 20_000 });
    expect(first.status().published).toBeGreaterThanOrEqual(1);
    expect(second.status()).toMatchObject({ leader: false, published: 0 });

    await first.stop();
    await h.db.transaction((tx) => writeThing(tx, topic, 'lease', 2));
    await second.flush({ timeoutMs: 20_000 });
    expect(second.status()).toMatchObject({ leader: true, published: 1 });
  });

  it('refuses to publish to a topic that does not exist', async () => {
    const record = { topic: uniqueTopic('events-missing'), key: 'k', value: Buffer.from('x'), headers: {} };
    await expect(h.transport.publish([record])).rejects.toMatchObject({ code: 'TOPIC_UNKNOWN' });
  });

  it('exposes the lag, which falls to zero once consumed', async () => {
    const { topic, registry } = await newTopic('lag', 2);
    const r = relay();
    for (let n = 1; n <= 10; n++) await h.db.transaction((tx) => writeThing(tx, topic, `lag-${n % 4}`, n));
    await r.flush({ timeoutMs: 20_000 });

    const group = uniqueTopic('lag-group');
    // before the group consumed anything, everything published is lag
    const initial = await h.transport.lag(group, [topic]);
    expect(initial.map((p) => p.partition)).toEqual([0, 1]);
    expect(totalLag(initial)).toBe(10);
    expect(initial.every((p) => p.committed === -1)).toBe(true);

    let handled = 0;
    const c = createConsumer({
      transport: h.transport,
      db: h.db,
      schema: SERVICE_SCHEMA,
      group,
      topics: [topic],
      registry,
      handlers: { 'hub.heartbeat': async () => void handled++ },
    });
    running.push(c);
    await c.start();
    await waitFor(async () => handled === 10 && totalLag(await c.lag()) === 0, {
      timeoutMs: 30_000,
      message: 'lag 0',
    });
    const lags = await c.lag();
    expect(lags.reduce((sum, p) => sum + p.end, 0)).toBe(10);
    expect(lags.every((p) => p.lag === 0 && (p.end === 0 || p.committed === p.end))).toBe(true);
  });
});
