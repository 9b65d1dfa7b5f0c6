import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';

/**
 * The Kafka brokers of this test run: the value the int project's global setup provides (`inject('kafkaBrokers')`),
 * else the `KAFKA_BROKERS` environment variable (comma-separated `host:port`).
 */
export function kafkaBrokers(): string[] {
  let value: string | undefined;
  try {
    value = inject('kafkaBrokers');
  } catch {
    // Not inside a vitest worker: fall back to the environment.
  }
  value ||= process.env.KAFKA_BROKERS;
  const brokers = (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      'No Kafka broker for this test: run it in the vitest "int" project (its global setup starts one) or set KAFKA_BROKERS',
    );
  }
  return brokers;
}

let topicCounter = 0;

/**
 * A topic name no other test (in this run or an earlier one on the same broker) uses: `<prefix>-<time>-<n>-<random>`.
 * Characters Kafka does not allow in topic names become `-`.
 */
export function uniqueTopic(prefix = 'test'): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 180) || 'test';
  topicCounter += 1;
  return `${clean}-${Date.now().toString(36)}-${process.pid.toString(36)}-${topicCounter}-${randomBytes(3).toString('hex')}`;
}

/** A kafkajs client on the test brokers that logs warnings and errors only. */
export function testKafka(clientId = 'onceonly-test', brokers: string[] = kafkaBrokers()): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.WARN });
}

/**
 * Creates a topic (replication factor 1) and waits until its partitions have leaders, so that producing to it
 * right after never races topic creation. Does nothing if the topic exists already.
 */
export async function createTopic(brokers: string[] | string, name: string, partitions = 1): Promise<void> {
  const list = typeof brokers === 'string' ? brokers.split(',') : brokers;
  const admin = testKafka('onceonly-test-admin', list).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
