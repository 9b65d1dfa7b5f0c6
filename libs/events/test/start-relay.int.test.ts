/**
 * `startOutboxRelay` on real PostgreSQL with the embedded log: the relay it starts publishes, and its one stop hook
 * runs `beforeStop`, drains the outbox, then stops the relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineTopic,
  ensureTopics,
  outboxBacklog,
  type Relay,
  type StopHooks,
  startOutboxRelay,
  TopicRegistry,
} from '../src/index.js';
import {
  embeddedPostgresHarness,
  type Harness,
  heartbeat,
  installService,
  SERVICE_SCHEMA,
  writeThing,
} from './support.js';

const TOPIC = 'onceonly.relayhelper.v1';

/** A lifecycle that only records its hooks, so that the test runs them when it wants. */
function recordingLifecycle() {
  const hooks: { name: string; hook: () => Promise<void> }[] = [];
  const lifecycle: StopHooks = { onStop: (name, hook) => void hooks.push({ name, hook }) };
  return { lifecycle, hooks };
}

describe('startOutboxRelay', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await embeddedPostgresHarness.open();
    await installService(h.db);
    const registry = new TopicRegistry([
      defineTopic({ name: TOPIC, partitions: 1, owner: 'test', eventTypes: [heartbeat.type] }),
    ]);
    await ensureTopics(h.transport, registry);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('starts a relay that publishes what a transaction wrote', async () => {
    const { lifecycle, hooks } = recordingLifecycle();
    const relay = startOutboxRelay({ db: h.db, schema: SERVICE_SCHEMA, transport: h.transport, lifecycle });
    try {
      await h.db.transaction((tx) => writeThing(tx, TOPIC, 'a', 1));
      relay.kick();
      await relay.flush({ timeoutMs: 10_000 });
      expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(0);
      expect(hooks.map((entry) => entry.name)).toEqual([`${SERVICE_SCHEMA} outbox relay`]);
    } finally {
      for (const entry of hooks) await entry.hook();
    }
    expect(relay.status().state).toBe('stopped');
  });

  it('at stop, runs beforeStop first, then drains the outbox and stops', async () => {
    const { lifecycle, hooks } = recordingLifecycle();
    const order: string[] = [];
    // polls rarely: only the stop hook's flush publishes the last event
    const relay: Relay = startOutboxRelay({
      db: h.db,
      schema: SERVICE_SCHEMA,
      transport: h.transport,
      lifecycle,
      name: 'test relay',
      pollIntervalMs: 600_000,
      beforeStop: async () => {
        order.push('beforeStop');
        await h.db.transaction((tx) => writeThing(tx, TOPIC, 'last', 2));
      },
    });
    await relay.flush({ timeoutMs: 10_000 });
    expect(hooks.map((entry) => entry.name)).toEqual(['test relay']);
    await hooks[0]!.hook();
    order.push('stopped');
    expect(order).toEqual(['beforeStop', 'stopped']);
    expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(0);
    expect(relay.status().state).toBe('stopped');
  });
});
