import {
  type BatchHandler,
  createConsumer,
  type EventConsumer,
  type EventEnvelope,
  type EventHandler,
  type EventTransport,
  type TopicRegistry,
} from '@onceonly/events';
import type { Logger } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import { type AppendOutcome, appendEvent, appendEvents } from '../../app/append-event.js';
import type { SequenceArrival } from '../../domain/sequences.js';
import { AUDIT_SCHEMA, appendPort, batchAppendPort } from '../db/audit-store.js';

/** The audit log's consumer group. */
export const AUDIT_GROUP = 'onceonly-audit';

/**
 * The topics the log reads: every registered `onceonly.*` topic except dead-letter topics (their records are copies
 * of events already on the original topic, re-keyed by a consumer that failed them, not facts of their own) and the
 * log's own checkpoint topic (reading it would feed back: each checkpoint would add a leaf and call for another).
 */
export function auditedTopics(registry: TopicRegistry, exclude: readonly string[]): string[] {
  return registry
    .all()
    .filter((t) => t.name.startsWith('onceonly.') && t.deadLetterOf === undefined && !exclude.includes(t.name))
    .map((t) => t.name);
}

/** Options of {@link createIngest}. */
export interface IngestOptions {
  readonly db: Database;
  readonly transport: EventTransport;
  readonly topics: readonly string[];
  readonly clock: () => Date;
  readonly log: Logger;
  readonly group?: string;
  /**
   * Told after each append, inside the transaction, with the tree's size after it (the checkpointer counts
   * entries). A batch tells it once, with its last entry.
   */
  readonly onAppended?: (outcome: AppendOutcome & { appended: true }, event: EventEnvelope) => void;
  /**
   * Append each fetched batch in one transaction (default true, ADR 011); false: one transaction per event, as
   * before (kept for the benchmark's comparison).
   */
  readonly batches?: boolean;
  /** Most events per batch transaction (default 500). */
  readonly maxBatchSize?: number;
  /**
   * Extend the subject chains (default true). Only the benchmark turns it off, to measure the subject index's
   * cost, with no checkpointer: chains that do not match the tree must never be signed into a subject map.
   */
  readonly subjectChains?: boolean;
}

/**
 * The consumer that appends every event of the audited topics, one leaf per event, in the consumer's transaction:
 * the inbox rows and the leaves commit together, so a redelivered event adds nothing (and `event_id` is unique
 * too). Each fetched batch is appended in one transaction under one lock of the tree head (ADR 011); when that
 * fails, the consumer appends the batch's events one at a time, and dead-letters alone one it cannot append.
 * Every event type is taken, declared by its topic or not: the log records what was on the bus.
 */
export function createIngest(options: IngestOptions): EventConsumer {
  const log = options.log.child({ component: 'audit-ingest' });
  const subjectChains = options.subjectChains ?? true;
  const told = (event: EventEnvelope, arrival: SequenceArrival) => {
    if (arrival.kind === 'repeat') {
      log.warn({ source: event.source, sequence: event.sequence, eventId: event.id }, 'sequence number repeated');
    } else if (arrival.kind === 'ahead' && arrival.gap) {
      const { expected, got } = arrival.gap;
      log.debug({ source: event.source, expected: String(expected), got: String(got) }, 'sequence hole opened');
    }
  };
  const handle: EventHandler = async (event, tx, record) => {
    const from = { topic: record.topic, partition: record.partition, offset: record.offset };
    const outcome = subjectChains
      ? await appendEvent(appendPort(tx), event, from, options.clock())
      : await appendEvents(batchAppendPort(tx), [{ event, from }], options.clock(), { subjectChains }).then(
          (batch): AppendOutcome =>
            batch.appended[0]
              ? {
                  appended: true,
                  leafIndex: batch.appended[0].leafIndex,
                  size: batch.size,
                  arrival: batch.appended[0].arrival,
                }
              : { appended: false },
        );
    if (!outcome.appended) return;
    told(event, outcome.arrival);
    options.onAppended?.(outcome, event);
  };
  const handleBatch: BatchHandler = async (items, tx) => {
    const batch = await appendEvents(
      batchAppendPort(tx),
      items.map(({ event, record }) => ({
        event,
        from: { topic: record.topic, partition: record.partition, offset: record.offset },
      })),
      options.clock(),
      { subjectChains },
    );
    for (const { event, arrival } of batch.appended) told(event, arrival);
    const last = batch.appended[batch.appended.length - 1];
    if (last) {
      options.onAppended?.(
        { appended: true, leafIndex: last.leafIndex, size: batch.size, arrival: last.arrival },
        last.event,
      );
    }
  };
  return createConsumer({
    transport: options.transport,
    db: options.db,
    schema: AUDIT_SCHEMA,
    group: options.group ?? AUDIT_GROUP,
    topics: options.topics,
    // The consumer dispatches by event type; the audit log takes every type, so every name maps to one handler.
    // No registry is passed, because with one the consumer ignores types a topic does not declare.
    handlers: everyType(handle),
    ...(options.batches === false
      ? { batches: false }
      : { batchHandler: handleBatch, maxBatchSize: options.maxBatchSize ?? 500 }),
    fromBeginning: true,
    // an event the log cannot append is retried for about ten minutes before the consumer dead-letters it (it then
    // shows as a sequence gap): an audit log would rather wait out a fault than move on
    maxAttempts: 25,
    backoff: { initialMs: 200, maxMs: 30_000 },
    log: options.log,
    clock: options.clock,
  });
}

function everyType(handler: EventHandler): Readonly<Record<string, EventHandler>> {
  return new Proxy(Object.create(null) as Record<string, EventHandler>, {
    get: () => handler,
    has: () => true,
    getOwnPropertyDescriptor: () => ({ value: handler, writable: false, enumerable: true, configurable: true }),
  });
}
