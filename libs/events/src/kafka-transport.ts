import { AppError, type ErrorCode } from '@onceonly/errors';
import type { Admin, Consumer, IHeaders, KafkaMessage, LogEntry, Message, Producer, RetryOptions } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import { chunked, deliverBatchUntilHandled, deliverUntilHandled } from './delivery.js';
import { type Backoff, messageOf } from './internal.js';
import { silentLogger } from './log.js';
import type { TopicSpec } from './topics.js';
import type {
  DeliveryContext,
  EventTransport,
  OutgoingRecord,
  PartitionLag,
  ReceivedRecord,
  SubscribeOptions,
  Subscription,
} from './transport.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

/** Options of {@link createKafkaTransport}. */
export interface KafkaTransportOptions {
  /** `host:port` list, or the comma-separated `KAFKA_BROKERS` value. */
  brokers: readonly string[] | string;
  clientId?: string;
  log?: Logger;
  /** Bound on connecting (producer, admin, each consumer) before BROKER_UNAVAILABLE (default 15 s). */
  connectTimeoutMs?: number;
  /** Bound on one `publish` before BROKER_UNAVAILABLE (default 30 s). */
  publishTimeoutMs?: number;
  /** kafkajs' retry of each request (default 5 retries, 200 ms doubling to 3 s). */
  retry?: RetryOptions;
  /** Replication factor of created topics (default -1: the broker's `default.replication.factor`). */
  replicationFactor?: number;
  /** Consumer session timeout (default 30 s): a member silent this long loses its partitions. */
  sessionTimeoutMs?: number;
  /** Consumer heartbeat interval (default 3 s). */
  heartbeatIntervalMs?: number;
  /**
   * Partitions a subscription handles at once (default 3). Each partition still goes in offset order; handlers of
   * different partitions overlap, which matters when each event is its own database transaction.
   */
  partitionsConsumedConcurrently?: number;
  /** Wait before handing a record that `handle` rejected to it again (default 500 ms doubling to 10 s). */
  redeliveryBackoff?: Backoff;
}

/** The Kafka transport: an {@link EventTransport} plus the kafkajs client, for tools and tests. */
export interface KafkaTransport extends EventTransport {
  readonly kind: 'kafka';
  readonly brokers: readonly string[];
}

/**
 * Connects to Apache Kafka with kafkajs and returns the transport. Fails with BROKER_UNAVAILABLE within
 * `connectTimeoutMs` when no broker answers.
 *
 * Producing is idempotent (`idempotent: true`, `maxInFlightRequests: 1`, acks from all in-sync replicas), so a
 * retried request neither duplicates nor reorders records within a partition. Keys are partitioned with Kafka's
 * default murmur2 partitioner (the same as the Java client and the embedded log). Each subscription is its own
 * kafkajs consumer; offsets are committed only for records whose `handle` resolved. kafkajs' own log lines go to
 * pino at debug level: every failure that matters reaches callers as an error, and kafkajs would log each retry.
 */
export async function createKafkaTransport(options: KafkaTransportOptions): Promise<KafkaTransport> {
  const transport = new KafkaJsTransport(options);
  await transport.connect();
  return transport;
}

class KafkaJsTransport implements KafkaTransport {
  readonly kind = 'kafka';
  readonly brokers: readonly string[];
  readonly #kafka: InstanceType<typeof Kafka>;
  readonly #log: Logger;
  readonly #connectMs: number;
  readonly #publishMs: number;
  readonly #replicationFactor: number;
  readonly #options: KafkaTransportOptions;
  readonly #subscriptions = new Set<KafkaSubscription>();
  #admin: Admin | undefined;
  /** Whether the admin has made a metadata request (its broker pool is filled): see {@link lag}. */
  #adminHasMetadata = false;
  #producer: Producer | undefined;
  #producing: Promise<Producer> | undefined;
  #closed = false;

  constructor(options: KafkaTransportOptions) {
    this.brokers = parseBrokers(options.brokers);
    this.#options = options;
    this.#log = (options.log ?? silentLogger()).child({ component: 'kafka-transport' });
    this.#connectMs = options.connectTimeoutMs ?? 15_000;
    this.#publishMs = options.publishTimeoutMs ?? 30_000;
    this.#replicationFactor = options.replicationFactor ?? -1;
    const kafkaLog = this.#log.child({ component: 'kafkajs' });
    this.#kafka = new Kafka({
      clientId: options.clientId ?? 'onceonly',
      brokers: [...this.brokers],
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: options.retry ?? { retries: 5, initialRetryTime: 200, maxRetryTime: 3_000 },
      logLevel: logLevel.INFO,
      logCreator: () => (entry: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...extra } = entry.log as LogEntry['log'] & { logger?: string };
        kafkaLog.debug({ namespace: entry.namespace, kafkaLevel: entry.label, ...extra }, message);
      },
    });
  }

  async connect(): Promise<void> {
    await this.#adminClient();
    await this.#producerClient();
    this.#log.info({ brokers: this.brokers }, 'connected to Kafka');
  }

  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.#assertOpen();
    if (records.length === 0) return;
    const producer = await this.#producerClient();
    const byTopic = new Map<string, Message[]>();
    for (const record of records) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({
        key: record.key === null ? null : toBuffer(record.key),
        value: toBuffer(record.value),
        headers: { ...record.headers },
      });
      byTopic.set(record.topic, messages);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await withTimeout(producer.sendBatch({ topicMessages, acks: -1, timeout: this.#publishMs }), this.#publishMs);
    } catch (err) {
      // a producer that failed may hold a stale idempotence sequence or a dead connection: start afresh next time
      await this.#dropProducer();
      throw brokerError(err, 'publish');
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    // A topic created a moment ago (by this process's ensureTopics or another process) can answer
    // UNKNOWN_TOPIC_OR_PARTITION (retriable) to the consumer's first metadata request on a fresh broker: an audit log
    // starting beside a new broker died of it (the fault suite, ADR 038). Try again, briefly, as ensureTopics does.
    return this.#whileRetriable('subscribing', () => this.#subscribeOnce(options));
  }

  async #subscribeOnce(options: SubscribeOptions): Promise<Subscription> {
    const consumer = this.#kafka.consumer({
      groupId: options.group,
      sessionTimeout: this.#options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.#options.heartbeatIntervalMs ?? 3_000,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      retry: {
        retries: 5,
        initialRetryTime: 200,
        maxRetryTime: 3_000,
        restartOnFailure: async () => !subscription.stopping,
      },
    });
    const subscription = new KafkaSubscription(
      consumer,
      options,
      this.#options.redeliveryBackoff,
      this.#options.partitionsConsumedConcurrently ?? 3,
      this.#log,
      () => this.#subscriptions.delete(subscription),
    );
    try {
      await withTimeout(consumer.connect(), this.#connectMs);
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false });
      await subscription.run();
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw brokerError(err, 'subscribe');
    }
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async lag(group: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const admin = await this.#adminClient();
    try {
      // kafkajs finds a group's coordinator through the admin's broker pool, which stays empty until a metadata
      // request has filled it: asked first, `fetchOffsets` fails with "no brokers in the broker pool" and waits out a
      // retry (about 200-300 ms, ADR 046). One metadata request first, on an admin that has made none
      if (!this.#adminHasMetadata) {
        await admin.fetchTopicMetadata({ topics: [...topics] });
        this.#adminHasMetadata = true;
      }
      // the group's offsets and each topic's ends asked at once (round trips that do not depend on each other)
      const [committed, ...topicEnds] = await Promise.all([
        admin.fetchOffsets({ groupId: group, topics: [...topics] }),
        ...topics.map((topic) => admin.fetchTopicOffsets(topic)),
      ]);
      const lags: PartitionLag[] = [];
      for (const [i, topic] of topics.entries()) {
        const ends = topicEnds[i]!;
        const groupOffsets = committed.find((t) => t.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          const offset = Number(groupOffsets.find((p) => p.partition === end.partition)?.offset ?? -1);
          const high = Number(end.high);
          const from = offset >= 0 ? offset : Number(end.low);
          lags.push({ topic, partition: end.partition, committed: offset, end: high, lag: Math.max(0, high - from) });
        }
      }
      return lags.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    } catch (err) {
      throw brokerError(err, 'lag');
    }
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    // A topic another process created a moment ago can answer UNKNOWN_TOPIC_OR_PARTITION (retriable) while its
    // leaders are elected, and kafkajs's wait for leaders retries only LEADER_NOT_AVAILABLE: try again, briefly.
    await this.#whileRetriable('creating topics', () => this.#ensureTopicsOnce(specs));
  }

  /** Runs `once` again while it fails with a retriable broker error, 10 attempts at most (about 4.5 s of waits). */
  async #whileRetriable<T>(what: string, once: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (err) {
        const cause = (err as AppError).cause as { retriable?: boolean; cause?: { retriable?: boolean } } | undefined;
        const retriable = cause?.retriable === true || cause?.cause?.retriable === true;
        if (!retriable || attempt >= 10 || this.#closed) throw err;
        this.#log.warn({ attempt, err: String(cause) }, `${what}: the broker is not ready, trying again`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  async #ensureTopicsOnce(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.#adminClient();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.name));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: this.#replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'cleanup.policy', value: spec.cleanupPolicy },
          ],
        })),
      });
      this.#log.info({ topics: missing.map((spec) => spec.name) }, 'created topics');
    } catch (err) {
      throw brokerError(err, 'ensureTopics');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#subscriptions].map((s) => s.stop()));
    await this.#dropProducer();
    const admin = this.#admin;
    this.#admin = undefined;
    this.#adminHasMetadata = false;
    await admin?.disconnect().catch(() => undefined);
  }

  async #adminClient(): Promise<Admin> {
    this.#assertOpen();
    if (this.#admin) return this.#admin;
    const admin = this.#kafka.admin({ retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 } });
    try {
      await withTimeout(admin.connect(), this.#connectMs);
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      throw brokerError(err, 'connect');
    }
    this.#admin = admin;
    return admin;
  }

  /** The connected producer; one connection attempt at a time. */
  #producerClient(): Promise<Producer> {
    this.#assertOpen();
    if (this.#producer) return Promise.resolve(this.#producer);
    this.#producing ??= this.#connectProducer().finally(() => {
      this.#producing = undefined;
    });
    return this.#producing;
  }

  async #connectProducer(): Promise<Producer> {
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    try {
      await withTimeout(producer.connect(), this.#connectMs);
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw brokerError(err, 'connect');
    }
    this.#producer = producer;
    return producer;
  }

  async #dropProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('SHUTTING_DOWN', 'the Kafka transport is closed');
  }
}

class KafkaSubscription implements Subscription {
  stopping = false;
  readonly #consumer: Consumer;
  readonly #options: SubscribeOptions;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #forget: () => void;
  readonly #concurrency: number;
  #stopped: Promise<void> | undefined;

  constructor(
    consumer: Consumer,
    options: SubscribeOptions,
    backoff: Backoff | undefined,
    concurrency: number,
    log: Logger,
    forget: () => void,
  ) {
    this.#consumer = consumer;
    this.#options = options;
    this.#backoff = backoff ?? { initialMs: 500, maxMs: 10_000 };
    this.#log = log.child({ group: options.group });
    this.#forget = forget;
    this.#concurrency = concurrency;
    consumer.on(consumer.events.CRASH, (event) => {
      this.#log.warn({ err: messageOf(event.payload.error), restart: event.payload.restart }, 'consumer crashed');
      this.#options.onError?.(brokerError(event.payload.error, 'consume'));
    });
  }

  async run(): Promise<void> {
    const common = {
      autoCommit: true,
      // resolved offsets are committed after each batch, and at least this often within a long one
      autoCommitInterval: 1_000,
      partitionsConsumedConcurrently: this.#concurrency,
    };
    if (this.#options.handleBatch) {
      const max = this.#options.maxBatchSize ?? 500;
      await this.#consumer.run({
        ...common,
        // an offset is resolved only after the slice of the fetched batch that holds it was handled
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          const context: DeliveryContext = { heartbeat, signal: this.#abort.signal };
          const records = batch.messages.map((message) => toReceived(batch.topic, batch.partition, message));
          for (const slice of chunked(records, max)) {
            // a rebalance took the partition, or the consumer is stopping: leave the rest to the next owner
            if (!isRunning() || isStale()) return;
            await deliverBatchUntilHandled(this.#options, slice, context, this.#backoff);
            resolveOffset(slice[slice.length - 1]!.offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          }
        },
      });
      return;
    }
    await this.#consumer.run({
      ...common,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const context: DeliveryContext = { heartbeat, signal: this.#abort.signal };
        await deliverUntilHandled(this.#options, toReceived(topic, partition, message), context, this.#backoff);
      },
    });
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.stopping = true;
      this.#abort.abort();
      await this.#consumer.disconnect().catch((err) => this.#log.debug({ err: messageOf(err) }, 'disconnect failed'));
      this.#forget();
    })();
    return this.#stopped;
  }
}

function toReceived(topic: string, partition: number, message: KafkaMessage): ReceivedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headerText(message.headers),
    timestamp: message.timestamp,
  };
}

function headerText(headers: IHeaders | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  }
  return out;
}

function toBuffer(value: string | Uint8Array): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function parseBrokers(brokers: readonly string[] | string): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter(Boolean);
  if (list.length === 0) throw new AppError('CONFIG_INVALID', 'no Kafka broker given (KAFKA_BROKERS is empty)');
  return list;
}

/** Rejects with BROKER_UNAVAILABLE when `promise` takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('BROKER_UNAVAILABLE', `Kafka did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Protocol error types that are not about reaching the broker. */
const PROTOCOL_CODES: Readonly<Record<string, ErrorCode>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'TOPIC_UNKNOWN',
  MESSAGE_TOO_LARGE: 'EVENT_TOO_LARGE',
  RECORD_LIST_TOO_LARGE: 'EVENT_TOO_LARGE',
  INVALID_TOPIC_EXCEPTION: 'TOPIC_UNKNOWN',
};

/** Maps a kafkajs error (walking its causes) to an AppError; anything unrecognised counts as BROKER_UNAVAILABLE. */
export function brokerError(err: unknown, operation: string): AppError {
  if (err instanceof AppError) return err;
  let code: ErrorCode = 'BROKER_UNAVAILABLE';
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; depth++) {
    const type = (e as { type?: unknown }).type;
    const mapped = typeof type === 'string' ? PROTOCOL_CODES[type] : undefined;
    if (mapped) {
      code = mapped;
      break;
    }
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return new AppError(code, `Kafka ${operation} failed: ${messageOf(err)}`, {
    cause: err,
    details: { meta: { operation } },
  });
}
