/**
 * The outbox on real PostgreSQL: sequences stay gap-free and increasing per source under concurrent writers,
 * including writers whose transactions roll back.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToOutbox, defineEvent, outboxBacklog } from '../src/index.js';
import { installService, SERVICE_SCHEMA } from './support.js';

const sources = ['/onceonly/alpha', '/onceonly/beta'].map((source) =>
  defineEvent({
    type: 'hub.heartbeat',
    source,
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    codec: HubHeartbeat,
  }),
);

describe('the outbox under concurrent writers', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await freshDatabase('outbox');
    db = await openDatabase({ url: testDb.url, poolSize: 16 });
    await installService(db);
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('gives every source gap-free sequences that increase with the outbox position', async () => {
    const writers = 12;
    const transactionsEach = 20;
    let committed = 0;
    let rolledBack = 0;
    let expectedEvents = 0;
    const unexpected: unknown[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let t = 0; t < transactionsEach; t++) {
          const fail = (w + t) % 5 === 0;
          try {
            await db
              .transaction(async (tx) => {
                // 1–3 events over both sources, in a varying order, so that writers contend on both rows
                const count = 1 + ((w * 7 + t) % 3);
                const entries = Array.from({ length: count }, (_, i) => ({
                  topic: 'onceonly.test.v1',
                  event: sources[(w + t + i) % 2]!.make({ subject: `w${w}`, data: HubHeartbeat.fromPartial({}) }),
                }));
                await appendToOutbox(tx, SERVICE_SCHEMA, entries);
                await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
                if (fail) throw new Error('roll back');
                return count;
              })
              .then((count) => {
                expectedEvents += count;
              });
            committed++;
          } catch (err) {
            // only the intended rollbacks may fail: a lost update or a duplicate number would surface here
            if ((err as Error).message === 'roll back') rolledBack++;
            else unexpected.push(err);
          }
        }
      }),
    );
    expect(unexpected).toEqual([]);
    expect(committed).toBeGreaterThan(0);
    expect(rolledBack).toBeGreaterThan(0);
    let stored = 0;

    for (const { source } of sources) {
      const { rows } = await db.query<{ sequence: string; position: string }>(
        `SELECT sequence, position FROM ${SERVICE_SCHEMA}.outbox WHERE source = $1 ORDER BY position`,
        [source],
      );
      const sequences = rows.map((r) => Number(r.sequence));
      expect(rows.length).toBeGreaterThan(20);
      // gap-free from 1, and in position order (commit order) too
      expect(sequences).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      const { rows: last } = await db.query<{ last: string }>(
        `SELECT last FROM ${SERVICE_SCHEMA}.outbox_sequence WHERE source = $1`,
        [source],
      );
      expect(Number(last[0]!.last)).toBe(rows.length);
      stored += rows.length;
    }
    expect(stored).toBe(expectedEvents);
    expect((await outboxBacklog(db, SERVICE_SCHEMA)).pending).toBeGreaterThan(40);
  });

  it('writes nothing outside a committed transaction', async () => {
    const before = await outboxBacklog(db, SERVICE_SCHEMA);
    await expect(
      db.transaction(async (tx) => {
        await appendToOutbox(tx, SERVICE_SCHEMA, [
          { topic: 't', event: sources[0]!.make({ subject: 'x', data: HubHeartbeat.fromPartial({}) }) },
        ]);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect((await outboxBacklog(db, SERVICE_SCHEMA)).pending).toBe(before.pending);
  });

  it('rejects an invalid event before writing anything', async () => {
    const bad = { ...sources[0]!.make({ subject: 'x', data: HubHeartbeat.fromPartial({}) }), time: 'now' };
    await expect(
      db.transaction((tx) => appendToOutbox(tx, SERVICE_SCHEMA, [{ topic: 't', event: bad }])),
    ).rejects.toMatchObject({ code: 'EVENT_MALFORMED', details: { meta: { attribute: 'time' } } });
  });
});
