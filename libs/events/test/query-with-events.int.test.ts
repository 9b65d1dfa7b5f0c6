/**
 * `queryWithEvents` (ADR 018) on PostgreSQL and PGlite: a state change and its outbox rows in ONE statement, so both
 * commit or neither does; the statement's placeholders and the outbox's do not collide; RETURNING rows come back;
 * more than 1,000 entries still go in the one statement; a malformed entry writes nothing; inside a transaction it
 * rolls back with it; more events than one statement takes are refused.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import { isAppError } from '@onceonly/errors';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDraft, queryWithEvents } from '../src/index.js';
import { heartbeat, installService, SERVICE_SCHEMA } from './support.js';

const TOPIC = 'onceonly.test.things';

function event(subject: string, counter = 1): EventDraft {
  return heartbeat.make({ subject, data: HubHeartbeat.fromPartial({ counter: String(counter) }) });
}

const backends: Array<{ name: string; open(): Promise<{ db: Database; close(): Promise<void> }> }> = [
  {
    name: 'postgres',
    async open() {
      const testDb: TestDatabase = await freshDatabase('query-with-events');
      const db = await openDatabase({ url: testDb.url });
      return {
        db,
        close: async () => {
          await db.close();
          await testDb.drop();
        },
      };
    },
  },
  {
    name: 'pglite',
    async open() {
      const db = await openDatabase({ memory: true });
      return { db, close: () => db.close() };
    },
  },
];

describe.each(backends)('queryWithEvents on $name', (backend) => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await backend.open());
    await installService(db);
  });

  afterAll(async () => {
    await close?.();
  });

  async function outboxOf(subjectPrefix: string) {
    const { rows } = await db.query<{ event_id: string; key: string; sequence: string | null; topic: string }>(
      `SELECT event_id, key, sequence, topic FROM ${SERVICE_SCHEMA}.outbox WHERE key LIKE $1 ORDER BY position`,
      [`${subjectPrefix}%`],
    );
    return rows;
  }

  async function thing(id: string): Promise<string | undefined> {
    const { rows } = await db.query<{ counter: string }>(`SELECT counter FROM ${SERVICE_SCHEMA}.things WHERE id = $1`, [
      id,
    ]);
    return rows[0]?.counter;
  }

  it('writes the state change and its events in one statement, with the statement’s own placeholders', async () => {
    const drafts = [event('one-a', 1), event('one-b', 2)];
    const rows = await queryWithEvents(
      db,
      SERVICE_SCHEMA,
      { sql: `INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ($1, $2)`, params: ['one', 7] },
      drafts.map((e) => ({ topic: TOPIC, event: e })),
    );
    expect(rows).toEqual([]);
    expect(await thing('one')).toBe('7');
    const outbox = await outboxOf('one-');
    expect(outbox.map((r) => [r.event_id, r.key, r.topic, r.sequence])).toEqual(
      drafts.map((e) => [e.id, e.subject, TOPIC, null]),
    );
  });

  it('returns the statement’s rows with returning: true', async () => {
    await db.query(`INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ('ret', 1)`);
    const rows = await queryWithEvents<{ counter: string }>(
      db,
      SERVICE_SCHEMA,
      {
        sql: `UPDATE ${SERVICE_SCHEMA}.things SET counter = counter + $2 WHERE id = $1 RETURNING counter`,
        params: ['ret', 4],
        returning: true,
      },
      [{ topic: TOPIC, event: event('ret-a') }],
    );
    expect(rows).toEqual([{ counter: '5' }]);
    expect(await outboxOf('ret-')).toHaveLength(1);
  });

  it('writes no event when the state change fails, and no state when an event is malformed', async () => {
    await db.query(`INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ('dup', 1)`);
    await expect(
      queryWithEvents(
        db,
        SERVICE_SCHEMA,
        { sql: `INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ($1, $2)`, params: ['dup', 2] },
        [{ topic: TOPIC, event: event('dup-a') }],
      ),
    ).rejects.toThrow();
    expect(await thing('dup')).toBe('1');
    expect(await outboxOf('dup-')).toEqual([]);

    const malformed = { ...event('bad-a'), type: '' };
    const failure = await queryWithEvents(
      db,
      SERVICE_SCHEMA,
      { sql: `INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ($1, $2)`, params: ['bad', 1] },
      [{ topic: TOPIC, event: malformed }],
    ).catch((err: unknown) => err);
    expect(isAppError(failure, 'EVENT_MALFORMED')).toBe(true);
    expect(await thing('bad')).toBeUndefined();
    expect(await outboxOf('bad-')).toEqual([]);
  });

  it('puts more than 1,000 entries in the one statement, in order', async () => {
    const drafts = Array.from({ length: 1_203 }, (_, i) => event(`many-${String(i).padStart(4, '0')}`, i));
    await queryWithEvents(
      db,
      SERVICE_SCHEMA,
      { sql: `INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ($1, $2)`, params: ['many', 1203] },
      drafts.map((e) => ({ topic: TOPIC, event: e })),
    );
    expect(await thing('many')).toBe('1203');
    expect((await outboxOf('many-')).map((r) => r.event_id)).toEqual(drafts.map((e) => e.id));
  });

  it('refuses more events than one statement takes, and writes nothing', async () => {
    const drafts = Array.from({ length: 9_400 }, (_, i) => event(`huge-${i}`, i));
    const failure = await queryWithEvents(
      db,
      SERVICE_SCHEMA,
      { sql: `INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ($1, $2)`, params: ['huge', 1] },
      drafts.map((e) => ({ topic: TOPIC, event: e })),
    ).catch((err: unknown) => err);
    expect(isAppError(failure, 'INTERNAL')).toBe(true);
    expect(await thing('huge')).toBeUndefined();
    expect(await outboxOf('huge-')).toEqual([]);
  });

  it('rolls back with the transaction it runs in', async () => {
    await expect(
      db.transaction(async (tx) => {
        await queryWithEvents(
          tx,
          SERVICE_SCHEMA,
          { sql: `INSERT INTO ${SERVICE_SCHEMA}.things (id, counter) VALUES ($1, $2)`, params: ['tx', 1] },
          [{ topic: TOPIC, event: event('tx-a') }],
        );
        throw new Error('the use case fails after the write');
      }),
    ).rejects.toThrow('the use case fails');
    expect(await thing('tx')).toBeUndefined();
    expect(await outboxOf('tx-')).toEqual([]);
  });
});
