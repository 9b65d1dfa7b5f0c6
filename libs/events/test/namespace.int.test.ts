/**
 * Namespaces (ADR 023) on the real transports: two "hubs" in two namespaces, and one without, use the same logical
 * topic and the same consumer group on one broker (one embedded log); each one's relay, consumer, lag and dead
 * letters stay in its own namespace, and on the broker the topics are `<namespace>.<name>`.
 */
import { uniqueTopic, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConsumer,
  createRelay,
  deadLetterTopicName,
  defineTopic,
  type EventTransport,
  ensureTopics,
  fromKafkaRecord,
  namespacedName,
  TopicRegistry,
  totalLag,
  withNamespace,
} from '../src/index.js';
import {
  collect,
  embeddedPostgresHarness,
  type Harness,
  heartbeat,
  installService,
  kafkaHarness,
  writeThing,
} from './support.js';

const fast = { initialMs: 20, maxMs: 100 };
/** A namespace of this run (the pattern's letters; random so that runs on one broker never meet). */
const namespaceOf = (name: string) => `${name}-${Math.random().toString(36).slice(2, 10)}`;

describe.each([kafkaHarness, embeddedPostgresHarness])('namespaces on $name', (factory) => {
  let h: Harness;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    h = await factory.open();
  });

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    await h?.close();
  });

  /** A hub's share of the test: its schema (outbox, inbox), its transport in `namespace`, its relay. */
  async function hub(schema: string, transport: EventTransport, registry: TopicRegistry) {
    await installService(h.db, schema);
    await ensureTopics(transport, registry);
    const relay = createRelay({ db: h.db, schema, transport, pollIntervalMs: 50 });
    running.push(relay);
    relay.start();
    const write = async (topic: string, subjects: string[]) => {
      const ids: string[] = [];
      await h.db.transaction(async (tx) => {
        for (const [i, subject] of subjects.entries()) ids.push((await writeThing(tx, topic, subject, i, schema)).id);
      });
      relay.kick();
      return ids;
    };
    const handled: string[] = [];
    const consumer = (group: string) => {
      const c = createConsumer({
        transport,
        db: h.db,
        schema,
        group,
        topics: [...registry.all().filter((t) => t.deadLetterOf === undefined)].map((t) => t.name),
        registry,
        maxAttempts: 2,
        backoff: fast,
        handlers: {
          [heartbeat.type]: async (event) => {
            if (event.subject.endsWith(':poison')) throw new Error('this one always fails');
            handled.push(event.id);
          },
        },
      });
      running.push(c);
      return c;
    };
    return { write, handled, consumer };
  }

  it('keeps each namespace to its own topics, groups, lag and dead letters', async () => {
    // one logical topic and one group name for all three: only the namespace tells them apart
    const topic = uniqueTopic('events-ns');
    const group = uniqueTopic('group-ns');
    const registry = new TopicRegistry([
      defineTopic({ name: topic, partitions: 2, owner: 'test', eventTypes: [heartbeat.type] }),
    ]);
    const [nsA, nsB] = [namespaceOf('a'), namespaceOf('b')];
    const a = await hub('ns_a', withNamespace(h.transport, nsA), registry);
    const b = await hub('ns_b', withNamespace(await h.another(), nsB), registry);
    const bare = await hub('ns_none', h.transport, registry);

    const idsA = await a.write(topic, ['a:1', 'a:2', 'a:3', 'a:poison']);
    const idsB = await b.write(topic, ['b:1', 'b:2']);
    const idsBare = await bare.write(topic, ['n:1']);

    // A's consumer handles A's events and nothing else, and its poison event goes to A's dead-letter topic
    const consumerA = a.consumer(group);
    await consumerA.start();
    await waitFor(() => a.handled.length === 3 && consumerA.stats().deadLettered === 1, { timeoutMs: 30_000 });
    expect(a.handled.sort()).toEqual(idsA.slice(0, 3).sort());

    // the same group name in B's namespace is another group: it has read nothing yet, A's has read everything
    const transportA = withNamespace(h.transport, nsA);
    const transportB = withNamespace(h.transport, nsB);
    await waitFor(async () => totalLag(await transportA.lag(group, [topic])) === 0, { timeoutMs: 30_000 });
    const lagB = await transportB.lag(group, [topic]);
    expect(totalLag(lagB)).toBe(idsB.length);
    // and the report names the topic by its logical name
    expect(new Set(lagB.map((p) => p.topic))).toEqual(new Set([topic]));

    const consumerB = b.consumer(group);
    await consumerB.start();
    await waitFor(() => b.handled.length === idsB.length, { timeoutMs: 30_000 });
    expect(b.handled.sort()).toEqual([...idsB].sort());
    expect(consumerB.stats().deadLettered).toBe(0);

    // on the broker (read without a namespace), each namespace's topic holds exactly its own events
    const onBroker = async (name: string, count: number) => {
      const c = await collect(h.transport, uniqueTopic('group-ns-read'), [name]);
      try {
        await waitFor(() => c.records.length >= count, { timeoutMs: 30_000 });
        return c.records;
      } finally {
        await c.stop();
      }
    };
    const idsOn = async (name: string, count: number) =>
      (await onBroker(name, count)).map((r) => fromKafkaRecord(r).id).sort();
    expect(await idsOn(namespacedName(nsA, topic), idsA.length)).toEqual([...idsA].sort());
    expect(await idsOn(namespacedName(nsB, topic), idsB.length)).toEqual([...idsB].sort());
    expect(await idsOn(topic, idsBare.length)).toEqual([...idsBare].sort());
    const deadLetters = await onBroker(namespacedName(nsA, deadLetterTopicName(topic)), 1);
    expect(deadLetters.map((r) => r.headers.ce_id)).toEqual([idsA[3]]);

    // read through a namespace, records carry the logical topic name
    const throughA = await collect(transportA, uniqueTopic('group-ns-read'), [topic]);
    await waitFor(() => throughA.records.length >= idsA.length, { timeoutMs: 30_000 });
    await throughA.stop();
    expect(new Set(throughA.records.map((r) => r.topic))).toEqual(new Set([topic]));
  });
});
