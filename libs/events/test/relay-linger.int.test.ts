/**
 * The relay's linger (ADR 043) on Kafka and PostgreSQL: after a small batch the relay waits before its next claim,
 * kicks or not, so that the events committed meanwhile go out in one batch; `flush` and `stop` do not wait for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRelay,
  defineTopic,
  type EventTransport,
  ensureTopics,
  outboxBacklog,
  TopicRegistry,
} from '../src/index.js';
import { type Harness, heartbeat, installService, kafkaHarness, SERVICE_SCHEMA, writeThing } from './support.js';

const TOPIC = 'onceonly.relaylinger.v1';

/** The harness's transport, recording the size of each batch the relay publishes. */
function recordingBatches(transport: EventTransport): { transport: EventTransport; batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    transport: {
      kind: transport.kind,
      subscribe: (options) => transport.subscribe(options),
      lag: (group, topics) => transport.lag(group, topics),
      ensureTopics: (specs) => transport.ensureTopics(specs),
      close: () => transport.close(),
      publish: async (records) => {
        batches.push(records.length);
        await transport.publish(records);
      },
    },
  };
}

describe('a relay with a linger', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await kafkaHarness.open();
    await installService(h.db);
    const registry = new TopicRegistry([
      defineTopic({ name: TOPIC, partitions: 1, owner: 'test', eventTypes: [heartbeat.type] }),
    ]);
    await ensureTopics(h.transport, registry);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('publishes the events committed during the linger together, kicked or not, and flush does not wait', async () => {
    const { transport, batches } = recordingBatches(h.transport);
    // a linger far longer than the test: only flush ends it
    const relay = createRelay({ db: h.db, schema: SERVICE_SCHEMA, transport, lingerMs: 600_000 });
    relay.start();
    try {
      await h.db.transaction((tx) => writeThing(tx, TOPIC, 'first', 1));
      relay.kick();
      await waitFor(() => batches.length === 1);
      // the relay now lingers: each of these kicks would have made a claim and a publish of its own
      await h.db.transaction((tx) => writeThing(tx, TOPIC, 'second', 2));
      relay.kick();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await h.db.transaction((tx) => writeThing(tx, TOPIC, 'third', 3));
      relay.kick();
      // still lingering: nothing more published (the first batch is marked by the next claim, ADR 021)
      expect(batches).toEqual([1]);
      await relay.flush({ timeoutMs: 10_000 });
      expect(batches).toEqual([1, 2]);
      expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(0);
    } finally {
      await relay.stop();
    }
    expect(relay.status().state).toBe('stopped');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition()).toBe(true);
}
