/**
 * A batch append (ADR 011) has the same result as appending the same events one by one: the same tree head and
 * nodes, leaves, subject chains, sequence states and recorded gaps and repeats (with their times), and the same
 * arrival of each event. Events out of order across sources, holes that fill and one that never does, repeated
 * numbers, an event id delivered twice (in one batch and across batches), events without a subject, and a walk of
 * the complete prefix over more stored numbers than one page. On PostgreSQL, and on PGlite (the embedded mode).
 */
import { emptySubjectChain, extendSubjectChain, type SubjectChain } from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendPort, batchAppendPort, toChain } from '../src/adapters/db/audit-store.js';
import { type AppendOutcome, appendEvent, appendEvents } from '../src/app/append-event.js';
import type { LoggableEvent } from '../src/domain/leaf.js';
import type { SequenceArrival } from '../src/domain/sequences.js';
import { subjectKeyOf } from '../src/domain/subject-key.js';
import { migrateAudit } from '../src/module.js';
import { event } from './fixtures.js';

/** A small seeded PRNG (mulberry32): the scenario is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Batch = LoggableEvent[];

/** The scenario: batches of events, in the order a consumer would get them. */
function scenario(seed: number): Batch[] {
  const rand = random(seed);
  let id = 0;
  const make = (source: string, sequence: number, subject?: string): LoggableEvent =>
    event(id++, {
      id: `e-${seed}-${id}`,
      source,
      sequence: String(sequence),
      subject: subject ?? (rand() < 0.1 ? '' : `holder-${Math.floor(rand() * 7)}`),
      data: new Uint8Array(Array.from({ length: 8 }, () => Math.floor(rand() * 256))),
      ...(rand() < 0.2 ? { extensions: { actor: `dept-${Math.floor(rand() * 3)}` } } : {}),
    });
  const perSource: LoggableEvent[][] = [];
  for (const [s, source] of ['/onceonly/a', '/onceonly/b', '/onceonly/c'].entries()) {
    const numbers = Array.from({ length: 80 }, (_, i) => i + 1).filter((n) => !(s === 2 && n === 40)); // c: 40 lost
    // out of order within windows of 6, as partitions deliver one source's events
    for (let i = 0; i < numbers.length; i += 6) {
      const window = numbers.slice(i, i + 6).sort(() => rand() - 0.5);
      numbers.splice(i, window.length, ...window);
    }
    const events = numbers.map((n) => make(source, n));
    events.splice(30, 0, make(source, 5)); // a repeated number (another event id)
    perSource.push(events);
  }
  // the sources interleaved at random, each in its own order
  const mixed: LoggableEvent[] = [];
  while (perSource.some((events) => events.length > 0)) {
    const left = perSource.filter((events) => events.length > 0);
    mixed.push(left[Math.floor(rand() * left.length)]!.shift()!);
  }
  // an event delivered twice, once within a batch's reach and once much later
  const twice = mixed[10]!;
  mixed.splice(13, 0, twice);
  mixed.push(twice);

  // a walk over more stored numbers than one page (500): 2..1100 but 601, 603 and 1050 first, then 1 and the rest
  const walker = '/onceonly/walker';
  const early: LoggableEvent[] = [];
  for (let n = 2; n <= 1100; n++) if (![601, 603, 1050].includes(n)) early.push(make(walker, n, `w-${n % 5}`));
  const late = [1, 603, 601, 1050, 1101].map((n) => make(walker, n, `w-${n % 5}`));

  const batches: Batch[] = [];
  const cut = (events: LoggableEvent[], max: number) => {
    for (let i = 0; i < events.length; ) {
      const size = 1 + Math.floor(rand() * max);
      batches.push(events.slice(i, i + size));
      i += size;
    }
  };
  cut(mixed.slice(0, 150), 40);
  batches.push(early.slice(0, 600), early.slice(600));
  batches.push([...late.slice(0, 3), ...mixed.slice(150, 170), ...late.slice(3)]);
  cut(mixed.slice(170), 60);
  return batches;
}

const FROM = { topic: 'onceonly.test.v1', partition: 1, offset: '7' };
const nowOf = (batch: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, batch));

async function oneByOne(db: Database, batches: readonly Batch[]): Promise<SequenceArrival[]> {
  const arrivals: SequenceArrival[] = [];
  for (const [b, batch] of batches.entries()) {
    for (const e of batch) {
      const outcome: AppendOutcome = await db.transaction((tx) => appendEvent(appendPort(tx), e, FROM, nowOf(b)));
      if (outcome.appended) arrivals.push(outcome.arrival);
    }
  }
  return arrivals;
}

async function inBatches(db: Database, batches: readonly Batch[]): Promise<SequenceArrival[]> {
  const arrivals: SequenceArrival[] = [];
  for (const [b, batch] of batches.entries()) {
    const outcome = await db.transaction((tx) =>
      appendEvents(
        batchAppendPort(tx),
        batch.map((e) => ({ event: e, from: FROM })),
        nowOf(b),
      ),
    );
    arrivals.push(...outcome.appended.map((a) => a.arrival));
  }
  return arrivals;
}

/** Everything an append writes, in a comparable form. */
async function state(db: Database) {
  const q = async (sql: string) => (await db.query(sql)).rows.map((r) => JSON.parse(JSON.stringify(r, hexOf)));
  return {
    head: await q('SELECT size, range_hashes, root FROM audit.tree_head'),
    leaves: await q(
      `SELECT leaf_index, event_id, topic, partition, "offset", source, type, subject, "time", sequence, body_sha256,
         leaf_hash, canonical, data, actor, issuer, secret_until FROM audit.leaves ORDER BY leaf_index`,
    ),
    nodes: await q('SELECT level, "index", hash FROM audit.nodes ORDER BY level, "index"'),
    chains: await q('SELECT subject_key, count, head, last_index FROM audit.subject_chains ORDER BY subject_key'),
    sequences: await q('SELECT source, contiguous, max_seen, events FROM audit.source_sequences ORDER BY source'),
    gaps: await q(
      'SELECT source, kind, expected, got, event_id, detected_at, resolved_at, warned_at FROM audit.gaps ORDER BY id',
    ),
  };
}

function hexOf(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString('hex');
  }
  return value;
}

const backends: Array<{ name: string; open: () => Promise<{ db: Database; drop: () => Promise<void> }> }> = [
  {
    name: 'PostgreSQL',
    async open() {
      const testDb: TestDatabase = await freshDatabase('audit_batch');
      const db = await openDatabase({ url: testDb.url, poolSize: 2 });
      const drop = async () => {
        await db.close();
        await testDb.drop();
      };
      return { db, drop };
    },
  },
  {
    name: 'PGlite',
    async open() {
      const db = await openDatabase({ memory: true });
      return { db, drop: () => db.close() };
    },
  },
];

describe.each(backends)('a batch append on $name', (backend) => {
  const opened: Array<() => Promise<void>> = [];
  let single: Database;
  let batched: Database;

  beforeAll(async () => {
    for (const target of ['single', 'batched'] as const) {
      const { db, drop } = await backend.open();
      opened.push(drop);
      await migrateAudit(db);
      if (target === 'single') single = db;
      else batched = db;
    }
  });

  afterAll(async () => {
    for (const drop of opened) await drop();
  });

  it('writes what appending the same events one by one writes', async () => {
    const batches = scenario(11);
    const one = await oneByOne(single, batches);
    const many = await inBatches(batched, batches);
    expect(many).toEqual(one);
    const [a, b] = [await state(single), await state(batched)];
    // the scenario exercises what it should
    expect(a.gaps.filter((g) => g.kind === 'repeat').length).toBeGreaterThanOrEqual(3);
    const resolved = a.gaps.filter((g) => g.kind === 'gap' && g.resolved_at !== null);
    expect(resolved.length).toBeGreaterThan(3);
    // holes opened and filled within one batch, and across batches
    expect(resolved.some((g) => g.resolved_at === g.detected_at)).toBe(true);
    expect(resolved.some((g) => g.resolved_at !== g.detected_at)).toBe(true);
    // source c lost 40: its prefix stops at 39, and the holes it saw after that stay open
    const open = a.gaps.filter((g) => g.kind === 'gap' && g.resolved_at === null);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((g) => g.source === '/onceonly/c')).toBe(true);
    expect(a.sequences.find((s) => s.source === '/onceonly/c')).toMatchObject({ contiguous: '39', max_seen: '80' });
    expect(a.sequences.find((s) => s.source === '/onceonly/walker')).toMatchObject({
      contiguous: '1101',
      max_seen: '1101',
    });
    expect(a.leaves.length).toBe(new Set(batches.flat().map((e) => e.id)).size);
    expect(b.head).toEqual(a.head);
    expect(b.nodes).toEqual(a.nodes);
    expect(b.leaves).toEqual(a.leaves);
    expect(b.chains).toEqual(a.chains);
    expect(b.sequences).toEqual(a.sequences);
    expect(b.gaps).toEqual(a.gaps);
  });

  it('appends nothing for a batch of events that are all leaves already, and moves nothing', async () => {
    const before = await state(batched);
    const again = scenario(11).slice(0, 3).flat();
    const outcome = await batched.transaction((tx) =>
      appendEvents(
        batchAppendPort(tx),
        again.map((e) => ({ event: e, from: FROM })),
        new Date(),
      ),
    );
    expect(outcome.appended).toEqual([]);
    expect(await state(batched)).toEqual(before);
  });
});

describe('appends of one subject from two transactions at once, on PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await freshDatabase('audit_batch_race');
    db = await openDatabase({ url: testDb.url, poolSize: 4 });
    await migrateAudit(db);
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  /**
   * The first append holds the head lock and has written the subject's chain; the second waits for the lock. It must
   * extend the chain the first committed (a statement that waits for a row lock reads other tables as of before the
   * wait: the chains are read after the lock, in a statement of their own).
   */
  async function race(
    firstAppend: (hold: () => Promise<void>) => Promise<unknown>,
    secondAppend: () => Promise<unknown>,
  ): Promise<void> {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const first = firstAppend(async () => {
      holding();
      await gate;
    });
    await held;
    const second = secondAppend();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the second is waiting for the lock by now
    release();
    await Promise.all([first, second]);
  }

  async function expectChainsMatchLeaves(): Promise<void> {
    const { rows } = await db.query<{ subject: string; leaf_index: string; leaf_hash: Uint8Array }>(
      'SELECT subject, leaf_index, leaf_hash FROM audit.leaves ORDER BY leaf_index',
    );
    const expected = new Map<string, SubjectChain>();
    for (const r of rows) {
      const key = subjectKeyOf(r.subject);
      if (!key) continue;
      const k = Buffer.from(key).toString('hex');
      expected.set(k, extendSubjectChain(expected.get(k) ?? emptySubjectChain(), Number(r.leaf_index), r.leaf_hash));
    }
    const stored = await db.query('SELECT subject_key, count, head, last_index FROM audit.subject_chains');
    const hexChain = (c: SubjectChain | undefined) => c && { ...c, head: Buffer.from(c.head).toString('hex') };
    expect(stored.rows.length).toBe(expected.size);
    for (const row of stored.rows) {
      const k = Buffer.from(row.subject_key as Uint8Array).toString('hex');
      expect(hexChain(toChain(row))).toEqual(hexChain(expected.get(k)));
    }
  }

  it('batches: the waiting batch extends the chain the holding batch committed', async () => {
    const batch = (ids: number[]) =>
      ids.map((i) => ({ event: event(i, { id: `race-b-${i}`, subject: 'shared', source: '/race/b' }), from: FROM }));
    await race(
      (hold) =>
        db.transaction(async (tx) => {
          const port = batchAppendPort(tx);
          return appendEvents(
            {
              ...port,
              saveSequences: async (states) => {
                await port.saveSequences(states);
                await hold();
              },
            },
            batch([0, 1, 2]),
            new Date(),
          );
        }),
      () => db.transaction((tx) => appendEvents(batchAppendPort(tx), batch([3, 4, 5]), new Date())),
    );
    await expectChainsMatchLeaves();
  });

  it('one event at a time: the waiting append extends the chain the holding one committed', async () => {
    const one = (i: number) => event(i, { id: `race-e-${i}`, subject: 'shared-2', source: '/race/e' });
    await race(
      (hold) =>
        db.transaction(async (tx) => {
          const port = appendPort(tx);
          return appendEvent(
            {
              ...port,
              saveSequence: async (state) => {
                await port.saveSequence(state);
                await hold();
              },
            },
            one(0),
            FROM,
            new Date(),
          );
        }),
      () => db.transaction((tx) => appendEvent(appendPort(tx), one(1), FROM, new Date())),
    );
    await expectChainsMatchLeaves();
  });
});
