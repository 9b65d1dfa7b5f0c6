import { describe, expect, it } from 'vitest';
import { checkNamespace, namespacedName, withNamespace } from './namespace.js';
import { deadLetterTopic, defineTopic, TopicRegistry } from './topics.js';
import type {
  DeliveryContext,
  EventTransport,
  OutgoingRecord,
  PartitionLag,
  ReceivedRecord,
  SubscribeOptions,
} from './transport.js';

const certificates = defineTopic({
  name: 'onceonly.certificate.v1',
  partitions: 6,
  owner: 'certificate',
  eventTypes: [],
});

/** A transport that records what the namespaced one asks of it (the mapping is pure: no broker is needed). */
function recordingTransport() {
  const calls = {
    published: [] as OutgoingRecord[][],
    subscribed: [] as SubscribeOptions[],
    lagAsked: [] as { group: string; topics: readonly string[] }[],
    ensured: [] as string[][],
    deadLetterOf: [] as (string | undefined)[],
    closed: 0,
  };
  const transport: EventTransport = {
    kind: 'kafka',
    publish: async (records) => void calls.published.push([...records]),
    subscribe: async (options) => {
      calls.subscribed.push(options);
      return { stop: async () => undefined };
    },
    lag: async (group, topics) => {
      calls.lagAsked.push({ group, topics });
      return topics.map((topic): PartitionLag => ({ topic, partition: 0, committed: 1, end: 3, lag: 2 }));
    },
    ensureTopics: async (specs) => {
      calls.ensured.push(specs.map((s) => s.name));
      calls.deadLetterOf.push(...specs.map((s) => s.deadLetterOf));
    },
    close: async () => void calls.closed++,
  };
  return { transport, calls };
}

const record = (topic: string): ReceivedRecord => ({
  topic,
  partition: 2,
  offset: '7',
  key: null,
  value: Buffer.from('v'),
  headers: {},
  timestamp: '0',
});
const context: DeliveryContext = { heartbeat: async () => undefined, signal: new AbortController().signal };

describe('checkNamespace', () => {
  it.each(['', 'a', 'city-a', 'sh2026', 'abcdefghijklmnopqrst'])('accepts %j', (namespace) => {
    expect(checkNamespace(namespace)).toBe(namespace);
  });

  it.each(['A', 'City', '1city', '-a', 'a.b', 'a_b', 'a b', 'abcdefghijklmnopqrstu', 'onceonly.x'])(
    'refuses %j with CONFIG_INVALID naming ONCEONLY_NAMESPACE',
    (namespace) => {
      expect(() => checkNamespace(namespace)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          fields: [expect.objectContaining({ field: 'ONCEONLY_NAMESPACE', reason: 'NAMESPACE_INVALID' })],
        }),
      );
    },
  );
});

describe('namespacedName', () => {
  it('prefixes a name with the namespace and a dot', () => {
    expect(namespacedName('city-a', 'onceonly.certificate.v1')).toBe('city-a.onceonly.certificate.v1');
    expect(namespacedName('city-a', 'onceonly-audit')).toBe('city-a.onceonly-audit');
  });

  it('leaves the name as it is without a namespace', () => {
    expect(namespacedName('', 'onceonly.certificate.v1')).toBe('onceonly.certificate.v1');
  });

  it('refuses an invalid namespace rather than build a name from it', () => {
    expect(() => namespacedName('A.B', 'onceonly.certificate.v1')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('withNamespace', () => {
  it('without a namespace is the transport itself', () => {
    const { transport } = recordingTransport();
    expect(withNamespace(transport, '')).toBe(transport);
  });

  it('refuses an invalid namespace', () => {
    expect(() => withNamespace(recordingTransport().transport, 'Bad')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('creates every registered topic, and its dead-letter topic, under the namespace', async () => {
    const { transport, calls } = recordingTransport();
    const registry = new TopicRegistry([certificates]);
    await withNamespace(transport, 'city-a').ensureTopics(registry.all());
    expect(calls.ensured).toEqual([['city-a.onceonly.certificate.v1', 'city-a.onceonly.certificate.v1.dlq']]);
    expect(calls.deadLetterOf).toEqual([undefined, 'city-a.onceonly.certificate.v1']);
    // the registry's own specifications are left as they were
    expect(registry.all().map((s) => s.name)).toEqual(['onceonly.certificate.v1', 'onceonly.certificate.v1.dlq']);
  });

  it('refuses a topic whose name in the namespace would pass Kafka limit of 249 characters', async () => {
    const { transport, calls } = recordingTransport();
    const long = defineTopic({ name: `t${'x'.repeat(245)}`, partitions: 1, owner: 'o', eventTypes: [] });
    await expect(withNamespace(transport, 'city-a').ensureTopics([long])).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(calls.ensured).toEqual([]);
  });

  it('publishes to the topic in the namespace, leaving the rest of each record as given', async () => {
    const { transport, calls } = recordingTransport();
    const out: OutgoingRecord = { topic: certificates.name, key: 'k', value: new Uint8Array([1]), headers: { a: 'b' } };
    await withNamespace(transport, 'city-a').publish([out]);
    expect(calls.published).toEqual([[{ ...out, topic: 'city-a.onceonly.certificate.v1' }]]);
    expect(out.topic).toBe('onceonly.certificate.v1');
  });

  it('subscribes its group to the topics in the namespace and hands back records under their own names', async () => {
    const { transport, calls } = recordingTransport();
    const handled: string[] = [];
    const batches: string[][] = [];
    const errors: (string | undefined)[] = [];
    await withNamespace(transport, 'city-a').subscribe({
      group: 'onceonly-audit',
      topics: [certificates.name, deadLetterTopic(certificates).name],
      fromBeginning: true,
      maxBatchSize: 10,
      handle: async (r) => void handled.push(r.topic),
      handleBatch: async (rs) => void batches.push(rs.map((r) => r.topic)),
      onError: (_err, r) => void errors.push(r?.topic),
    });
    const [options] = calls.subscribed;
    expect(options).toMatchObject({
      group: 'city-a.onceonly-audit',
      topics: ['city-a.onceonly.certificate.v1', 'city-a.onceonly.certificate.v1.dlq'],
      fromBeginning: true,
      maxBatchSize: 10,
    });
    await options!.handle(record('city-a.onceonly.certificate.v1'), context);
    await options!.handleBatch!([record('city-a.onceonly.certificate.v1'), record('city-a.onceonly.seal.v1')], context);
    options!.onError!(new Error('x'), record('city-a.onceonly.certificate.v1.dlq'));
    options!.onError!(new Error('y'));
    expect(handled).toEqual(['onceonly.certificate.v1']);
    expect(batches).toEqual([['onceonly.certificate.v1', 'onceonly.seal.v1']]);
    expect(errors).toEqual(['onceonly.certificate.v1.dlq', undefined]);
  });

  it('passes no batch handler or error handler that the subscriber did not give', async () => {
    const { transport, calls } = recordingTransport();
    await withNamespace(transport, 'city-a').subscribe({ group: 'g', topics: ['t'], handle: async () => undefined });
    expect(calls.subscribed[0]!.handleBatch).toBeUndefined();
    expect(calls.subscribed[0]!.onError).toBeUndefined();
  });

  it('asks the lag of the group in the namespace and reports it under the topics own names', async () => {
    const { transport, calls } = recordingTransport();
    const lags = await withNamespace(transport, 'city-a').lag('onceonly-audit', [certificates.name]);
    expect(calls.lagAsked).toEqual([{ group: 'city-a.onceonly-audit', topics: ['city-a.onceonly.certificate.v1'] }]);
    expect(lags).toEqual([{ topic: 'onceonly.certificate.v1', partition: 0, committed: 1, end: 3, lag: 2 }]);
  });

  it('two namespaces never name the same topic or group', () => {
    const names = ['onceonly.certificate.v1', 'onceonly-audit', 'onceonly.audit.reads.v1'];
    const a = names.map((n) => namespacedName('city-a', n));
    const b = names.map((n) => namespacedName('city-b', n));
    const none = names.map((n) => namespacedName('', n));
    expect(new Set([...a, ...b, ...none]).size).toBe(names.length * 3);
  });

  it('closes the transport it wraps', async () => {
    const { transport, calls } = recordingTransport();
    await withNamespace(transport, 'city-a').close();
    expect(calls.closed).toBe(1);
  });
});
