import type { RecordHeaders } from './headers.js';
import type { TopicSpec } from './topics.js';

/** One record to publish. Records with the same key on the same topic land on the same partition, in order. */
export interface OutgoingRecord {
  topic: string;
  /** The partitioning key (an event's subject); null spreads records over partitions. */
  key: string | Uint8Array | null;
  value: Uint8Array;
  headers: Readonly<Record<string, string>>;
}

/** One record delivered to a subscriber. */
export interface ReceivedRecord {
  topic: string;
  partition: number;
  /** The record's offset in its partition (a decimal string: offsets are 64-bit). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  /** When the broker (or the embedded log) appended it, milliseconds since the epoch as a decimal string. */
  timestamp: string;
}

/** Given to `handle` with each record. */
export interface DeliveryContext {
  /**
   * Tells the group coordinator that this member is alive. Call it while waiting inside `handle` (for example
   * during a retry back-off) so that the broker does not take the partition away.
   */
  heartbeat(): Promise<void>;
  /** Aborted when the subscription is stopping: give up waiting and throw. */
  signal: AbortSignal;
}

/** Options of {@link EventTransport.subscribe}. */
export interface SubscribeOptions {
  /** Consumer group: members of one group share the partitions, and the group's committed offsets. */
  group: string;
  topics: readonly string[];
  /** Where a group with no committed offset starts: the oldest record (true) or only new records (false). */
  fromBeginning?: boolean;
  /**
   * Called once per record, one record at a time per partition, in offset order. The offset is committed only after
   * it resolves. When it throws, nothing is committed, `onError` is told and the same record is delivered again
   * after a back-off (the partition does not move on): make `handle` catch what it can handle itself.
   */
  handle(record: ReceivedRecord, context: DeliveryContext): Promise<void>;
  /**
   * When set, records are handed here instead, in batches: consecutive records of ONE partition, in offset order,
   * at most `maxBatchSize`, as fetched (a batch is never held back to fill up). The offsets are committed only after
   * it resolves; when it throws, nothing of the batch is committed, `onError` is told and the same batch is
   * delivered again after a back-off. Batches of different partitions may overlap, as records do.
   */
  handleBatch?(records: readonly ReceivedRecord[], context: DeliveryContext): Promise<void>;
  /** Most records per `handleBatch` call (default 500). */
  maxBatchSize?: number;
  /** Told about errors of `handle` and of the transport (it keeps going). */
  onError?(error: unknown, record?: ReceivedRecord): void;
}

/** A running subscription. */
export interface Subscription {
  /** Stops fetching, waits for the record in hand, commits and leaves the group. */
  stop(): Promise<void>;
}

/** Consumer lag of one partition. Offsets are numbers: a partition would need 2^53 records to overflow them. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset (the next record it will read), or -1 when it has committed none. */
  committed: number;
  /** The offset the next published record will get (Kafka's high watermark). */
  end: number;
  /** Records published but not yet consumed by the group. */
  lag: number;
}

/**
 * The event bus port: Apache Kafka at scale, the embedded log (a table) in the single-process mode. Both guarantee
 * per-key order within a topic, at-least-once delivery and committed offsets per consumer group.
 */
export interface EventTransport {
  readonly kind: 'kafka' | 'embedded';
  /**
   * Publishes records and resolves once every one is durably stored (Kafka: acknowledged by all in-sync replicas).
   * Records of one key are stored in the order given. Rejects with BROKER_UNAVAILABLE (or TOPIC_UNKNOWN) when not;
   * some records may then have been stored anyway, so publishing again can duplicate them (consumers de-duplicate).
   */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  /** Joins a consumer group and delivers records to `handle` until stopped. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** The group's lag on every partition of the topics. */
  lag(group: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /** Creates the topics that do not exist yet. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Stops every subscription and releases connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Sums the lag of every partition. */
export function totalLag(lags: readonly PartitionLag[]): number {
  return lags.reduce((sum, p) => sum + p.lag, 0);
}
