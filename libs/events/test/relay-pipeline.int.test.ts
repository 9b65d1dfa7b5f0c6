/**
 * The relay claims its next batch while the batch before it is being published (ADR 054), and publishes it only once
 * that publish succeeded. A failed publish drops the batch claimed ahead: the next claim takes both batches' rows
 * again, in sequence order (a late writer's row, numbered by the claim ahead, included), each once with its number. A
 * relay stopped with a batch claimed ahead leaves it stamped and pending, and the next relay publishes it with the
 * same numbers — on PostgreSQL and PGlite.
 */
import type { Database } from '@onceonly/store';
import { waitFor } from '@onceonly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelay, type EventTransport, type OutgoingRecord, outboxBacklog, type Relay } from '../src/index.js';
import {
  embeddedPgliteHarness,
  embeddedPostgresHarness,
  type Harness,
  heartbeat,
  openWithTopic,
  SERVICE_SCHEMA,
  writeThing,
} from './support.js';

/** Long enough that only `flush` or `stop` can end it within a test's time. */
const LONG_LINGER_MS = 600_000;

/** A publish call the test holds: it goes through (`release()`) or fails (`release(error)`) when the test says. */
interface HeldPublish {
  records: OutgoingRecord[];
  release(error?: Error): void;
}

/**
 * The harness's transport with a gate: while `hold` is set, each publish call waits in `held` for the test; the
 * records of each publish that went through are in `published` (one entry per relay batch).
 */
function gated(transport: EventTransport) {
  const state = { hold: true, held: [] as HeldPublish[], published: [] as OutgoingRecord[][] };
  const spy: EventTransport = {
    kind: transport.kind,
    async publish(records) {
      if (state.hold) {
        const error = await new Promise<Error | undefined>((release) =>
          state.held.push({ records: [...records], release }),
        );
        if (error !== undefined) throw error;
      }
      await transport.publish(records);
      state.published.push([...records]);
    },
    subscribe: (options) => transport.subscribe(options),
    lag: (group, topics) => transport.lag(group, topics),
    ensureTopics: (specs) => transport.ensureTopics(specs),
    close: () => transport.close(),
  };
  return { transport: spy, state };
}

async function stamped(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.outbox WHERE sequence IS NOT NULL`,
  );
  return rows[0]!.n;
}

async function watermark(db: Database): Promise<{ last: string; published: string }> {
  const { rows } = await db.query<{ last: string; published: string }>(
    `SELECT last::text, published::text FROM ${SERVICE_SCHEMA}.outbox_sequence WHERE source = $1`,
    [heartbeat.source],
  );
  return rows[0]!;
}

const subjects = (records: readonly OutgoingRecord[]) => records.map((r) => r.headers.ce_subject);
const numbers = (records: readonly OutgoingRecord[]) => records.map((r) => r.headers.ce_sequence);

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])('a relay claiming ahead ($name)', (factory) => {
  let h: Harness;
  let relay: Relay | undefined;
  const topic = 'pipeline.t';

  beforeEach(async () => {
    h = await openWithTopic(factory, topic);
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await h.close();
  });

  const write = (subject: string, counter: number) => h.db.transaction((tx) => writeThing(tx, topic, subject, counter));

  /**
   * Writes `a`–`c`, starts a relay whose first publish (of `a`–`c`) is held, writes `d` and `e` during its linger,
   * and ends the linger with a flush: the relay claims `d` and `e` ahead (numbers 4 and 5) while `a`–`c` are still
   * being published. Resolves once that claim is committed, with the first publish still held.
   */
  async function claimedAhead() {
    const gate = gated(h.transport);
    const started = createRelay({
      db: h.db,
      schema: SERVICE_SCHEMA,
      transport: gate.transport,
      lingerMs: LONG_LINGER_MS,
      backoff: { initialMs: 5, maxMs: 5 },
    });
    relay = started;
    for (const [n, subject] of ['a', 'b', 'c'].entries()) await write(subject, n + 1);
    started.start();
    await waitFor(() => gate.state.held.length === 1);
    await write('d', 4);
    await write('e', 5);
    const flushed = started.flush({ timeoutMs: 20_000 });
    // the claim ahead numbers d and e while the publish of a–c is held
    await waitFor(async () => (await stamped(h.db)) === 5, { timeoutMs: 10_000 });
    expect(gate.state.held).toHaveLength(1);
    expect(subjects(gate.state.held[0]!.records)).toEqual(['a', 'b', 'c']);
    return { relay: started, gate, flushed };
  }

  it('drops the batch claimed ahead when the publish before it fails, then publishes both once, in order', async () => {
    const { gate, flushed } = await claimedAhead();
    gate.state.hold = false;
    gate.state.held[0]!.release(new Error('the broker went away'));
    await flushed;
    // one batch after the failure: the failed one's rows and the rows claimed ahead, numbers gap-free and in order
    expect(gate.state.published.map(subjects)).toEqual([['a', 'b', 'c', 'd', 'e']]);
    expect(gate.state.published.map(numbers)).toEqual([['1', '2', '3', '4', '5']]);
    expect(await watermark(h.db)).toEqual({ last: '5', published: '5' });
    expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(0);
  });

  it('leaves the batch claimed ahead stamped and pending when stopped, for the next relay to publish', async () => {
    const { relay: first, gate, flushed } = await claimedAhead();
    const rejected = flushed.catch((err: unknown) => err);
    // stop while d and e are claimed ahead and a–c are still being published; then that publish goes through
    const stopped = first.stop();
    gate.state.held[0]!.release();
    await stopped;
    relay = undefined;
    expect(await rejected).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(gate.state.published.map(subjects)).toEqual([['a', 'b', 'c']]);
    // a–c were marked at stop; d and e keep the numbers the claim ahead gave them
    expect(await watermark(h.db)).toEqual({ last: '5', published: '3' });
    expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(2);

    gate.state.hold = false;
    await createRelay({ db: h.db, schema: SERVICE_SCHEMA, transport: gate.transport }).flush({ timeoutMs: 10_000 });
    expect(gate.state.published.map(subjects)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(gate.state.published.flat().map((r) => r.headers.ce_sequence)).toEqual(['1', '2', '3', '4', '5']);
    expect(await watermark(h.db)).toEqual({ last: '5', published: '5' });
  });
});

describe('a relay claiming ahead, with a late writer (embedded + postgres)', () => {
  let h: Harness;
  const topic = 'pipeline.late';

  beforeEach(async () => {
    h = await openWithTopic(embeddedPostgresHarness, topic);
  });
  afterEach(async () => {
    await h.close();
  });

  it('publishes again in sequence order a row with a lower position that the claim ahead numbered', async () => {
    const gate = gated(h.transport);
    // z takes the lowest position and commits only after a–c were claimed: the claim ahead numbers it 4
    let commitLate!: () => void;
    const late = h.db.transaction(async (tx) => {
      await writeThing(tx, topic, 'z', 0);
      await new Promise<void>((resolve) => {
        commitLate = resolve;
      });
    });
    await waitFor(() => commitLate !== undefined);
    for (const [n, subject] of ['a', 'b', 'c'].entries()) {
      await h.db.transaction((tx) => writeThing(tx, topic, subject, n + 1));
    }
    const relay = createRelay({
      db: h.db,
      schema: SERVICE_SCHEMA,
      transport: gate.transport,
      lingerMs: LONG_LINGER_MS,
      backoff: { initialMs: 5, maxMs: 5 },
    });
    try {
      relay.start();
      await waitFor(() => gate.state.held.length === 1);
      expect(subjects(gate.state.held[0]!.records)).toEqual(['a', 'b', 'c']);
      commitLate();
      await late;
      await h.db.transaction((tx) => writeThing(tx, topic, 'd', 4));
      const flushed = relay.flush({ timeoutMs: 20_000 });
      await waitFor(async () => (await stamped(h.db)) === 5, { timeoutMs: 10_000 });
      gate.state.hold = false;
      gate.state.held[0]!.release(new Error('the broker went away'));
      await flushed;
      // by position z would come first; by number it comes after a–c, where the claims put it
      expect(gate.state.published.map(subjects)).toEqual([['a', 'b', 'c', 'z', 'd']]);
      expect(gate.state.published.map(numbers)).toEqual([['1', '2', '3', '4', '5']]);
    } finally {
      await relay.stop();
    }
  });
});
