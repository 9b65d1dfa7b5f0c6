import { Partitioners } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { createTopic, kafkaBrokers, testKafka, uniqueTopic } from './kafka.js';
import { waitFor } from './wait.js';

describe('the Kafka broker of the test run', () => {
  it('is provided by the global setup', () => {
    expect(inject('kafkaBrokers')).toMatch(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/);
    expect(kafkaBrokers()).toEqual(inject('kafkaBrokers').split(','));
    expect(inject('databaseUrl')).toMatch(/^postgres(ql)?:\/\//);
    // The global setup also hands the broker to code under test through the environment.
    expect(process.env.KAFKA_BROKERS).toBe(inject('kafkaBrokers'));
  });

  it('gives every call of uniqueTopic a different, valid topic name', () => {
    const first = uniqueTopic('testing.unique');
    const second = uniqueTopic('testing.unique');
    expect(first).not.toBe(second);
    for (const topic of [first, second]) {
      expect(topic).toMatch(/^testing\.unique-[a-zA-Z0-9._-]+$/);
      expect(topic.length).toBeLessThanOrEqual(249);
    }
  });

  it('carries a message from a kafkajs producer to a kafkajs consumer', async () => {
    const topic = uniqueTopic('testing.roundtrip');
    await createTopic(kafkaBrokers(), topic, 1);
    const kafka = testKafka('testing-roundtrip');
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    // A short fetch wait: disconnect() waits for the fetch in flight (5 s by default).
    const consumer = kafka.consumer({ groupId: uniqueTopic('testing.group'), maxWaitTimeInMs: 200 });
    const received: { key: string | undefined; value: string | undefined }[] = [];
    try {
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'holder-1', value: 'certificate issued' }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key?.toString(), value: message.value?.toString() });
        },
      });
      await waitFor(() => received.length > 0, { timeoutMs: 30_000, message: 'a consumed message' });
      expect(received).toEqual([{ key: 'holder-1', value: 'certificate issued' }]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
