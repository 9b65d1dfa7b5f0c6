/**
 * Rows stamped and not published are published again in the order their claims numbered them (ADR 054), not by
 * position: a late writer's row (a low position, committed after rows above it were claimed) that a retried claim
 * numbers after them keeps its number's place when that retry fails too, so each source's numbers still increase in
 * publish order (ADR 010). On PostgreSQL (the late writer holds a transaction open).
 */
import { waitFor } from '@onceonly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelay, type EventTransport, type OutgoingRecord, outboxBacklog } from '../src/index.js';
import { embeddedPostgresHarness, type Harness, openWithTopic, SERVICE_SCHEMA, writeThing } from './support.js';

/** A publish call the test holds: it goes through (`release()`) or fails (`release(error)`) when the test says. */
interface HeldPublish {
  records: OutgoingRecord[];
  release(error?: Error): void;
}

/** The harness's transport whose publish calls wait in `held` while `hold` is set; `published`: those that went out. */
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

const subjects = (records: readonly OutgoingRecord[]) => records.map((r) => r.headers.ce_subject);
const numbers = (records: readonly OutgoingRecord[]) => records.map((r) => r.headers.ce_sequence);

describe('a relay publishing stamped rows again (embedded + postgres)', () => {
  let h: Harness;
  const topic = 'retry-order.t';

  beforeEach(async () => {
    h = await openWithTopic(embeddedPostgresHarness, topic);
  });
  afterEach(async () => {
    await h.close();
  });

  it('keeps the order of the claims after two failed publishes around a late writer', async () => {
    const gate = gated(h.transport);
    // z takes the lowest position and commits only after a–c were claimed
    let commitLate: (() => void) | undefined;
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
      backoff: { initialMs: 5, maxMs: 5 },
    });
    try {
      relay.start();
      // the first claim numbers a–c 1–3; its publish fails once z and d are committed
      await waitFor(() => gate.state.held.length === 1);
      expect(subjects(gate.state.held[0]!.records)).toEqual(['a', 'b', 'c']);
      commitLate?.();
      await late;
      await h.db.transaction((tx) => writeThing(tx, topic, 'd', 4));
      gate.state.held[0]!.release(new Error('the broker went away'));
      // the retry takes a–c again and numbers z 4 and d 5; its publish fails too
      await waitFor(() => gate.state.held.length === 2);
      expect(subjects(gate.state.held[1]!.records)).toEqual(['a', 'b', 'c', 'z', 'd']);
      expect(numbers(gate.state.held[1]!.records)).toEqual(['1', '2', '3', '4', '5']);
      gate.state.hold = false;
      gate.state.held[1]!.release(new Error('the broker went away'));
      await relay.flush({ timeoutMs: 10_000 });
      // all five are stamped now: by position z would go first, by the claims it goes after a–c
      expect(gate.state.published.map(subjects)).toEqual([['a', 'b', 'c', 'z', 'd']]);
      expect(gate.state.published.map(numbers)).toEqual([['1', '2', '3', '4', '5']]);
      expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(0);
    } finally {
      await relay.stop();
    }
  });
});
