import { AppError } from '@onceonly/errors';
import { type Database, migrate, type Queryable } from '@onceonly/store';
import type { Logger } from 'pino';
import { chunked, deliverBatchUntilHandled, deliverUntilHandled } from './delivery.js';
import type { RecordHeaders } from './headers.js';
import { type Backoff, keyBytes, messageOf, partitionFor, quoteSchema, Waker } from './internal.js';
import { silentLogger } from './log.js';
import { eventLogMigrations } from './migrations.js';
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

/** Options of {@link createEmbeddedTransport}. */
export interface EmbeddedTransportOptions {
  /** The database that holds the log (PGlite in the single-process mode; PostgreSQL works too). */
  db: Database;
  /** Schema of the log's tables (default `eventlog`), migrated on creation. */
  schema?: string;
  log?: Logger;
  /** How often an idle subscriber looks for new records (default 100 ms); a publish in this process wakes it at once. */
  pollIntervalMs?: number;
  /** Records read per partition per round (default 100; a batch subscription reads its `maxBatchSize`). */
  batchSize?: number;
  /** Wait before handing a record that `handle` rejected to it again (default 500 ms doubling to 10 s). */
  redeliveryBackoff?: Backoff;
}

/** The embedded log: an {@link EventTransport} over an append-only table. */
export interface EmbeddedTransport extends EventTransport {
  readonly kind: 'embedded';
  readonly schema: string;
}

/** Subscribers woken by publishes, per database handle (so that two transports over one database wake each other). */
const wakers = new WeakMap<Database, Set<Waker>>();
/** Groups with a running subscription, per database handle and schema: the embedded log has no group coordinator. */
const activeGroups = new WeakMap<Database, Set<string>>();

/**
 * Creates the embedded transport: Kafka's model (topics, partitions, offsets, consumer groups) in two tables of
 * the database, for the single-process mode without a broker.
 *
 * - `events(topic, partition, offset, key, headers, value, appended_at)`: append-only. A record's partition is
 *   murmur2(key) mod partitions, as in Kafka, so a key's records stay in order. Offsets are gap-free per partition:
 *   a publish takes them from the partition's row in `partitions`, whose row lock it holds until commit, so offsets
 *   also become visible in order (a reader never skips a lower offset that commits later).
 * - `consumer_offsets(group_id, topic, partition, offset)`: the next offset each group reads, written after each
 *   record its `handle` resolved.
 *
 * Subscribers poll (every `pollIntervalMs`) and are woken at once by publishes in this process. One subscription
 * per group and schema may run in a process (there is no group coordinator to share partitions); the embedded mode
 * runs one process. Retention is not enforced: the log grows until pruned.
 */
export async function createEmbeddedTransport(options: EmbeddedTransportOptions): Promise<EmbeddedTransport> {
  const schema = options.schema ?? 'eventlog';
  quoteSchema(schema);
  await migrate(options.db, { schema, migrations: eventLogMigrations(schema) });
  return new TableTransport(options, schema);
}

interface PartitionRow {
  topic: string;
  partition: number;
  next_offset: string;
  committed: string | null;
}

interface EventRow {
  partition: number;
  offset: string;
  key: Uint8Array | null;
  headers: Record<string, string>;
  value: Uint8Array;
  appended: string;
}

class TableTransport implements EmbeddedTransport {
  readonly kind = 'embedded';
  readonly schema: string;
  readonly #db: Database;
  readonly #s: string;
  readonly #log: Logger;
  readonly #pollMs: number;
  readonly #batchSize: number;
  readonly #backoff: Backoff;
  readonly #partitions = new Map<string, number>();
  readonly #subscriptions = new Set<TableSubscription>();
  #closed = false;

  constructor(options: EmbeddedTransportOptions, schema: string) {
    this.schema = schema;
    this.#db = options.db;
    this.#s = quoteSchema(schema);
    this.#log = (options.log ?? silentLogger()).child({ component: 'embedded-transport', schema });
    this.#pollMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 100;
    this.#backoff = options.redeliveryBackoff ?? { initialMs: 500, maxMs: 10_000 };
  }

  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.#assertOpen();
    if (records.length === 0) return;
    const groups = new Map<string, { topic: string; partition: number; records: OutgoingRecord[] }>();
    for (const record of records) {
      const partition = await this.#partitionOf(record);
      const id = `${record.topic}\u0000${partition}`;
      const group = groups.get(id) ?? { topic: record.topic, partition, records: [] };
      group.records.push(record);
      groups.set(id, group);
    }
    // lock partitions in one order, so that two publishes never deadlock
    const ordered = [...groups.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    await this.#db.transaction(async (tx) => {
      for (const group of ordered) await this.#append(tx, group.topic, group.partition, group.records);
    });
    for (const waker of wakers.get(this.#db) ?? []) waker.wake();
  }

  async #append(tx: Queryable, topic: string, partition: number, records: readonly OutgoingRecord[]): Promise<void> {
    const { rows } = await tx.query<{ next_offset: string }>(
      `UPDATE ${this.#s}.partitions SET next_offset = next_offset + $3
       WHERE topic = $1 AND partition = $2 RETURNING next_offset`,
      [topic, partition, records.length],
    );
    if (rows[0] === undefined) throw unknownTopic(topic);
    let offset = BigInt(rows[0].next_offset) - BigInt(records.length);
    for (let i = 0; i < records.length; i += 200) {
      const chunk = records.slice(i, i + 200);
      const params: unknown[] = [topic, partition];
      const values = chunk.map((record) => {
        params.push(String(offset++), record.key === null ? null : keyBytes(record.key));
        params.push(JSON.stringify(record.headers), toBuffer(record.value));
        const n = params.length;
        return `($1, $2, $${n - 3}::bigint, $${n - 2}::bytea, $${n - 1}::jsonb, $${n}::bytea)`;
      });
      await tx.query(
        `INSERT INTO ${this.#s}.events (topic, partition, "offset", key, headers, value) VALUES ${values.join(', ')}`,
        params,
      );
    }
  }

  async #partitionOf(record: OutgoingRecord): Promise<number> {
    const partitions = await this.#partitionCount(record.topic);
    if (record.key === null) return Math.floor(Math.random() * partitions);
    return partitionFor(keyBytes(record.key), partitions);
  }

  async #partitionCount(topic: string): Promise<number> {
    let count = this.#partitions.get(topic);
    if (count === undefined) {
      const { rows } = await this.#db.query<{ partitions: number }>(
        `SELECT partitions FROM ${this.#s}.topics WHERE name = $1`,
        [topic],
      );
      count = rows[0]?.partitions;
      if (count === undefined) throw unknownTopic(topic);
      this.#partitions.set(topic, count);
    }
    return count;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    const groups = activeGroups.get(this.#db) ?? new Set<string>();
    activeGroups.set(this.#db, groups);
    const groupId = `${this.schema}\u0000${options.group}`;
    if (groups.has(groupId)) {
      throw new AppError('FAILED_PRECONDITION', `group ${options.group} already has a subscription in this process`);
    }
    groups.add(groupId);
    try {
      if (!options.fromBeginning) await this.#startAtEnd(options.group, options.topics);
    } catch (err) {
      groups.delete(groupId);
      throw err;
    }
    const waker = new Waker();
    const subscription = new TableSubscription({
      transport: this,
      options,
      waker,
      pollMs: this.#pollMs,
      log: this.#log.child({ group: options.group }),
      onStop: () => {
        groups.delete(groupId);
        wakers.get(this.#db)?.delete(waker);
        this.#subscriptions.delete(subscription);
      },
    });
    const set = wakers.get(this.#db) ?? new Set<Waker>();
    set.add(waker);
    wakers.set(this.#db, set);
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** A group without committed offsets that does not start from the beginning starts at the current end. */
  async #startAtEnd(group: string, topics: readonly string[]): Promise<void> {
    await this.#db.query(
      `INSERT INTO ${this.#s}.consumer_offsets (group_id, topic, partition, "offset")
       SELECT $1, topic, partition, next_offset FROM ${this.#s}.partitions WHERE topic = ANY($2::text[])
       ON CONFLICT DO NOTHING`,
      [group, [...topics]],
    );
  }

  /** One round for a subscription: every partition with records past the group's offset. Returns records seen. */
  async poll(options: SubscribeOptions, context: DeliveryContext): Promise<number> {
    const partitions = await this.#partitionsOf(options.group, options.topics);
    let seen = 0;
    for (const p of partitions) {
      const from = p.committed ?? '0';
      if (BigInt(from) >= BigInt(p.next_offset)) continue;
      const { rows } = await this.#db.query<EventRow>(
        `SELECT partition, "offset", key, headers, value, (extract(epoch from appended_at) * 1000)::bigint AS appended
         FROM ${this.#s}.events WHERE topic = $1 AND partition = $2 AND "offset" >= $3::bigint
         ORDER BY "offset" LIMIT $4`,
        [p.topic, p.partition, from, options.handleBatch ? (options.maxBatchSize ?? 500) : this.#batchSize],
      );
      if (options.handleBatch) {
        for (const slice of chunked(rows, options.maxBatchSize ?? 500)) {
          if (context.signal.aborted) return seen;
          const records = slice.map((row) => toReceived(p.topic, row));
          await deliverBatchUntilHandled(options, records, context, this.#backoff);
          await this.#commit(options.group, p.topic, p.partition, BigInt(slice[slice.length - 1]!.offset) + 1n);
          seen += slice.length;
        }
        continue;
      }
      for (const row of rows) {
        if (context.signal.aborted) return seen;
        await deliverUntilHandled(options, toReceived(p.topic, row), context, this.#backoff);
        await this.#commit(options.group, p.topic, row.partition, BigInt(row.offset) + 1n);
        seen++;
      }
    }
    return seen;
  }

  async #partitionsOf(group: string, topics: readonly string[]): Promise<PartitionRow[]> {
    const { rows } = await this.#db.query<PartitionRow>(
      `SELECT p.topic, p.partition, p.next_offset, o."offset" AS committed
       FROM ${this.#s}.partitions p
       LEFT JOIN ${this.#s}.consumer_offsets o ON o.group_id = $1 AND o.topic = p.topic AND o.partition = p.partition
       WHERE p.topic = ANY($2::text[]) ORDER BY p.topic, p.partition`,
      [group, [...topics]],
    );
    return rows;
  }

  async #commit(group: string, topic: string, partition: number, offset: bigint): Promise<void> {
    await this.#db.query(
      `INSERT INTO ${this.#s}.consumer_offsets (group_id, topic, partition, "offset") VALUES ($1, $2, $3, $4::bigint)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now()`,
      [group, topic, partition, offset.toString()],
    );
  }

  async lag(group: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const rows = await this.#partitionsOf(group, topics);
    return rows.map((row) => {
      const committed = row.committed === null ? -1 : Number(row.committed);
      const end = Number(row.next_offset);
      return {
        topic: row.topic,
        partition: row.partition,
        committed,
        end,
        lag: Math.max(0, end - Math.max(0, committed)),
      };
    });
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.#assertOpen();
    await this.#db.transaction(async (tx) => {
      for (const spec of specs) {
        await tx.query(
          `INSERT INTO ${this.#s}.topics (name, partitions, retention_ms, cleanup_policy) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET partitions = GREATEST(${this.#s}.topics.partitions, EXCLUDED.partitions)`,
          [spec.name, spec.partitions, spec.retentionMs, spec.cleanupPolicy],
        );
        await tx.query(
          `INSERT INTO ${this.#s}.partitions (topic, partition)
           SELECT $1, p FROM generate_series(0, $2::int - 1) AS p ON CONFLICT DO NOTHING`,
          [spec.name, spec.partitions],
        );
      }
    });
    for (const spec of specs) this.#partitions.delete(spec.name);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#subscriptions].map((s) => s.stop()));
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('SHUTTING_DOWN', 'the embedded transport is closed');
  }
}

interface TableSubscriptionInit {
  transport: TableTransport;
  options: SubscribeOptions;
  waker: Waker;
  pollMs: number;
  log: Logger;
  onStop: () => void;
}

class TableSubscription implements Subscription {
  readonly #init: TableSubscriptionInit;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(init: TableSubscriptionInit) {
    this.#init = init;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const { transport, options, waker, pollMs, log } = this.#init;
    const context: DeliveryContext = { heartbeat: async () => {}, signal: this.#abort.signal };
    let failing = false;
    while (!this.#abort.signal.aborted) {
      try {
        const seen = await transport.poll(options, context);
        if (failing) log.info('embedded subscription reads again');
        failing = false;
        if (seen > 0) continue;
      } catch (err) {
        if (this.#abort.signal.aborted) break;
        if (!failing) log.warn({ err: messageOf(err) }, 'embedded subscription cannot read the log; retrying');
        failing = true;
        options.onError?.(err);
      }
      await waker.wait(failing ? pollMs * 10 : pollMs);
    }
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#abort.abort();
      this.#init.waker.wake();
      await this.#loop;
      this.#init.onStop();
    })();
    return this.#stopped;
  }
}

function toReceived(topic: string, row: EventRow): ReceivedRecord {
  return {
    topic,
    partition: row.partition,
    offset: row.offset,
    key: row.key === null ? null : toBuffer(row.key),
    value: toBuffer(row.value),
    headers: row.headers as RecordHeaders,
    timestamp: String(row.appended),
  };
}

function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function unknownTopic(topic: string): AppError {
  return new AppError('TOPIC_UNKNOWN', `topic ${topic} does not exist in the embedded log`, {
    details: { meta: { topic } },
  });
}
