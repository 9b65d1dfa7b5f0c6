import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { nowMs } from './stats.js';

/**
 * A bare kafkajs consumer of a topic that other runs also wrote to (the certificate service's topic has a fixed
 * name): it reads from the beginning, {@link TopicReader.caughtUp} waits until it has read what was there (so that
 * the backlog is not read during a measurement), and {@link TopicReader.expect} resolves when an event of a type has
 * been read for every given key (events are keyed by holder, and every issue of a run has its own holder). When the
 * keys are known only once the events are made (the assistance service's request ids), {@link TopicReader.record}
 * first, then `expect` counts what was read since.
 */
export interface TopicReader {
  caughtUp(timeoutMs?: number): Promise<void>;
  /** From now on, remembers when each key's event of `ceType` is read, for an `expect` made later. */
  record(ceType: string): void;
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
    clientId: `bench-reader-${options.topic}`,
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: `bench-reader-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 50,
  });
  const read = new Map<number, number>(); // partition → last offset read
  let pending: Pending | undefined;
  /** Event type → key → when read, for the types {@link TopicReader.record} was asked for. */
  const recorded = new Map<string, Map<string, number>>();
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    // the group is a throwaway read from the beginning: committing its offsets would cost an OffsetCommit round trip
    // (client, broker, the next fetch waiting for it) after every fetched batch, on the cores the issues use (ADR 049)
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      read.set(partition, Number(message.offset));
      const p = pending;
      if (message.key === null || (p === undefined && recorded.size === 0)) return;
      const key = message.key.toString();
      const ceType = message.headers?.ce_type?.toString() ?? '';
      const at = nowMs();
      const record = recorded.get(ceType);
      if (record !== undefined && !record.has(key)) record.set(key, at);
      if (p === undefined || !p.keys.has(key) || p.readAt.has(key) || ceType !== p.ceType) return;
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
    record(ceType) {
      if (!recorded.has(ceType)) recorded.set(ceType, new Map());
    },
    expect(keys, ceType, timeoutMs = 300_000) {
      const readAt = new Map<string, number>();
      const before = recorded.get(ceType);
      for (const key of keys) {
        const at = before?.get(key);
        if (at !== undefined) readAt.set(key, at);
      }
      const done = new Promise<number>((resolve, reject) => {
        if (readAt.size === keys.length) {
          resolve(Math.max(...readAt.values()));
          return;
        }
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
