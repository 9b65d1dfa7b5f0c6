/** The Kafka transport's edges that need no broker, or a broker that is not there, and a fresh transport's lag. */
import net from 'node:net';
import { kafkaBrokers, uniqueTopic } from '@onceonly/testing';
import { describe, expect, it } from 'vitest';
import { createKafkaTransport, defineTopic, ensureTopics, TopicRegistry } from '../src/index.js';

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('createKafkaTransport', () => {
  it('fails with BROKER_UNAVAILABLE within its connect timeout when no broker answers', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(createKafkaTransport({ brokers: `127.0.0.1:${port}`, connectTimeoutMs: 3_000 })).rejects.toMatchObject(
      { code: 'BROKER_UNAVAILABLE' },
    );
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('refuses an empty broker list with CONFIG_INVALID', async () => {
    await expect(createKafkaTransport({ brokers: ' , ' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('lag() on a fresh transport', () => {
  // the first call of a transport asks the topics' metadata before the group's offsets (ADR 046): kafkajs finds the
  // coordinator through the admin's broker pool, empty until then; the answer must be the same as after it
  it('answers the ends and -1 for a group that never committed, on its first call and after', async () => {
    const brokers = kafkaBrokers();
    const topic = uniqueTopic('lag-fresh');
    const registry = new TopicRegistry();
    registry.register(defineTopic({ name: topic, partitions: 2, owner: 'test', eventTypes: ['hub.heartbeat'] }));
    const setup = await createKafkaTransport({ brokers, clientId: 'lag-fresh-setup' });
    try {
      await ensureTopics(setup, registry);
      await setup.publish([0, 1, 2].map((n) => ({ topic, key: `k-${n}`, value: Buffer.from(`v-${n}`), headers: {} })));
    } finally {
      await setup.close();
    }
    const fresh = await createKafkaTransport({ brokers, clientId: 'lag-fresh' });
    try {
      const first = await fresh.lag(uniqueTopic('never-committed'), [topic]);
      expect(first.map((p) => p.partition)).toEqual([0, 1]);
      expect(first.every((p) => p.topic === topic && p.committed === -1 && p.lag === p.end)).toBe(true);
      expect(first.reduce((sum, p) => sum + p.end, 0)).toBe(3);
      expect(await fresh.lag(uniqueTopic('never-committed'), [topic])).toEqual(first);
    } finally {
      await fresh.close();
    }
  });
});
