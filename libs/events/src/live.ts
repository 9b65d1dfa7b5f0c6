import type { Database } from '@onceonly/store';
import type { EventConsumer } from './consumer.js';
import type { Relay } from './relay.js';

/**
 * The outbox relays and consumers running in this process, for a host's metrics (ADR 035): the kit reads their
 * backlog, lag and counters when Prometheus scrapes, so nothing is counted per event and no service wires metrics
 * of its own; its retention pass (ADR 047) finds the outboxes and inboxes to prune here. `startOutboxRelay` and `createConsumer` add themselves; stopping removes them.
 */

/** A running outbox relay and where its outbox is. */
export interface LiveOutbox {
  readonly db: Database;
  readonly schema: string;
  readonly relay: Relay;
}

/** A running consumer, its group and the schema of its inbox. */
export interface LiveConsumer {
  readonly db: Database;
  readonly group: string;
  readonly schema: string;
  readonly consumer: EventConsumer;
}

const outboxes = new Set<LiveOutbox>();
const consumers = new Set<LiveConsumer>();

/** Every outbox relay started with `startOutboxRelay` and not stopped, on `db` when given. */
export function liveOutboxes(db?: Database): LiveOutbox[] {
  return [...outboxes].filter((o) => db === undefined || o.db === db);
}

/** Every consumer started and not stopped, on `db` when given. */
export function liveConsumers(db?: Database): LiveConsumer[] {
  return [...consumers].filter((c) => db === undefined || c.db === db);
}

/** @internal Adds a relay; returns the function that removes it. */
export function addLiveOutbox(outbox: LiveOutbox): () => void {
  outboxes.add(outbox);
  return () => outboxes.delete(outbox);
}

/** @internal Adds a consumer; returns the function that removes it. */
export function addLiveConsumer(consumer: LiveConsumer): () => void {
  consumers.add(consumer);
  return () => consumers.delete(consumer);
}
