import {
  createConsumer,
  type EventConsumer,
  type EventEnvelope,
  type EventHandler,
  type EventTransport,
  type TopicRegistry,
} from '@onceonly/events';
import type { Logger } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import { type AppendOutcome, appendEvent } from '../../app/append-event.js';
import { AUDIT_SCHEMA, appendPort } from '../db/audit-store.js';

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
  /** Told after each append, inside the transaction (the checkpointer counts entries). */
  readonly onAppended?: (outcome: AppendOutcome & { appended: true }, event: EventEnvelope) => void;
}

/**
 * The consumer that appends every event of the audited topics, one leaf per event, in the consumer's transaction:
 * the inbox row and the leaf commit together, so a redelivered event adds nothing (and `event_id` is unique too).
 * Every event type is taken, declared by its topic or not: the log records what was on the bus.
 */
export function createIngest(options: IngestOptions): EventConsumer {
  const log = options.log.child({ component: 'audit-ingest' });
  const handle: EventHandler = async (event, tx, record) => {
    const outcome = await appendEvent(
      appendPort(tx),
      event,
      { topic: record.topic, partition: record.partition, offset: record.offset },
      options.clock(),
    );
    if (!outcome.appended) return;
    if (outcome.arrival.kind === 'repeat') {
      log.warn({ source: event.source, sequence: event.sequence, eventId: event.id }, 'sequence number repeated');
    } else if (outcome.arrival.kind === 'ahead' && outcome.arrival.gap) {
      const { expected, got } = outcome.arrival.gap;
      log.debug({ source: event.source, expected: String(expected), got: String(got) }, 'sequence hole opened');
    }
    options.onAppended?.(outcome, event);
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
