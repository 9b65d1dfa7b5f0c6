/**
 * The relay's linger (ADR 042): after a batch that was not full it waits `lingerMs` before the next claim, whatever
 * the writers' kicks say, so that rows committed meanwhile are published together; `flush` and `stop` end the wait.
 * Each row is still published once with its gap-free number — on PostgreSQL and PGlite.
 */
import { waitFor } from '@onceonly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelay, type EventTransport, type OutgoingRecord, type Relay } from '../src/index.js';
import {
  embeddedPgliteHarness,
  embeddedPostgresHarness,
  type Harness,
  openWithTopic,
  SERVICE_SCHEMA,
  writeThing,
} from './support.js';

/** Long enough that only `flush` or `stop` can end it within a test's time. */
const LONG_LINGER_MS = 600_000;

/** The harness's transport, remembering the records of each publish call (one per relay batch). */
function recording(transport: EventTransport): { transport: EventTransport; batches: OutgoingRecord[][] } {
  const batches: OutgoingRecord[][] = [];
  const spy: EventTransport = {
    kind: transport.kind,
    async publish(records) {
      await transport.publish(records);
      batches.push([...records]);
    },
    subscribe: (options) => transport.subscribe(options),
    lag: (group, topics) => transport.lag(group, topics),
    ensureTopics: (specs) => transport.ensureTopics(specs),
    close: () => transport.close(),
  };
  return { transport: spy, batches };
}

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])('a lingering relay ($name)', (factory) => {
  let h: Harness;
  let relay: Relay | undefined;
  const topic = 'linger.t';

  beforeEach(async () => {
    h = await openWithTopic(factory, topic);
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await h.close();
  });

  const write = (subject: string, counter: number) => h.db.transaction((tx) => writeThing(tx, topic, subject, counter));

  /** A relay lingering far longer than a test, started once row `a` is written; resolves after its first batch. */
  async function lingeringAfterFirstBatch(): Promise<{ relay: Relay; batches: OutgoingRecord[][] }> {
    const spy = recording(h.transport);
    const started = createRelay({
      db: h.db,
      schema: SERVICE_SCHEMA,
      transport: spy.transport,
      lingerMs: LONG_LINGER_MS,
    });
    relay = started;
    await write('a', 1);
    started.start();
    await waitFor(() => spy.batches.length === 1);
    return { relay: started, batches: spy.batches };
  }

  it('publishes the rows committed during its linger together, kicks notwithstanding, once flushed', async () => {
    const spy = await lingeringAfterFirstBatch();
    // the relay now lingers after its batch of one: these kicks must not end the wait
    for (const [n, subject] of ['b', 'c', 'd'].entries()) {
      await write(subject, n + 2);
      spy.relay.kick();
    }
    expect(spy.batches).toHaveLength(1);
    await spy.relay.flush();
    expect(spy.batches.map((b) => b.map((r) => r.headers.ce_subject))).toEqual([['a'], ['b', 'c', 'd']]);
    expect(spy.batches.flat().map((r) => r.headers.ce_sequence)).toEqual(['1', '2', '3', '4']);
  });

  it('stops without waiting for the end of its linger', async () => {
    const spy = await lingeringAfterFirstBatch();
    await write('b', 2);
    // within the test's timeout, far below the linger: only a stop that cuts the wait short returns in time
    await spy.relay.stop();
    relay = undefined;
    expect(spy.batches).toHaveLength(1);
    expect(await pendingRows(h)).toBe(1);
  });
});

async function pendingRows(h: Harness): Promise<number> {
  const { rows } = await h.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${SERVICE_SCHEMA}.outbox WHERE sequence IS NULL`,
  );
  return rows[0]!.n;
}
