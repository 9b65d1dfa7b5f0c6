/**
 * A consumer that subscribes to a topic the broker does not know yet, or not quite yet (created a moment ago, its
 * metadata not settled: a fresh broker answers UNKNOWN_TOPIC_OR_PARTITION, which is retriable). The fault suite
 * (ADR 038) found the audit log dying of it at its first start beside a new broker; the transport now tries again,
 * briefly, as it does when it creates topics.
 */
import { createTopic, kafkaBrokers, testKafka, uniqueTopic, waitFor } from '@onceonly/testing';
import { describe, expect, it } from 'vitest';
import { createKafkaTransport } from '../src/index.js';

describe('subscribing to a topic that appears a moment later', () => {
  it('tries again while the broker answers UNKNOWN_TOPIC_OR_PARTITION, then delivers', {
    timeout: 60_000,
  }, async () => {
    const brokers = kafkaBrokers();
    const topic = uniqueTopic('subscribe-late');
    const transport = await createKafkaTransport({ brokers: brokers.join(',') });
    const received: string[] = [];
    try {
      const subscribing = transport.subscribe({
        group: uniqueTopic('subscribe-late-group'),
        topics: [topic],
        fromBeginning: true,
        handle: async (record) => {
          received.push(record.value?.toString() ?? '');
        },
      });
      // the topic is created by someone else (another process, as the certificate service creates its topic for
      // the audit log to read) while the subscription is being made
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await createTopic(brokers, topic);
      const subscription = await subscribing;
      const producer = testKafka('subscribe-late-producer').producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'hello' }] });
      await producer.disconnect();
      await waitFor(() => received.length > 0, { timeoutMs: 30_000, message: 'the record delivered' });
      expect(received).toEqual(['hello']);
      await subscription.stop();
    } finally {
      await transport.close();
    }
  });

  it('still refuses a topic that never appears, with TOPIC_UNKNOWN, within seconds', { timeout: 60_000 }, async () => {
    const transport = await createKafkaTransport({ brokers: kafkaBrokers().join(',') });
    try {
      const started = Date.now();
      await expect(
        transport.subscribe({
          group: uniqueTopic('subscribe-never-group'),
          topics: [uniqueTopic('subscribe-never')],
          handle: async () => undefined,
        }),
      ).rejects.toMatchObject({ code: 'TOPIC_UNKNOWN' });
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await transport.close();
    }
  });
});
