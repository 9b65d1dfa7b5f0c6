import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { nowMs } from './stats.js';

/**
 * A bare kafkajs consumer of a topic that other runs also wrote to (the certificate service's topic has a fixed
 * name): it reads from the beginning, {@link TopicReader.caughtUp} waits until it has read what was there (so that
 * the backlog is not read during a measurement), and {@link TopicReader.expect} resolves when an event of a type has
 * been read for every given key (events are keyed by holder, and every issue of a run has its own holder).
 */
export interface TopicReader {
  caughtUp(timeoutMs?: number): Promise<void>;
  expect(keys: readonly string[], ceType: string, timeoutMs?: number): Expectation;
  stop(): Promise<void>;
}

export interface Expectation {
  /** When each key's event was read (epoch ms). */
  readonly readAt: ReadonlyMap<string, number>;
  /** Resolves with when the last one was read. */
  readonly done: Promise<number>;
}

interface Pending {
  keys: Set<string>;
  ceType: string;
  readAt: Map<string, number>;
  resolve: (last: number) => void;
}

export async function startTopicReader(options: { brokers: string[]; topic: string }): Promise<TopicReader> {
  const kafka = new Kafka({
    clientId: 'bench-certificate-reader',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: `bench-certificate-reader-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 50,
  });
  const read = new Map<number, number>(); // partition → last offset read
  let pending: Pending | undefined;
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      read.set(partition, Number(message.offset));
      const p = pending;
      if (p === undefined || message.key === null) return;
      const key = message.key.toString();
      if (!p.keys.has(key) || p.readAt.has(key) || message.headers?.ce_type?.toString() !== p.ceType) return;
      const at = nowMs();
      p.readAt.set(key, at);
      if (p.readAt.size === p.keys.size) p.resolve(at);
    },
  });
  await joined;

  return {
    async caughtUp(timeoutMs = 120_000) {
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(options.topic).finally(() => admin.disconnect());
      const until = Date.now() + timeoutMs;
      const behind = () =>
        offsets.filter((o) => Number(o.high) > Number(o.low) && (read.get(o.partition) ?? -1) < Number(o.high) - 1);
      while (behind().length > 0) {
        if (Date.now() > until) throw new Error(`the reader of ${options.topic} did not catch up in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    expect(keys, ceType, timeoutMs = 300_000) {
      const readAt = new Map<string, number>();
      const done = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${keys.length - readAt.size} of ${keys.length} ${ceType} events not read`)),
          timeoutMs,
        );
        pending = {
          keys: new Set(keys),
          ceType,
          readAt,
          resolve: (last) => {
            clearTimeout(timer);
            resolve(last);
          },
        };
      });
      return { readAt, done };
    },
    stop: () => consumer.disconnect(),
  };
}
