import { HubHeartbeat } from '@onceonly/contracts';
import {
  appendToOutbox,
  createConsumer,
  createEmbeddedTransport,
  defineEvent,
  defineTopic,
  type EmbeddedTransport,
  ensureTopics,
  startOutboxRelay,
  TopicRegistry,
  withEventTables,
} from '@onceonly/events';
import { type Database, migrate, openDatabase } from '@onceonly/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLog } from '../test/memory-log.js';
import { RETENTION_CONFIG, startEventRetention } from './event-retention.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createMetrics } from './metrics.js';

// The host's retention timer over PGlite in memory and the embedded log (ADR 047): it finds the outboxes and inboxes
// of the relays and consumers running in the process, prunes them, logs one line and counts the rows. The deletes
// themselves are tested on PostgreSQL and PGlite in libs/events/test/retention.int.test.ts.

const DAY = 86_400_000;
const topic = defineTopic({
  name: 'kit.retention',
  partitions: 1,
  retentionMs: DAY,
  owner: 'test',
  eventTypes: ['hub.heartbeat'],
});
const heartbeat = defineEvent({
  type: 'hub.heartbeat',
  source: '/onceonly/kit-test',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});

let db: Database;
let transport: EmbeddedTransport;
let lifecycle: Lifecycle;

beforeEach(async () => {
  db = await openDatabase({ memory: true });
  transport = await createEmbeddedTransport({ db, pollIntervalMs: 20 });
  await migrate(db, { schema: 'svc', migrations: withEventTables('svc', []) });
});

afterEach(async () => {
  await transport.close();
  await db.close();
});

describe('startEventRetention', () => {
  it('prunes the outbox and the inbox of every running relay and consumer, logs the counts and counts the rows', async () => {
    const { log, entries } = memoryLog('info');
    lifecycle = createLifecycle({ log, graceMs: 1_000 });
    const registry = new TopicRegistry([topic]);
    await ensureTopics(transport, registry);
    const relay = startOutboxRelay({ db, schema: 'svc', transport, lifecycle });
    let handled = 0;
    const consumer = createConsumer({
      transport,
      db,
      schema: 'svc',
      group: 'kit-retention',
      topics: [topic.name],
      registry,
      handlers: { 'hub.heartbeat': async () => void handled++ },
    });
    await consumer.start();
    lifecycle.onStop('consumer', () => consumer.stop());
    await db.transaction((tx) =>
      appendToOutbox(
        tx,
        'svc',
        Array.from({ length: 5 }, (_, i) => ({
          topic: topic.name,
          event: heartbeat.make({ subject: `s${i}`, data: HubHeartbeat.fromPartial({}) }),
        })),
      ),
    );
    await relay.flush({ timeoutMs: 10_000 });
    await expect.poll(() => handled, { timeout: 10_000 }).toBe(5);
    // 4 of 5 rows are old: the outbox keeps 7 days, the inbox max(7 days, the topic's day + 8 days of broker slack)
    await db.query(`UPDATE svc.outbox SET created_at = now() - interval '8 days' WHERE key <> 's4'`);
    await db.query(`UPDATE svc.inbox SET handled_at = now() - interval '10 days' WHERE event_id IN (
      SELECT event_id FROM svc.outbox WHERE key <> 's4')`);
    const metrics = createMetrics({ processMetrics: false });
    startEventRetention(
      { log, lifecycle },
      { db, topics: registry, outboxMs: 7 * DAY, inboxMs: 7 * DAY, intervalMs: 3_600_000, metrics },
    );
    await expect.poll(() => entries().find((e) => e.msg === 'event retention pass'), { timeout: 10_000 }).toBeTruthy();
    expect(entries().find((e) => e.msg === 'event retention pass')?.deleted).toEqual({
      outbox: { svc: 4 },
      inbox: { svc: 4 },
    });
    const text = await metrics.text();
    expect(text).toContain('onceonly_retention_deleted_rows_total{schema="svc",table="outbox"} 4');
    expect(text).toContain('onceonly_retention_deleted_rows_total{schema="svc",table="inbox"} 4');
    expect(text).not.toMatch(/onceonly_retention_last_pass_timestamp_seconds NaN/);
    const { rows } = await db.query<{ o: number; i: number }>(
      'SELECT (SELECT count(*)::int FROM svc.outbox) AS o, (SELECT count(*)::int FROM svc.inbox) AS i',
    );
    expect(rows[0]).toEqual({ o: 1, i: 1 });
    await lifecycle.stop();
  });

  it('is off with a zero interval or zero retentions, and says so', async () => {
    const { log, entries } = memoryLog('info');
    lifecycle = createLifecycle({ log, graceMs: 1_000 });
    const topics = new TopicRegistry([topic]);
    startEventRetention({ log, lifecycle }, { db, topics, outboxMs: DAY, inboxMs: DAY, intervalMs: 0 });
    startEventRetention({ log, lifecycle }, { db, topics, outboxMs: 0, inboxMs: 0, intervalMs: DAY });
    expect(entries().filter((e) => e.msg === 'event retention is off: outbox and inbox rows are kept')).toHaveLength(2);
    await lifecycle.stop();
  });

  it('reads its variables as durations with the documented defaults', async () => {
    const { loadConfig } = await import('./config.js');
    expect(loadConfig(RETENTION_CONFIG, {})).toEqual({
      ONCEONLY_OUTBOX_RETENTION: 7 * DAY,
      ONCEONLY_INBOX_RETENTION: 7 * DAY,
      ONCEONLY_RETENTION_INTERVAL: 3_600_000,
    });
    expect(loadConfig(RETENTION_CONFIG, { ONCEONLY_OUTBOX_RETENTION: 'off' }).ONCEONLY_OUTBOX_RETENTION).toBe(0);
  });
});
