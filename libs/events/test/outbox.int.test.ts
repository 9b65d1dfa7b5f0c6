/**
 * The outbox and its relay-stamped sequences on real PostgreSQL and the real Kafka broker (ADR 010): writers of one
 * source never wait on each other, a rolled-back writer leaves no gap, and after many concurrent writers (some
 * rolling back) every source's sequences are gap-free and increase in publish order. Also: the lease is renewed
 * lazily, and a relay that lost its lease stamps and publishes nothing; rows written before migration 9002 keep
 * their numbers.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import { type Database, migrate, openDatabase, type Transaction } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendToOutbox,
  createEmbeddedTransport,
  createKafkaTransport,
  createRelay,
  defineEvent,
  defineTopic,
  type EventTransport,
  ensureTopics,
  type KafkaTransport,
  outboxBacklog,
  outboxMigrations,
  type PublishedEvent,
  TopicRegistry,
  toKafkaRecord,
  withSequence,
} from '../src/index.js';
import { type Collector, collect, installService, SERVICE_SCHEMA } from './support.js';

const sources = ['/onceonly/alpha', '/onceonly/beta'].map((source) =>
  defineEvent({
    type: 'hub.heartbeat',
    source,
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    codec: HubHeartbeat,
  }),
);

function entry(topic: string, source: number, subject: string) {
  return { topic, event: sources[source]!.make({ subject, data: HubHeartbeat.fromPartial({}) }) };
}

/** Resolves when `gate` is opened: lets a test hold a transaction open at a chosen point. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

async function sequencesOf(db: Database, schema: string, source: string): Promise<Array<string | null>> {
  const { rows } = await db.query<{ sequence: string | null }>(
    `SELECT sequence FROM "${schema}".outbox WHERE source = $1 ORDER BY position`,
    [source],
  );
  return rows.map((row) => row.sequence);
}

describe('the outbox under concurrent writers, with relay-stamped sequences', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: KafkaTransport;

  beforeAll(async () => {
    testDb = await freshDatabase('outbox');
    db = await openDatabase({ url: testDb.url, poolSize: 16 });
    await installService(db);
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'outbox-test' });
  });

  afterAll(async () => {
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  async function newTopic(prefix: string, partitions = 3): Promise<string> {
    const topic = uniqueTopic(`outbox-${prefix}`);
    await ensureTopics(
      transport,
      new TopicRegistry([defineTopic({ name: topic, partitions, owner: 'test', eventTypes: ['hub.heartbeat'] })]),
    );
    return topic;
  }

  it('lets two open transactions of one source both write and commit, in either order', async () => {
    for (const order of [
      ['first', 'second'],
      ['second', 'first'],
    ] as const) {
      const wrote = { first: gate(), second: gate() };
      const commit = { first: gate(), second: gate() };
      const writer = (name: 'first' | 'second') =>
        db.transaction(async (tx: Transaction) => {
          // a writer that had to wait for the other's lock would fail here instead of hanging the test
          await tx.query(`SET LOCAL lock_timeout = '2s'`);
          await appendToOutbox(tx, SERVICE_SCHEMA, [entry('t', 0, name), entry('t', 0, `${name}-2`)]);
          wrote[name].open();
          await commit[name].wait;
          return name;
        });
      const first = writer('first');
      const second = writer('second');
      // both hold their uncommitted rows of the same source at the same time
      await Promise.all([wrote.first.wait, wrote.second.wait]);
      const done: string[] = [];
      commit[order[0]].open();
      done.push(await (order[0] === 'first' ? first : second));
      commit[order[1]].open();
      done.push(await (order[1] === 'first' ? first : second));
      expect(done).toEqual(order);
    }
    // written without numbers: the relay stamps them
    expect(await sequencesOf(db, SERVICE_SCHEMA, sources[0]!.source)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    await db.query(`DELETE FROM ${SERVICE_SCHEMA}.outbox`);
  });

  it('gives every source gap-free sequences in publish order after many concurrent writers, some rolling back', async () => {
    const topic = await newTopic('concurrent');
    const stampedBatches: PublishedEvent[][] = [];
    const publishedBatches: PublishedEvent[][] = [];
    const relay = createRelay({
      db,
      schema: SERVICE_SCHEMA,
      transport,
      pollIntervalMs: 20,
      batchSize: 7,
      afterStamp: (batch) => void stampedBatches.push([...batch]),
      afterPublish: (batch) => void publishedBatches.push([...batch]),
    });
    const reader = await collect(transport, uniqueTopic('outbox-reader'), [topic]);
    relay.start();
    const writers = 12;
    const transactionsEach = 20;
    let rolledBack = 0;
    let expectedEvents = 0;
    const unexpected: unknown[] = [];
    try {
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let t = 0; t < transactionsEach; t++) {
            const fail = (w + t) % 5 === 0;
            try {
              const count = await db.transaction(async (tx) => {
                // 1–3 events over both sources, while the relay stamps and publishes what committed before
                const n = 1 + ((w * 7 + t) % 3);
                const entries = Array.from({ length: n }, (_, i) => entry(topic, (w + t + i) % 2, `w${w}`));
                await appendToOutbox(tx, SERVICE_SCHEMA, entries);
                await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
                if (fail) throw new Error('roll back');
                return n;
              });
              expectedEvents += count;
            } catch (err) {
              if ((err as Error).message === 'roll back') rolledBack++;
              else unexpected.push(err);
            }
            relay.kick();
          }
        }),
      );
      await relay.flush({ timeoutMs: 30_000 });
    } finally {
      await relay.stop();
    }
    expect(unexpected).toEqual([]);
    expect(rolledBack).toBeGreaterThan(0);
    expect((await outboxBacklog(db, SERVICE_SCHEMA)).pending).toBe(0);

    let stored = 0;
    for (const { source } of sources) {
      const { rows } = await db.query<{ sequence: string }>(
        `SELECT sequence FROM ${SERVICE_SCHEMA}.outbox WHERE source = $1 AND topic = $2 ORDER BY sequence::bigint`,
        [source, topic],
      );
      expect(rows.length).toBeGreaterThan(20);
      // gap-free from 1: the rolled-back writers took no number
      expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      const { rows: last } = await db.query<{ last: string }>(
        `SELECT last FROM ${SERVICE_SCHEMA}.outbox_sequence WHERE source = $1`,
        [source],
      );
      expect(Number(last[0]!.last)).toBe(rows.length);
      // sequence order = publish order: batch after batch, each source's numbers only go up, each once
      const published = publishedBatches.flat().filter((e) => e.source === source);
      expect(published.map((e) => Number(e.sequence))).toEqual(rows.map((r) => Number(r.sequence)));
      stored += rows.length;
    }
    expect(stored).toBe(expectedEvents);
    expect(stampedBatches.flat().map((e) => e.eventId)).toEqual(publishedBatches.flat().map((e) => e.eventId));
    // more than one batch, so the numbering went on across the relay's statements
    expect(publishedBatches.length).toBeGreaterThan(5);

    // on the topic: each event once, with the stamped ce_sequence, increasing per source within each partition
    await waitFor(() => reader.records.length >= expectedEvents, { timeoutMs: 30_000, message: 'every record read' });
    await reader.stop();
    expect(reader.records).toHaveLength(expectedEvents);
    const byId = new Map(publishedBatches.flat().map((e) => [e.eventId, e]));
    for (const record of reader.records) {
      expect(record.headers.ce_sequence).toBe(byId.get(record.headers.ce_id as string)?.sequence);
    }
    for (const partition of new Set(reader.records.map((r) => r.partition))) {
      for (const { source } of sources) {
        const inPartition = reader.records
          .filter((r) => r.partition === partition && r.headers.ce_source === source)
          .map((r) => Number(r.headers.ce_sequence));
        expect(inPartition).toEqual([...inPartition].sort((x, y) => x - y));
      }
    }
  });

  it('leaves no gap for a rolled-back writer, even one that wrote between two committed ones', async () => {
    const topic = await newTopic('rollback', 1);
    const source = sources[1]!.source;
    const before = (await sequencesOf(db, SERVICE_SCHEMA, source)).length;
    await db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, [entry(topic, 1, 'a')]));
    await expect(
      db.transaction(async (tx) => {
        await appendToOutbox(tx, SERVICE_SCHEMA, [entry(topic, 1, 'b'), entry(topic, 1, 'b')]);
        throw new Error('the use case failed after writing');
      }),
    ).rejects.toThrow('the use case failed');
    await db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, [entry(topic, 1, 'c')]));
    const relay = createRelay({ db, schema: SERVICE_SCHEMA, transport });
    await relay.flush({ timeoutMs: 20_000 });
    const all = (await sequencesOf(db, SERVICE_SCHEMA, source)).map(Number);
    expect(all).toHaveLength(before + 2);
    // gap-free: the numbers are 1 … n once each (in position order they need not be: the earlier test's concurrent
    // writers committed out of position order, and the relay numbers in the order it finds rows committed)
    expect([...all].sort((x, y) => x - y)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    // this test's two committed rows, written one after the other, took the next two numbers in order
    expect(all.slice(-2)).toEqual([before + 1, before + 2]);
  });

  it('writes nothing outside a committed transaction', async () => {
    const before = await outboxBacklog(db, SERVICE_SCHEMA);
    await expect(
      db.transaction(async (tx) => {
        await appendToOutbox(tx, SERVICE_SCHEMA, [entry('t', 0, 'x')]);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect((await outboxBacklog(db, SERVICE_SCHEMA)).pending).toBe(before.pending);
  });

  it('rejects an invalid event before writing anything, even after valid ones', async () => {
    const before = await outboxBacklog(db, SERVICE_SCHEMA);
    const bad = { ...sources[0]!.make({ subject: 'x', data: HubHeartbeat.fromPartial({}) }), time: 'now' };
    await expect(
      db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, [entry('t', 0, 'ok'), { topic: 't', event: bad }])),
    ).rejects.toMatchObject({ code: 'EVENT_MALFORMED', details: { meta: { attribute: 'time' } } });
    expect((await outboxBacklog(db, SERVICE_SCHEMA)).pending).toBe(before.pending);
  });

  it('writes many entries in one statement, in the order given', async () => {
    const topic = await newTopic('many', 1);
    const entries = Array.from({ length: 2_500 }, (_, i) => entry(topic, i % 2, `many-${i % 7}`));
    const written = await db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, entries));
    expect(written.map((e) => e.id)).toEqual(entries.map((e) => e.event.id));
    const { rows } = await db.query<{ event_id: string; headers: Record<string, string> }>(
      `SELECT event_id, headers FROM ${SERVICE_SCHEMA}.outbox WHERE topic = $1 ORDER BY position`,
      [topic],
    );
    expect(rows.map((r) => r.event_id)).toEqual(entries.map((e) => e.event.id));
    // stored headers are the envelope's but the sequence, which the relay adds
    const expected = toKafkaRecord(withSequence(entries[0]!.event, 1n)).headers;
    const { ce_sequence: _sequence, ...withoutSequence } = expected;
    expect(rows[0]!.headers).toEqual(withoutSequence);
    const relay = createRelay({ db, schema: SERVICE_SCHEMA, transport, batchSize: 500 });
    await relay.flush({ timeoutMs: 30_000 });
  });
});

describe('the relay lease', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let reader: Collector | undefined;

  beforeAll(async () => {
    testDb = await freshDatabase('outbox-lease');
    db = await openDatabase({ url: testDb.url, poolSize: 8 });
    await installService(db);
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'outbox-lease-test' });
  });

  afterAll(async () => {
    await reader?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  it('is renewed lazily, and a relay whose lease another took stamps and publishes nothing', async () => {
    const topic = uniqueTopic('outbox-lease');
    await ensureTopics(
      transport,
      new TopicRegistry([defineTopic({ name: topic, partitions: 1, owner: 'test', eventTypes: ['hub.heartbeat'] })]),
    );
    const relay = createRelay({ db, schema: SERVICE_SCHEMA, transport, pollIntervalMs: 20, leaseMs: 60_000 });
    const lease = async () =>
      (
        await db.query<{ owner: string; lease_until: Date }>(
          `SELECT owner, lease_until FROM ${SERVICE_SCHEMA}.outbox_relay`,
        )
      ).rows[0];
    try {
      relay.start();
      await waitFor(() => relay.status().leader, { timeoutMs: 10_000, message: 'the relay leads' });
      const taken = await lease();
      for (let n = 0; n < 3; n++) {
        await db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, [entry(topic, 0, `lease-${n}`)]));
        await relay.flush({ timeoutMs: 10_000 });
      }
      // many passes, no lease write: a third of the lease has not gone by
      expect((await lease())?.lease_until.getTime()).toBe(taken?.lease_until.getTime());
      expect(relay.status().published).toBe(3);

      // another relay holds the lease now (this one has not renewed yet, so it still believes it leads)
      await db.query(
        `UPDATE ${SERVICE_SCHEMA}.outbox_relay SET owner = 'someone-else', lease_until = now() + interval '1 minute'`,
      );
      await db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, [entry(topic, 0, 'not-mine')]));
      relay.kick();
      await waitFor(() => relay.status().state === 'standby', { timeoutMs: 10_000, message: 'the relay stands by' });
      expect(relay.status().leader).toBe(false);
      expect(relay.status().published).toBe(3);
      const sequences = await sequencesOf(db, SERVICE_SCHEMA, sources[0]!.source);
      expect(sequences).toEqual(['1', '2', '3', null]);
      reader = await collect(transport, uniqueTopic('outbox-lease-reader'), [topic]);
      await waitFor(() => reader!.records.length >= 3, { timeoutMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(reader.records).toHaveLength(3);

      // the lease expires: the relay takes it back and goes on numbering
      await db.query(`UPDATE ${SERVICE_SCHEMA}.outbox_relay SET lease_until = now() - interval '1 second'`);
      await relay.flush({ timeoutMs: 10_000 });
      expect(relay.status()).toMatchObject({ leader: true, published: 4 });
      expect(await sequencesOf(db, SERVICE_SCHEMA, sources[0]!.source)).toEqual(['1', '2', '3', '4']);
      await waitFor(() => reader!.records.length >= 4, { timeoutMs: 20_000 });
      expect(reader.records.map((r) => r.headers.ce_sequence)).toEqual(['1', '2', '3', '4']);
    } finally {
      await relay.stop();
    }
  });
});

describe('an outbox written before migration 9002', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await freshDatabase('outbox-upgrade');
    db = await openDatabase({ url: testDb.url, poolSize: 4 });
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('keeps the numbers writers stamped, and the relay continues after them', async () => {
    const schema = 'upgraded';
    const all = outboxMigrations(schema);
    await migrate(db, { schema, migrations: all.filter((m) => m.version === 9001) });
    // two rows as the writers before 9002 left them: numbered, one published, one pending
    await db.query(`INSERT INTO ${schema}.outbox_sequence (source, last) VALUES ($1, 2)`, [sources[0]!.source]);
    const old = [1n, 2n].map((sequence) => toKafkaRecord(withSequence(entry('t', 0, 'old').event, sequence)));
    for (const [i, record] of old.entries()) {
      await db.query(
        `INSERT INTO ${schema}.outbox (event_id, topic, key, source, type, sequence, headers, body, published_at)
         VALUES ($1, 't', $2, $3, 'hub.heartbeat', $4, $5::jsonb, $6, $7)`,
        [
          record.headers.ce_id,
          record.key,
          sources[0]!.source,
          i + 1,
          JSON.stringify(record.headers),
          Buffer.from(record.value),
          i === 0 ? new Date() : null,
        ],
      );
    }
    await migrate(db, { schema, migrations: all });
    await db.transaction((tx) => appendToOutbox(tx, schema, [entry('t', 0, 'new'), entry('t', 0, 'new')]));
    const transport = await createEmbeddedTransport({ db, schema: 'upgraded_log' });
    await ensureTopics(
      transport,
      new TopicRegistry([defineTopic({ name: 't', partitions: 1, owner: 'test', eventTypes: ['hub.heartbeat'] })]),
    );
    await createRelay({ db, schema, transport }).flush({ timeoutMs: 10_000 });
    const log = await collect(transport, 'upgrade-reader', ['t']);
    await waitFor(() => log.records.length >= 3, { timeoutMs: 10_000 });
    await log.stop();
    await transport.close();
    const sent = log.records.map((r) => ({ sequence: r.headers.ce_sequence, id: r.headers.ce_id }));
    expect(sent.map((s) => s.sequence)).toEqual(['2', '3', '4']);
    expect(sent[0]!.id).toBe(old[1]!.headers.ce_id);
    expect(await sequencesOf(db, schema, sources[0]!.source)).toEqual(['1', '2', '3', '4']);
    // numbers stay unique per source (a partial unique index since 9003)
    await expect(db.query(`UPDATE ${schema}.outbox SET sequence = 3 WHERE sequence = 4`)).rejects.toThrow(
      /outbox_numbered/,
    );
    // a row published before 9003 without a number cannot exist
    await expect(db.query(`UPDATE ${schema}.outbox SET sequence = NULL WHERE sequence = 1`)).rejects.toThrow(
      /outbox_published_has_sequence/,
    );
  });
});
