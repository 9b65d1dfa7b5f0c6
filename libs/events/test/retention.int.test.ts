/**
 * Retention of the outbox and the inbox (ADR 047), on real PostgreSQL (the real broker for the pass beside a
 * publishing relay) and on PGlite: only published outbox rows older than the retention go, never an unpublished or a
 * recent one, and the relay's numbering goes on gap-free after them; inbox rows go only once their topic's records
 * cannot come again, so a duplicate inside the retention is still dropped; passes delete in batches, two at once
 * delete each row once, and a pass beside a publishing relay loses and doubles nothing.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import type { Database } from '@onceonly/store';
import { uniqueTopic, waitFor } from '@onceonly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendToOutbox,
  createConsumer,
  createRelay,
  defineTopic,
  type EventConsumer,
  ensureTopics,
  inboxKeepMs,
  inboxRetention,
  KAFKA_SEGMENT_SLACK_MS,
  outboxBacklog,
  pruneInbox,
  pruneOutbox,
  TopicRegistry,
  toKafkaRecord,
  withSequence,
} from '../src/index.js';
import {
  collect,
  embeddedPgliteHarness,
  embeddedPostgresHarness,
  type Harness,
  type HarnessFactory,
  heartbeat,
  installService,
  kafkaHarness,
  openWithTopic,
  SERVICE_SCHEMA,
} from './support.js';

const DAY = 24 * 60 * 60 * 1000;
const S = SERVICE_SCHEMA;

function event(n: number) {
  return heartbeat.make({ subject: `thing-${n}`, data: HubHeartbeat.fromPartial({ counter: String(n) }) });
}

async function write(db: Database, topic: string, from: number, count: number): Promise<void> {
  await db.transaction((tx) =>
    appendToOutbox(
      tx,
      S,
      Array.from({ length: count }, (_, i) => ({ topic, event: event(from + i) })),
    ),
  );
}

/** Makes the outbox rows with these counters (or every row) look `days` old. */
async function ageOutbox(db: Database, days: number, where = 'true'): Promise<void> {
  await db.query(`UPDATE ${S}.outbox SET created_at = now() - $1::int * interval '1 day' WHERE ${where}`, [days]);
}

async function outboxRows(db: Database): Promise<{ counter: number; sequence: string | null }[]> {
  const { rows } = await db.query<{ key: string; sequence: string | null }>(
    `SELECT key, sequence::text FROM ${S}.outbox ORDER BY position`,
  );
  return rows.map((r) => ({ counter: Number(r.key.replace('thing-', '')), sequence: r.sequence }));
}

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])('outbox retention ($name)', (factory) => {
  let h: Harness;
  const topic = 'retention.outbox';

  beforeEach(async () => {
    h = await openWithTopic(factory, topic);
  });
  afterEach(async () => {
    await h.close();
  });

  it('deletes only published rows older than the retention, in batches; numbering goes on gap-free', async () => {
    const relay = createRelay({ db: h.db, schema: S, transport: h.transport, batchSize: 7 });
    await write(h.db, topic, 1, 25);
    await relay.flush({ timeoutMs: 20_000 });
    // 1–25 published; 26–28 written, not published (unnumbered); 29–30 stamped, not published (above the watermark)
    await write(h.db, topic, 26, 5);
    await h.db.query(`UPDATE ${S}.outbox SET sequence = 26 WHERE key = 'thing-29'`);
    await h.db.query(`UPDATE ${S}.outbox SET sequence = 27 WHERE key = 'thing-30'`);
    await h.db.query(`UPDATE ${S}.outbox_sequence SET last = 27`);
    await ageOutbox(h.db, 10); // every row is old, the unpublished ones too
    await ageOutbox(h.db, 2, `key IN ('thing-24', 'thing-25')`); // two published rows are recent
    expect(await pruneOutbox(h.db, S, 7 * DAY, { batchSize: 4 })).toBe(23);
    const left = await outboxRows(h.db);
    expect(left.map((r) => r.counter)).toEqual([24, 25, 26, 27, 28, 29, 30]);
    expect(left.map((r) => r.sequence)).toEqual(['24', '25', null, null, null, '26', '27']);
    expect((await outboxBacklog(h.db, S)).pending).toBe(5);
    // nothing more to delete: a second pass deletes nothing
    expect(await pruneOutbox(h.db, S, 7 * DAY, { batchSize: 4 })).toBe(0);

    // the relay publishes what is left and numbers on from the watermark, gap-free
    const log = await collect(h.transport, uniqueTopic('reader'), [topic]);
    await write(h.db, topic, 31, 3);
    await relay.flush({ timeoutMs: 20_000 });
    await relay.stop();
    await waitFor(() => log.records.length >= 30 + 3, { timeoutMs: 20_000 });
    await log.stop();
    const after = log.records.slice(25).map((r) => Number(r.headers.ce_sequence));
    expect(after).toEqual([26, 27, 28, 29, 30, 31, 32, 33]);
    expect((await outboxBacklog(h.db, S)).pending).toBe(0);
    // and once those are old, they go as well; the sequence table keeps every source's numbers
    await ageOutbox(h.db, 10);
    expect(await pruneOutbox(h.db, S, 7 * DAY)).toBe(10);
    const { rows } = await h.db.query<{ last: string; published: string }>(
      `SELECT last::text, published::text FROM ${S}.outbox_sequence`,
    );
    expect(rows).toEqual([{ last: '33', published: '33' }]);
  });

  it('two passes at once delete each row once', async () => {
    await write(h.db, topic, 1, 300);
    await createRelay({ db: h.db, schema: S, transport: h.transport, batchSize: 100 }).flush({ timeoutMs: 20_000 });
    await ageOutbox(h.db, 10);
    const counts = await Promise.all([
      pruneOutbox(h.db, S, 7 * DAY, { batchSize: 16 }),
      pruneOutbox(h.db, S, 7 * DAY, { batchSize: 16 }),
    ]);
    // a pass that lost a batch to the other one ends early (the next pass finishes): no row is counted twice
    const rest = await pruneOutbox(h.db, S, 7 * DAY, { batchSize: 16 });
    expect(counts[0]! + counts[1]! + rest).toBe(300);
    expect(await outboxRows(h.db)).toEqual([]);
  });

  it('stops between batches once aborted', async () => {
    await write(h.db, topic, 1, 50);
    await createRelay({ db: h.db, schema: S, transport: h.transport }).flush({ timeoutMs: 20_000 });
    await ageOutbox(h.db, 10);
    const stop = new AbortController();
    stop.abort();
    expect(await pruneOutbox(h.db, S, 7 * DAY, { batchSize: 10, signal: stop.signal })).toBe(0);
    expect(await pruneOutbox(h.db, S, 7 * DAY, { batchSize: 10 })).toBe(50);
  });
});

describe('outbox retention beside a publishing relay (kafka + postgres)', () => {
  let h: Harness;
  const topic = uniqueTopic('retention.live');

  beforeEach(async () => {
    h = await openWithTopic(kafkaHarness, topic);
  });
  afterEach(async () => {
    await h.close();
  });

  it('passes while the relay publishes lose nothing and leave the sequence gap-free', async () => {
    const relay = createRelay({ db: h.db, schema: S, transport: h.transport, batchSize: 20 });
    relay.start();
    const log = await collect(h.transport, uniqueTopic('reader'), [topic]);
    const total = 400;
    let pruned = 0;
    let writing = true;
    // passes in a loop (retention 0 ms: every published row is old enough) while writers commit and the relay publishes
    const pruner = (async () => {
      while (writing) pruned += await pruneOutbox(h.db, S, 0, { batchSize: 8 });
    })();
    for (let n = 1; n <= total; n += 10) {
      await write(h.db, topic, n, 10);
      relay.kick();
    }
    await relay.flush({ timeoutMs: 30_000 });
    writing = false;
    await pruner;
    pruned += await pruneOutbox(h.db, S, 0);
    await relay.stop();
    await waitFor(() => log.records.length >= total, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    await log.stop();
    const sequences = log.records.map((r) => Number(r.headers.ce_sequence));
    // at-least-once: a republished batch may repeat numbers; every number 1..total is there, none beyond
    expect([...new Set(sequences)].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(log.records.map((r) => r.headers.ce_id)).size).toBe(total);
    expect(pruned).toBe(total);
    expect(await outboxRows(h.db)).toEqual([]);
    expect((await outboxBacklog(h.db, S)).pending).toBe(0);
  });
});

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])('inbox retention ($name)', (factory) => {
  let h: Harness;
  let consumer: EventConsumer | undefined;
  const weekly = defineTopic({ name: 'retention.weekly', partitions: 1, owner: 'test', eventTypes: ['hub.heartbeat'] });
  const forever = defineTopic({
    name: 'retention.forever',
    partitions: 1,
    retentionMs: -1,
    owner: 'test',
    eventTypes: ['hub.heartbeat'],
  });
  const registry = new TopicRegistry([weekly, forever]);

  beforeEach(async () => {
    h = await factory.open();
    await installService(h.db);
    await ensureTopics(h.transport, registry);
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await h.close();
  });

  it('keeps each row as long as its topic can deliver the event again', () => {
    expect(inboxKeepMs(weekly, 7 * DAY)).toBe(7 * DAY + KAFKA_SEGMENT_SLACK_MS);
    expect(inboxKeepMs(weekly, 30 * DAY)).toBe(30 * DAY);
    expect(inboxKeepMs(forever, 7 * DAY)).toBeUndefined();
    // dead-letter topics are registered too (30 days at least)
    expect(inboxRetention(registry.all(), DAY).map((k) => k.topic)).toEqual([
      'retention.weekly',
      'retention.weekly.dlq',
    ]);
  });

  it('deletes rows older than the keep, keeps the rest, and still drops a duplicate inside it', async () => {
    let handled = 0;
    consumer = createConsumer({
      transport: h.transport,
      db: h.db,
      schema: S,
      group: 'retention-group',
      topics: [weekly.name, forever.name],
      registry,
      handlers: { 'hub.heartbeat': async () => void handled++ },
    });
    await consumer.start();
    const events = Array.from({ length: 6 }, (_, i) => withSequence(event(i + 1), BigInt(i + 1)));
    await h.transport.publish([
      ...events.slice(0, 4).map((e) => ({ topic: weekly.name, ...toKafkaRecord(e) })),
      ...events.slice(4).map((e) => ({ topic: forever.name, ...toKafkaRecord(e) })),
    ]);
    await waitFor(() => handled === 6, { timeoutMs: 20_000 });
    const age = (days: number, ids: string[]) =>
      h.db.query(`UPDATE ${S}.inbox SET handled_at = now() - $1::int * interval '1 day' WHERE event_id = ANY($2)`, [
        days,
        ids,
      ]);
    const id = (n: number) => events[n - 1]!.id;
    await age(16, [id(1), id(2)]); // past 7 days + the broker's slack: gone
    await age(14, [id(3)]); // the topic's records may still be on the broker: kept
    await age(1000, [id(5)]); // a topic kept for ever: kept
    const keep = inboxRetention(registry.all(), 7 * DAY);
    expect(await pruneInbox(h.db, S, keep, { batchSize: 1 })).toBe(2);
    const { rows } = await h.db.query<{ event_id: string }>(`SELECT event_id FROM ${S}.inbox ORDER BY event_id`);
    expect(rows.map((r) => r.event_id)).toEqual([id(3), id(4), id(5), id(6)].sort());
    // a duplicate of a kept event is still dropped
    await h.transport.publish([
      { topic: weekly.name, ...toKafkaRecord(events[2]!) },
      { topic: forever.name, ...toKafkaRecord(events[4]!) },
    ]);
    await waitFor(() => consumer!.stats().duplicates === 2, { timeoutMs: 20_000 });
    expect(handled).toBe(6);
    // two passes at once, nothing left to delete
    expect(await Promise.all([pruneInbox(h.db, S, keep), pruneInbox(h.db, S, keep)])).toEqual([0, 0]);
  });
});

/**
 * A harness with the service installed and `count` inbox rows, each of the topic `topicSql` (an expression of `n`),
 * handled 20 days ago plus `n` seconds where `oldSql` holds, else now.
 */
async function openWithInbox(factory: HarnessFactory, topicSql: string, oldSql: string, count: number) {
  const h = await factory.open();
  await installService(h.db);
  // no autovacuum of the new rows during a pass: its lock, or an ANALYZE's snapshot, would leave ranges as wide as
  // they were (a limit of ADR 051, measured in the bench; these tests are about what a pass deletes and summarizes)
  await h.db.query(`ALTER TABLE ${S}.inbox SET (autovacuum_enabled = off)`);
  await h.db.query(
    `INSERT INTO ${S}.inbox (consumer_group, event_id, topic, partition, "offset", handled_at)
     SELECT 'g', 'e' || n, ${topicSql}, 0, n,
            CASE WHEN ${oldSql} THEN now() - interval '20 days' + n * interval '1 second' ELSE now() END
     FROM generate_series(1, $1::int) n`,
    [count],
  );
  return h;
}

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])('inbox retention in batches ($name)', (factory) => {
  let h: Harness;
  const keep = [{ topic: 'retention.weekly', keepMs: 15 * DAY }];

  beforeEach(async () => {
    // 260 old rows of the weekly topic, 40 old rows of a topic kept for ever between them, 30 recent ones
    h = await openWithInbox(
      factory,
      `CASE WHEN n % 8 = 0 AND n <= 320 THEN 'retention.forever' ELSE 'retention.weekly' END`,
      'n <= 300',
      330,
    );
  });
  afterEach(async () => {
    await h.close();
  });

  async function left(): Promise<Record<string, number>> {
    const { rows } = await h.db.query<{ topic: string; old: boolean; n: number }>(
      `SELECT topic, handled_at < now() - interval '15 days' AS old, count(*)::int AS n FROM ${S}.inbox
       GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return Object.fromEntries(rows.map((r) => [`${r.topic}${r.old ? ' old' : ''}`, r.n]));
  }

  it('deletes every old row of the topic over several reads of the index, and only those', async () => {
    // batches of 2: 100 rows a read, three reads
    expect(await pruneInbox(h.db, S, keep, { batchSize: 2 })).toBe(263);
    expect(await left()).toEqual({ 'retention.forever': 3, 'retention.forever old': 37, 'retention.weekly': 27 });
    expect(await pruneInbox(h.db, S, keep, { batchSize: 2 })).toBe(0);
  });

  it('two passes at once delete each row once', async () => {
    const passes = await Promise.all([
      pruneInbox(h.db, S, keep, { batchSize: 3 }),
      pruneInbox(h.db, S, keep, { batchSize: 3 }),
    ]);
    expect(passes[0]! + passes[1]!).toBe(263);
    expect(await left()).toEqual({ 'retention.forever': 3, 'retention.forever old': 37, 'retention.weekly': 27 });
  });

  it('stops between batches once aborted, and the next pass goes on', async () => {
    const stop = new AbortController();
    let statements = 0;
    const counting = {
      query: ((sql: string, params?: unknown[]) => {
        if (sql.includes('DELETE') && ++statements === 2) stop.abort();
        return h.db.query(sql, params);
      }) as Database['query'],
    };
    expect(await pruneInbox(counting, S, keep, { batchSize: 5, signal: stop.signal })).toBe(10);
    expect(await pruneInbox(h.db, S, keep, { batchSize: 5 })).toBe(253);
  });
});

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])(
  'inbox retention re-summarizes the block ranges it emptied ($name)',
  (factory) => {
    let h: Harness;
    const keep = [{ topic: 'retention.weekly', keepMs: 15 * DAY }];

    beforeEach(async () => {
      // 20,000 old rows (≈ 150 pages, five summarized block ranges of 32) and as many recent ones after them
      h = await openWithInbox(factory, `'retention.weekly'`, 'n <= 20000', 40_000);
      await h.db.query(`SELECT brin_summarize_new_values('${S}.inbox_handled_brin')`);
    });
    afterEach(async () => {
      await h.close();
    });

    /** Heap pages a read of the rows older than the keep visits through the BRIN (the ranges it cannot rule out). */
    async function heapPagesOfAnOldRead(): Promise<number> {
      return h.db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        const { rows } = await tx.query<{
          'QUERY PLAN': [{ Plan: { 'Exact Heap Blocks': number; 'Lossy Heap Blocks': number } }];
        }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) SELECT ctid FROM ${S}.inbox
         WHERE topic = 'retention.weekly' AND handled_at < now() - interval '15 days'`,
        );
        const plan = rows[0]!['QUERY PLAN'][0].Plan;
        return plan['Exact Heap Blocks'] + plan['Lossy Heap Blocks'];
      });
    }

    it('so that the next read visits no range of deleted rows, and claims into reused space leave it narrow', async () => {
      const { rows } = await h.db.query<{ pages: number }>(
        `SELECT (pg_relation_size('${S}.inbox') / 8192)::int AS pages`,
      );
      const pages = rows[0]!.pages;
      expect(await heapPagesOfAnOldRead()).toBeGreaterThan(pages / 3);
      expect(await pruneInbox(h.db, S, keep)).toBe(20000);
      // only the last range (not full, so never summarized: a claim there writes nothing to the index) is left to visit
      expect(await heapPagesOfAnOldRead()).toBeLessThan(32);
      // the freed space is reused by new rows: their ranges are summarized from the new rows alone
      await h.db.query(`VACUUM ${S}.inbox`);
      await h.db.query(
        `INSERT INTO ${S}.inbox (consumer_group, event_id, topic, partition, "offset")
       SELECT 'g', 'n' || n, 'retention.weekly', 0, n FROM generate_series(1, 10000) n`,
      );
      const after = await h.db.query<{ pages: number }>(`SELECT (pg_relation_size('${S}.inbox') / 8192)::int AS pages`);
      expect(after.rows[0]!.pages).toBeLessThan(pages + 32);
      expect(await heapPagesOfAnOldRead()).toBeLessThan(32);
      expect(await pruneInbox(h.db, S, keep)).toBe(0);
    });
  },
);

describe('inbox retention beside a VACUUM of the inbox (postgres)', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await embeddedPostgresHarness.open();
    await installService(h.db);
    await h.db.query(
      `INSERT INTO ${S}.inbox (consumer_group, event_id, topic, partition, "offset", handled_at)
       SELECT 'g', 'e' || n, 'retention.weekly', 0, n, now() - interval '20 days' FROM generate_series(1, 5000) n`,
    );
  });
  afterEach(async () => {
    await h.close();
  });

  it('deletes, and leaves the ranges as they are instead of waiting for the lock', async () => {
    let release = () => {};
    let locked = () => {};
    const held = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // the lock VACUUM (and autovacuum) holds while it runs
    const vacuum = h.db.transaction(async (tx) => {
      await tx.query(`LOCK TABLE ${S}.inbox IN SHARE UPDATE EXCLUSIVE MODE`);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await held;
    try {
      // the pass ends while the lock is still held (it is released only after): it gave up waiting for it
      expect(await pruneInbox(h.db, S, [{ topic: 'retention.weekly', keepMs: 15 * DAY }])).toBe(5000);
    } finally {
      release();
      await vacuum;
    }
  });
});
