import { DeadLetter } from '@onceonly/contracts';
import { AppError, type ErrorCode, isAppError } from '@onceonly/errors';
import { type Database, isConnectionError, type Transaction } from '@onceonly/store';
import type { Logger } from 'pino';
import { withCausation } from './causation.js';
import { sleepWithHeartbeat } from './delivery.js';
import type { EventDefinition, EventEnvelope } from './envelope.js';
import { fromKafkaRecord, type RecordHeaders } from './headers.js';
import { claimInbox, claimInboxBatch } from './inbox.js';
import { type Backoff, backoffDelay, messageOf } from './internal.js';
import { addLiveConsumer } from './live.js';
import { silentLogger } from './log.js';
import { deadLetterTopic, defineTopic, type TopicRegistry, type TopicSpec } from './topics.js';
import { traceEach, traceHandler } from './tracing.js';
import type { DeliveryContext, EventTransport, PartitionLag, ReceivedRecord, Subscription } from './transport.js';

/**
 * Handles one event inside the consumer's transaction `tx` (the same one that records the event in the inbox):
 * write state with `tx` only. Throwing rolls everything back and the event is retried; throwing an
 * EVENT_MALFORMED AppError (for example from a definition's `decode`) dead-letters it at once.
 */
export type EventHandler = (event: EventEnvelope, tx: Transaction, record: ReceivedRecord) => Promise<void>;

/** One event of a batch, with the record it came in. */
export interface BatchItem {
  readonly event: EventEnvelope;
  readonly record: ReceivedRecord;
}

/**
 * Handles a batch of events inside ONE consumer transaction `tx` (the same one that records them all in the inbox):
 * only the events the inbox had not seen, in their partition's order. It must have the same effect as the per-event
 * handlers called one after the other. Throwing rolls the whole batch back; the consumer then handles the batch's
 * events one at a time with the per-event handlers (retries, dead letters), so a poison event is dead-lettered alone.
 */
export type BatchHandler = (items: readonly BatchItem[], tx: Transaction) => Promise<void>;

/** Options of {@link createConsumer}. */
export interface ConsumerOptions {
  transport: EventTransport;
  /** The consumer's database, with the inbox table in `schema` (see `inboxMigrations`). */
  db: Database;
  schema: string;
  group: string;
  topics: readonly string[];
  /** One handler per event type. */
  handlers: Readonly<Record<string, EventHandler>>;
  /**
   * Handle each fetched batch with this handler (one multi-row inbox claim, then this handler with the fresh events,
   * in one transaction) instead of calling the per-event handlers one after the other. Events still need a
   * per-event handler in `handlers` (they decide which types are handled, and handle the events one at a time when
   * a batch fails).
   */
  batchHandler?: BatchHandler;
  /**
   * Handle each fetched batch in ONE transaction (default true, ADR 018): one multi-row inbox claim, then the
   * per-event handlers one after the other (or `batchHandler`). With false, each event gets a transaction of its own
   * (the path before ADR 018; `batchHandler` is then not used).
   */
  batches?: boolean;
  /** Most events per batch transaction (default 500). */
  maxBatchSize?: number;
  /** Handler attempts before dead-lettering with HANDLER_FAILED (default 5). */
  maxAttempts?: number;
  /** Waits between handler attempts: doubled each time, capped (default 100 ms → 5 s). */
  backoff?: Backoff;
  /** Records larger than this (key + value + headers) are dead-lettered with EVENT_TOO_LARGE (default 1 MiB). */
  maxMessageBytes?: number;
  /**
   * The topics: subscribed topics must be registered (TOPIC_UNKNOWN otherwise), their dead-letter topics are
   * created at start, and an event type the topic does not list counts as unknown.
   */
  registry?: TopicRegistry;
  /** Dead-letter events of a type without handler (EVENT_UNKNOWN_TYPE) instead of ignoring them. */
  strictTypes?: boolean;
  /** Where a new group starts: the oldest record (default true: events are facts worth reading) or the end. */
  fromBeginning?: boolean;
  log?: Logger;
  /** Clock for `failed_at` of dead letters. */
  clock?: () => Date;
}

/** Counters since start. */
export interface ConsumerStats {
  /** Events whose handler committed. */
  handled: number;
  /** Batch transactions that committed (batch consumers). */
  batches: number;
  /** Batches whose handler failed, then handled one event at a time. */
  batchFallbacks: number;
  /** Redelivered events the inbox already had: skipped. */
  duplicates: number;
  /** Records moved to a dead-letter topic, all reasons. */
  deadLettered: number;
  /** Handler attempts that failed and were tried again. */
  retried: number;
  /** Events of a type without handler, skipped (without `strictTypes`). */
  ignored: number;
  /** Dead letters per reason. */
  deadLetteredBy: Partial<Record<ErrorCode, number>>;
}

/** A consumer group member that handles events exactly once in effect. */
export interface EventConsumer {
  /** Creates the dead-letter topics and joins the group. */
  start(): Promise<void>;
  /** Leaves the group after the record in hand (a back-off in progress is cut short; nothing is committed). */
  stop(): Promise<void>;
  stats(): ConsumerStats;
  /** The group's lag on its topics. */
  lag(): Promise<PartitionLag[]>;
}

/**
 * Creates a consumer. For each record, in partition order:
 * 1. larger than `maxMessageBytes` → dead letter EVENT_TOO_LARGE (without the value: the original stays on its
 *    topic at the recorded partition and offset);
 * 2. not a valid envelope (`fromKafkaRecord`) → dead letter EVENT_MALFORMED;
 * 3. a type without handler → ignored and counted, or with `strictTypes` dead letter EVENT_UNKNOWN_TYPE;
 * 4. in ONE transaction: insert (group, event id) into the inbox, and if it was new run the handler with the same
 *    transaction. A redelivered event finds its inbox row and changes nothing;
 * 5. a failing handler is retried with exponential back-off up to `maxAttempts`, then dead-lettered with
 *    HANDLER_FAILED and its message; the consumer then moves on.
 * By default (`batches`, ADR 018) step 4 takes a whole fetched batch (one partition's records, up to
 * `maxBatchSize`) in ONE transaction: one multi-row inbox insert, then each new event's handler in partition order.
 * When event k's handler throws, the batch rolls back, the events before k are handled again in one transaction,
 * event k goes on with step 5 (that failure was its first attempt) and the events after k follow as a batch: the
 * same attempts, retries and dead letters as one transaction per event (`batches: false`).
 * With `batchHandler`, the batch handler gets the batch's new events instead; a failing batch handler rolls the
 * batch back and its events go through steps 4–5 one at a time (a poison event is dead-lettered alone, the others
 * are handled).
 * Database outages are not the event's fault: the record is then not committed and is delivered again later.
 * A dead letter is a `DeadLetter` protobuf keyed like the original, with the original's `ce_*` headers and
 * `dlq_reason`, on `<topic>.dlq`.
 */
export function createConsumer(options: ConsumerOptions): EventConsumer {
  return new InboxConsumer(options);
}

/** A handler that decodes the body with the definition first (a body that does not decode is dead-lettered). */
export function eventHandler<T>(
  definition: EventDefinition<T>,
  fn: (data: T, event: EventEnvelope, tx: Transaction) => Promise<void>,
): EventHandler {
  return (event, tx) => fn(definition.decode(event), event, tx);
}

/** A record that screening passed, with its event and handler. */
type ScreenedItem = BatchItem & { handler: EventHandler };

/** Thrown inside the transaction when the handler failed, to tell it from a failure of the database. */
class HandlerFailure extends Error {
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
  }
}

class InboxConsumer implements EventConsumer {
  readonly #o: ConsumerOptions;
  readonly #log: Logger;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #maxBytes: number;
  readonly #clock: () => Date;
  readonly #stats: ConsumerStats = {
    handled: 0,
    batches: 0,
    batchFallbacks: 0,
    duplicates: 0,
    deadLettered: 0,
    retried: 0,
    ignored: 0,
    deadLetteredBy: {},
  };
  #subscription: Subscription | undefined;
  #unlist: (() => void) | undefined;

  constructor(options: ConsumerOptions) {
    this.#o = options;
    this.#log = (options.log ?? silentLogger()).child({ component: 'consumer', group: options.group });
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#backoff = options.backoff ?? { initialMs: 100, maxMs: 5_000 };
    this.#maxBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.#clock = options.clock ?? (() => new Date());
  }

  async start(): Promise<void> {
    if (this.#subscription) return;
    await this.#o.transport.ensureTopics(this.#o.topics.map((topic) => this.#deadLetterSpec(topic)));
    this.#subscription = await this.#o.transport.subscribe({
      group: this.#o.group,
      topics: this.#o.topics,
      fromBeginning: this.#o.fromBeginning ?? true,
      handle: (record, context) => this.#handle(record, context),
      ...(this.#o.batches !== false
        ? {
            handleBatch: (records: readonly ReceivedRecord[], context: DeliveryContext) =>
              this.#handleBatch(records, context),
            maxBatchSize: this.#o.maxBatchSize ?? 500,
          }
        : {}),
      onError: (err, record) =>
        this.#log.warn({ err: messageOf(err), ...(record ? origin(record) : {}) }, 'delivery failed; will retry'),
    });
    this.#unlist = addLiveConsumer({ db: this.#o.db, group: this.#o.group, schema: this.#o.schema, consumer: this });
  }

  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    this.#unlist?.();
    this.#unlist = undefined;
    await subscription?.stop();
  }

  stats(): ConsumerStats {
    return { ...this.#stats, deadLetteredBy: { ...this.#stats.deadLetteredBy } };
  }

  lag(): Promise<PartitionLag[]> {
    return this.#o.transport.lag(this.#o.group, this.#o.topics);
  }

  async #handle(record: ReceivedRecord, context: DeliveryContext): Promise<void> {
    const screened = await this.#screen(record);
    if (screened) await this.#attempt(record, screened.event, screened.handler, context);
  }

  /**
   * Steps 1–3 for one record: dead-letters or ignores what no handler will see, else returns the event and its
   * handler.
   */
  async #screen(record: ReceivedRecord): Promise<{ event: EventEnvelope; handler: EventHandler } | undefined> {
    const size = recordSize(record);
    if (size > this.#maxBytes) {
      const detail = `the record has ${size} bytes, more than the limit of ${this.#maxBytes}`;
      await this.#deadLetter(record, 'EVENT_TOO_LARGE', detail, 0, { dropValue: true });
      return undefined;
    }
    let event: EventEnvelope;
    try {
      event = fromKafkaRecord(record);
    } catch (err) {
      if (!isAppError(err, 'EVENT_MALFORMED')) throw err;
      await this.#deadLetter(record, 'EVENT_MALFORMED', err.message, 0);
      return undefined;
    }
    const handler = this.#handlerFor(record.topic, event.type);
    if (handler === undefined) {
      if (this.#o.strictTypes) {
        await this.#deadLetter(record, 'EVENT_UNKNOWN_TYPE', `no handler for type ${event.type}`, 0);
      } else {
        this.#stats.ignored++;
      }
      return undefined;
    }
    return { event, handler };
  }

  /**
   * A batch (one partition's records, in order): each record screened as in {@link #handle}, then ONE transaction:
   * the inbox claim of every event in one statement, and the batch handler with the events the inbox had not seen.
   * When the batch handler fails (not the database), the batch is rolled back and its events are handled one at a
   * time by the per-event path: each with its own transaction, retries and dead letter, so a poison event goes to
   * the dead-letter topic alone and the others are handled.
   */
  async #handleBatch(records: readonly ReceivedRecord[], context: DeliveryContext): Promise<void> {
    const items: ScreenedItem[] = [];
    for (const record of records) {
      const screened = await this.#screen(record);
      if (screened) items.push({ record, ...screened });
    }
    if (items.length === 0) return;
    const batchHandler = this.#o.batchHandler;
    if (!batchHandler) return this.#handleInOrder(items, context);
    try {
      const fresh = await this.#o.db.transaction(async (tx) => {
        const claimed = await claimInboxBatch(
          tx,
          this.#o.schema,
          this.#o.group,
          items.map((item) => ({ eventId: item.event.id, ...origin(item.record) })),
        );
        // the first copy of an id in the batch is handled; a later copy is a duplicate
        const batch = items.filter((item) => claimed.delete(item.event.id));
        if (batch.length === 0) return 0;
        const endSpans = traceEach(batch.map(tracedItem), 'consumer', this.#o.group);
        try {
          await batchHandler(
            batch.map(({ event, record }) => ({ event, record })),
            tx,
          );
          endSpans();
        } catch (err) {
          endSpans(err);
          throw new HandlerFailure(err);
        }
        return batch.length;
      });
      this.#stats.handled += fresh;
      this.#stats.duplicates += items.length - fresh;
      this.#stats.batches++;
    } catch (err) {
      if (!(err instanceof HandlerFailure) || isUnavailable(err.cause)) throw unwrap(err);
      this.#stats.batchFallbacks++;
      this.#log.debug(
        { ...origin(items[0]!.record), events: items.length, err: err.message },
        'batch handler failed; handling the batch one event at a time',
      );
      for (const item of items) {
        if (context.signal.aborted) throw new AppError('SHUTTING_DOWN', 'the consumer is stopping');
        await this.#attempt(item.record, item.event, item.handler, context);
      }
    }
  }

  /**
   * The default batch path (no `batchHandler`): ONE transaction claims the batch in the inbox and calls each fresh
   * event's handler in partition order. When the handler of event k fails, the transaction rolls back; the events
   * before k are handled again in one transaction (they had succeeded), event k goes on through the per-event path
   * with that failure as its first attempt (retries, back-off, dead letter: the same attempts as one transaction per
   * event), and the events after k follow as a batch. A failure of the database throws: the transport delivers the
   * batch again.
   */
  async #handleInOrder(items: readonly ScreenedItem[], context: DeliveryContext): Promise<void> {
    let rest = items;
    while (rest.length > 0) {
      let failedAt = -1;
      try {
        const batch = rest;
        const fresh = await this.#o.db.transaction(async (tx) => {
          const claimed = await claimInboxBatch(
            tx,
            this.#o.schema,
            this.#o.group,
            batch.map((item) => ({ eventId: item.event.id, ...origin(item.record) })),
          );
          let handled = 0;
          for (let i = 0; i < batch.length; i++) {
            const { event, handler, record } = batch[i]!;
            // the first copy of an id in the batch is handled; a later copy is a duplicate
            if (!claimed.delete(event.id)) continue;
            try {
              await this.#run(event, record, () => handler(event, tx, record));
            } catch (err) {
              failedAt = i;
              throw new HandlerFailure(err);
            }
            handled++;
          }
          return handled;
        });
        this.#stats.handled += fresh;
        this.#stats.duplicates += batch.length - fresh;
        this.#stats.batches++;
        return;
      } catch (err) {
        if (!(err instanceof HandlerFailure) || isUnavailable(err.cause) || failedAt < 0) throw unwrap(err);
        this.#stats.batchFallbacks++;
        const failed = rest[failedAt]!;
        this.#log.debug(
          { ...origin(failed.record), eventId: failed.event.id, events: rest.length, err: err.message },
          'handler failed in a batch; handling that event alone',
        );
        if (failedAt > 0) await this.#handleInOrder(rest.slice(0, failedAt), context);
        if (context.signal.aborted) throw new AppError('SHUTTING_DOWN', 'the consumer is stopping');
        await this.#attempt(failed.record, failed.event, failed.handler, context, err);
        rest = rest.slice(failedAt + 1);
      }
    }
  }

  /** One event's handler: with the event as the cause of what it writes, in a consumer span when tracing (ADR 035). */
  #run(event: EventEnvelope, record: ReceivedRecord, fn: () => Promise<void>): Promise<void> {
    return withCausation(event.id, () => traceHandler(event, record.topic, this.#o.group, fn));
  }

  #handlerFor(topic: string, type: string): EventHandler | undefined {
    if (!Object.hasOwn(this.#o.handlers, type)) return undefined;
    const spec = this.#o.registry?.has(topic) ? this.#o.registry.get(topic) : undefined;
    if (spec && spec.eventTypes.length > 0 && !spec.eventTypes.includes(type)) return undefined;
    return this.#o.handlers[type];
  }

  async #attempt(
    record: ReceivedRecord,
    event: EventEnvelope,
    handler: EventHandler,
    context: DeliveryContext,
    /** The handler's failure in a batch transaction, which then counts as the first attempt. */
    failedInBatch?: HandlerFailure,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt === 1 && failedInBatch) throw failedInBatch;
        const fresh = await this.#o.db.transaction(async (tx) => {
          if (!(await claimInbox(tx, this.#o.schema, this.#o.group, event.id, origin(record)))) return false;
          try {
            await this.#run(event, record, () => handler(event, tx, record));
          } catch (err) {
            throw new HandlerFailure(err);
          }
          return true;
        });
        if (fresh) this.#stats.handled++;
        else this.#stats.duplicates++;
        return;
      } catch (err) {
        // the database failed, not the handler: leave the record uncommitted, the transport delivers it again
        if (!(err instanceof HandlerFailure) || isUnavailable(err.cause)) throw unwrap(err);
        if (isAppError(err.cause, 'EVENT_MALFORMED')) {
          return await this.#deadLetter(record, 'EVENT_MALFORMED', err.message, attempt, { event });
        }
        if (attempt >= this.#maxAttempts) {
          return await this.#deadLetter(record, 'HANDLER_FAILED', err.message, attempt, { event });
        }
        this.#stats.retried++;
        this.#log.debug(
          { ...origin(record), eventId: event.id, attempt, err: err.message },
          'handler failed; retrying',
        );
        await sleepWithHeartbeat(backoffDelay(this.#backoff, attempt), context);
        if (context.signal.aborted) throw new AppError('SHUTTING_DOWN', 'the consumer is stopping');
      }
    }
  }

  async #deadLetter(
    record: ReceivedRecord,
    reason: ErrorCode,
    detail: string,
    attempts: number,
    extra: { dropValue?: boolean; event?: EventEnvelope } = {},
  ): Promise<void> {
    const topic = this.#deadLetterSpec(record.topic).name;
    const empty = Buffer.alloc(0);
    const letter = DeadLetter.fromPartial({
      originalTopic: record.topic,
      originalPartition: record.partition,
      originalOffset: record.offset,
      originalKey: record.key ?? empty,
      originalValue: extra.dropValue ? empty : (record.value ?? empty),
      originalHeaders: flatHeaders(record.headers),
      reason,
      detail: detail.slice(0, 4_000),
      attempts,
      consumerGroup: this.#o.group,
      failedAt: this.#clock().toISOString(),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.headers)) {
      if (name.startsWith('ce_') && typeof value === 'string') headers[name] = value;
    }
    Object.assign(headers, { 'content-type': 'application/protobuf', dlq_reason: reason, dlq_group: this.#o.group });
    await this.#o.transport.publish([{ topic, key: record.key, value: DeadLetter.encode(letter).finish(), headers }]);
    this.#stats.deadLettered++;
    this.#stats.deadLetteredBy[reason] = (this.#stats.deadLetteredBy[reason] ?? 0) + 1;
    this.#log.warn(
      { ...origin(record), reason, eventId: extra.event?.id, attempts, deadLetterTopic: topic },
      'dead-lettered',
    );
  }

  #deadLetterSpec(topic: string): TopicSpec {
    const registry = this.#o.registry;
    if (registry) return registry.deadLetterOf(topic);
    // without a registry the topic's shape is unknown: a one-partition dead-letter topic is enough for inspection
    return deadLetterTopic(defineTopic({ name: topic, partitions: 1, owner: this.#o.group, eventTypes: [] }));
  }
}

function tracedItem({ event, record }: BatchItem) {
  return { traceparent: event.traceparent, type: event.type, id: event.id, topic: record.topic };
}

function origin(record: ReceivedRecord): { topic: string; partition: number; offset: string } {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

function recordSize(record: ReceivedRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers)) {
    for (const v of typeof value === 'string' ? [value] : value) size += name.length + Buffer.byteLength(v);
  }
  return size;
}

function flatHeaders(headers: RecordHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = typeof value === 'string' ? value : value.join(',');
  return flat;
}

function isUnavailable(err: unknown): boolean {
  return isAppError(err, 'DB_UNAVAILABLE') || isConnectionError(err);
}

function unwrap(err: unknown): unknown {
  return err instanceof HandlerFailure ? err.cause : err;
}
