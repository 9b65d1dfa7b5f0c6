import { hashCitizenId } from '@onceonly/ids';
import { type Database, openDatabase, type QueryResult, type Transaction } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { CHINA_WORKDAYS } from '@onceonly/workdays';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlCommitmentStore } from '../src/adapters/db/commitments.js';
import { sqlCreditStore, sqlIdempotencyStore } from '../src/adapters/db/stores.js';
import { sqlCreditOutbox } from '../src/adapters/events/outbox.js';
import type { CreditDeps } from '../src/app/ports.js';
import { recordDecisionCase } from '../src/app/record-decision.js';
import { migrateCredit } from '../src/module.js';
import { BAKERY, marketRegulation, penaltyCommand } from './records.js';

// The statements one new record costs on PostgreSQL, counted through the store's Database port (BEGIN and COMMIT
// included: each is a round trip). The events stay in the outbox here (this file measures the writes, not the relay).

function counting(db: Database): Database & { kinds: string[] } {
  const kinds: string[] = [];
  const name = (sql: string) => {
    const text = sql.trim().replace(/\s+/g, ' ');
    const table = /\b(?:INTO|FROM|UPDATE)\s+([\w."]+)/i.exec(text)?.[1]?.replaceAll('"', '');
    return `${/^\w+/.exec(text)?.[0]?.toUpperCase()}${table ? ` ${table}` : ''}`;
  };
  const wrap = <Q extends Pick<Database, 'query' | 'exec'>>(q: Q) => ({
    query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      kinds.push(name(sql));
      return q.query<R>(sql, params);
    },
    exec(sql: string) {
      kinds.push(name(sql));
      return q.exec(sql);
    },
  });
  return Object.assign(Object.create(db) as Database, {
    kinds,
    ...wrap(db),
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      kinds.push('BEGIN');
      const result = await db.transaction((tx) => fn(wrap(tx)));
      kinds.push('COMMIT');
      return result;
    },
  });
}

let target: TestDatabase;
let db: Database;
let deps: CreditDeps & { db: ReturnType<typeof counting> };
let n = 0;

beforeAll(async () => {
  target = await freshDatabase('credit-statements');
  db = await openDatabase({ url: target.url });
  await migrateCredit(db);
  deps = {
    db: counting(db),
    clock: () => new Date('2026-03-04T02:00:00Z'),
    calendar: CHINA_WORKDAYS,
    store: sqlCreditStore,
    idempotency: sqlIdempotencyStore,
    outbox: sqlCreditOutbox,
    commitments: sqlCommitmentStore,
    relay: { kick() {} },
    newId: () => `s-${++n}`,
    hashCitizenId: (id) => hashCitizenId(id, 'credit-statements-key-0123456789'),
  };
});

afterAll(async () => {
  await db?.close();
  await target?.drop();
});

async function record(decisionDate: string) {
  const command = penaltyCommand({ decisionDate });
  deps.db.kinds.length = 0;
  await recordDecisionCase(deps, {
    actor: marketRegulation,
    idempotencyKey: `key-${command.id}`,
    subject: { kind: 'organisation', code: BAKERY },
    partyName: command.partyName,
    authority: command.authority,
    decisionDate,
    body: command.body,
  });
  return [...deps.db.kinds];
}

describe('statements per new record', () => {
  it('is 2 reads and one transaction of 7 when the grade changes (its history and event in the same outbox insert)', async () => {
    expect(await record('2026-03-02')).toEqual([
      'SELECT credit.idempotency_keys',
      'SELECT credit.records',
      'BEGIN',
      'INSERT credit.records',
      'INSERT credit.grades',
      'INSERT credit.idempotency_keys',
      'INSERT credit.grade_history',
      'INSERT credit.outbox',
      'COMMIT',
    ]);
    const { rows } = await db.query<{ type: string }>('SELECT type FROM credit.outbox ORDER BY position');
    expect(rows.map((r) => r.type)).toEqual(['credit.record.recorded', 'credit.grade.changed']);
  });

  it('is 2 reads and one transaction of 5 when the grade says the same', async () => {
    // a third penalty keeps the subject at C with the same rule: no history, no grade event
    await record('2026-03-02');
    expect(await record('2026-03-03')).toEqual([
      'SELECT credit.idempotency_keys',
      'SELECT credit.records',
      'BEGIN',
      'INSERT credit.records',
      'UPDATE credit.grades',
      'INSERT credit.idempotency_keys',
      'INSERT credit.outbox',
      'COMMIT',
    ]);
  });
});
