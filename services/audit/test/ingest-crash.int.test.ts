/**
 * Batch appends under faults (ADR 011), on Kafka and PostgreSQL:
 * - the ingest process killed for real (SIGKILL, in a child process that runs the built dist/) in the middle of a
 *   batch transaction, after its leaves were inserted: the batch leaves nothing, and after a restart every event is
 *   a leaf exactly once, the source's sequence is complete with no gap or repeat, the chains match the leaves;
 * - a batch transaction that fails after some inserts: rolled back, its events appended one at a time, each once;
 * - a poison record in a batch: dead-lettered alone, the rest of the batch appended.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeadLetter } from '@onceonly/contracts';
import {
  createKafkaTransport,
  type EventConsumer,
  type EventDraft,
  type EventTransport,
  type ReceivedRecord,
} from '@onceonly/events';
import { emptySubjectChain, extendSubjectChain, rootOf } from '@onceonly/merkle';
import { type Database, openDatabase, type Transaction } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, runNodeScript, type TestDatabase, testKafka, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toChain } from '../src/adapters/db/audit-store.js';
import { createIngest } from '../src/adapters/events/ingest.js';
import { subjectKeyOf } from '../src/domain/subject-key.js';
import { migrateAudit } from '../src/module.js';
import { log, registry as newRegistry, type Producer, startProducer } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const fixture = join(here, 'fixtures/ingest-crash.mjs');

/** The fixture runs on dist/: build the audit service and what it depends on (turbo: cached when up to date). */
function buildDist(): void {
  spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/turbo/bin/turbo'), 'run', 'build', '--filter=@onceonly/audit...'],
    {
      cwd: repoRoot,
      stdio: 'ignore',
      timeout: 280_000,
    },
  );
  if (!existsSync(join(repoRoot, 'services/audit/dist/index.js'))) throw new Error('services/audit/dist is missing');
}

const runFixture = (env: Record<string, string>) => runNodeScript(fixture, { cwd: repoRoot, env });

/** A database whose transactions throw once, right after the first statement that matches `failAfter`. */
function failingOnce(db: Database, failAfter: RegExp): Database & { failed: () => boolean } {
  let failed = false;
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    failed: () => failed,
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          exec: (sql: string) => tx.exec(sql),
          async query(sql: string, params?: readonly unknown[]) {
            const result = await tx.query(sql, params);
            if (!failed && failAfter.test(sql)) {
              failed = true;
              throw new Error('injected: the batch transaction fails after its leaves were inserted');
            }
            return result;
          },
        } as Transaction),
      ),
  } as Database & { failed: () => boolean };
}

/** Checks the log holds exactly `events`, once each, consistent with its head, chains and sequences. */
async function expectExactlyOnce(db: Database, events: readonly EventDraft[]): Promise<void> {
  const { rows } = await db.query<{ event_id: string; subject: string; leaf_hash: Uint8Array; leaf_index: string }>(
    'SELECT leaf_index, event_id, subject, leaf_hash FROM audit.leaves ORDER BY leaf_index',
  );
  expect(rows.map((r) => Number(r.leaf_index))).toEqual([...rows.keys()]);
  expect(rows.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
  const head = await db.query<{ size: string; root: Uint8Array }>('SELECT size, root FROM audit.tree_head');
  expect(Number(head.rows[0]!.size)).toBe(events.length);
  expect(Buffer.from(head.rows[0]!.root)).toEqual(Buffer.from(rootOf(rows.map((r) => r.leaf_hash))));
  // every source complete: 1..n, no hole left open, no repeat
  const sources = await db.query('SELECT source, contiguous, max_seen, events FROM audit.source_sequences');
  for (const s of sources.rows) expect(s.contiguous).toBe(s.max_seen);
  expect(sources.rows.reduce((n, s) => n + Number(s.events), 0)).toBe(events.length);
  const problems = await db.query(
    `SELECT kind FROM audit.gaps WHERE kind = 'repeat' OR (kind = 'gap' AND resolved_at IS NULL)`,
  );
  expect(problems.rows).toEqual([]);
  // every chain is the chain of its subject's leaves
  const expected = new Map<string, ReturnType<typeof emptySubjectChain>>();
  for (const r of rows) {
    const key = Buffer.from(subjectKeyOf(r.subject)!).toString('hex');
    expected.set(key, extendSubjectChain(expected.get(key) ?? emptySubjectChain(), Number(r.leaf_index), r.leaf_hash));
  }
  const chains = await db.query('SELECT subject_key, count, head, last_index FROM audit.subject_chains');
  expect(chains.rows.length).toBe(expected.size);
  const hex = (chain: ReturnType<typeof emptySubjectChain> | undefined) =>
    chain && { ...chain, head: Buffer.from(chain.head).toString('hex') };
  for (const c of chains.rows) {
    expect(hex(toChain(c))).toEqual(hex(expected.get(Buffer.from(c.subject_key as Uint8Array).toString('hex'))));
  }
}

describe('batch appends under faults, on Kafka and PostgreSQL', () => {
  const opened: Array<() => Promise<void>> = [];
  let transport: EventTransport;

  beforeAll(async () => {
    buildDist();
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-crash-test' });
  }, 300_000);

  afterAll(async () => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
    await transport?.close();
  });

  async function setup(): Promise<{ db: Database; url: string; producer: Producer; events: EventDraft[] }> {
    const testDb: TestDatabase = await freshDatabase('audit_crash');
    const db = await openDatabase({ url: testDb.url, poolSize: 6 });
    const producer = await startProducer(db, transport, newRegistry());
    opened.push(async () => {
      await producer.relay.stop();
      await db.close();
      await testDb.drop();
    });
    await migrateAudit(db);
    // 300 events on the topic before the log reads it, so that it fetches them in batches
    const events: EventDraft[] = [];
    for (let i = 0; i < 30; i++) {
      events.push(...(await producer.publish(Array.from({ length: 10 }, (_, k) => `crash-subject-${(i + k) % 13}`))));
    }
    await producer.relay.flush({ timeoutMs: 30_000 });
    return { db, url: testDb.url, producer, events };
  }

  // a group of its own per test: each test log has a group of its own (ONCEONLY_AUDIT_GROUP in test/support.ts)
  function ingest(db: Database, topic: string, group: string): EventConsumer {
    const consumer = createIngest({
      db,
      transport,
      topics: [topic],
      group,
      clock: () => new Date(),
      log,
      maxBatchSize: 50,
    });
    opened.push(() => consumer.stop());
    return consumer;
  }

  it('loses and doubles nothing when the process is killed in the middle of a batch', {
    timeout: 150_000,
  }, async () => {
    const { db, url, producer, events } = await setup();
    const group = `onceonly-audit-crash-${producer.topic}`;
    const child = await runFixture({
      DATABASE_URL: url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      TOPIC: producer.topic,
      GROUP: group,
      KILL_AT_BATCH: '3',
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const killed = JSON.parse(child.stdout.trim()) as { sizeBefore: number; leavesInKilledBatch: number };
    expect(killed.sizeBefore).toBeGreaterThan(0);
    expect(killed.leavesInKilledBatch).toBeGreaterThan(1);
    // the killed batch left nothing: the committed batches only, and the head matches them
    const after = await db.query<{ leaves: number; size: string }>(
      'SELECT (SELECT count(*)::int FROM audit.leaves) AS leaves, (SELECT size FROM audit.tree_head) AS size',
    );
    expect(after.rows[0]).toEqual({ leaves: killed.sizeBefore, size: String(killed.sizeBefore) });
    expect(killed.sizeBefore).toBeLessThan(events.length);

    const consumer = ingest(db, producer.topic, group);
    await consumer.start();
    await waitFor(async () => (await db.query('SELECT 1 FROM audit.leaves')).rowCount >= events.length, {
      timeoutMs: 60_000,
      message: 'every event after the restart',
    });
    await waitFor(async () => (await transport.lag(group, [producer.topic])).every((p) => p.lag === 0), {
      timeoutMs: 30_000,
      message: 'no lag',
    });
    await consumer.stop();
    await expectExactlyOnce(db, events);
    expect(consumer.stats().batches).toBeGreaterThan(0);
  });

  it('appends each event once when a batch transaction fails after its leaves were inserted, and dead-letters a poison record alone', {
    timeout: 150_000,
  }, async () => {
    const { db, producer, events } = await setup();
    // a record that is no event, in the middle of the stream
    const raw = testKafka('audit-crash-raw').producer();
    await raw.connect();
    try {
      await raw.send({ topic: producer.topic, messages: [{ key: 'poison', value: Buffer.from('not an event') }] });
    } finally {
      await raw.disconnect();
    }
    const more = await producer.publish(['after-poison-1', 'after-poison-2', 'after-poison-3']);
    await producer.relay.flush({ timeoutMs: 30_000 });
    const all = [...events, ...more];

    const failing = failingOnce(db, /^\s*INSERT INTO audit\.leaves/);
    const group = `onceonly-audit-${producer.topic}`;
    const consumer = ingest(failing, producer.topic, group);
    await consumer.start();
    await waitFor(async () => (await db.query('SELECT 1 FROM audit.leaves')).rowCount >= all.length, {
      timeoutMs: 60_000,
      message: 'every event',
    }).catch(async (err) => {
      const n = (await db.query('SELECT 1 FROM audit.leaves')).rowCount;
      throw new Error(`${err}: ${n} of ${all.length}; ${JSON.stringify(consumer.stats())}`);
    });
    await waitFor(async () => (await transport.lag(group, [producer.topic])).every((p) => p.lag === 0), {
      timeoutMs: 30_000,
      message: 'no lag',
    });
    await consumer.stop();
    expect(failing.failed()).toBe(true);
    expect(consumer.stats()).toMatchObject({
      batchFallbacks: 1,
      deadLettered: 1,
      deadLetteredBy: { EVENT_MALFORMED: 1 },
    });
    await expectExactlyOnce(db, all);

    const letters: ReceivedRecord[] = [];
    const reader = await transport.subscribe({
      group: `dlq-reader-${producer.topic}`,
      topics: [`${producer.topic}.dlq`],
      fromBeginning: true,
      handle: async (record) => {
        letters.push(record);
      },
    });
    try {
      await waitFor(() => letters.length >= 1, { timeoutMs: 30_000, message: 'the dead letter' });
      await new Promise((r) => setTimeout(r, 500));
      expect(letters).toHaveLength(1);
      const letter = DeadLetter.decode(letters[0]!.value!);
      expect(letter).toMatchObject({ reason: 'EVENT_MALFORMED', originalTopic: producer.topic });
      expect(letter.originalKey.toString()).toBe('poison');
    } finally {
      await reader.stop();
    }
  });
});
