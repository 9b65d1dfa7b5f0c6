import { liveConsumers, liveOutboxes, outboxBacklog } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import type { Metrics, Sample } from './metrics.js';

/**
 * The event backbone's metrics of a host (ADR 035), read at scrape time from the relays and consumers running on
 * `db` in this process: nothing is counted per event.
 *
 * - `onceonly_outbox_pending_events{schema}`, `onceonly_outbox_oldest_pending_age_seconds{schema}`: one statement per
 *   outbox (`outboxBacklog`), shared by both;
 * - `onceonly_outbox_relay_leader{schema}` (1 while this process's relay holds the lease),
 *   `onceonly_outbox_relay_failures{schema}` (failed attempts in a row), `onceonly_outbox_published_total{schema}`;
 * - `onceonly_consumer_lag_records{group, topic, partition}`: the transport's lag (one admin call per group);
 * - `onceonly_consumer_events_total{group, outcome}` (handled, duplicate, retried, ignored) and
 *   `onceonly_consumer_dead_letters_total{group, reason}`: the consumers' own counters.
 *
 * Every replica of a service reports its schema's outbox: alert on `max by (schema)`.
 */
export function watchEventMetrics(metrics: Metrics, db: Database): void {
  const backlogs = metrics.perScrape(() =>
    Promise.all(liveOutboxes(db).map(async ({ schema }) => ({ schema, backlog: await outboxBacklog(db, schema) }))),
  );
  metrics.gaugeOnScrape({
    name: 'onceonly_outbox_pending_events',
    help: 'outbox rows the relay has not published yet',
    labelNames: ['schema'],
    read: async () => (await backlogs()).map(({ schema, backlog }) => ({ labels: { schema }, value: backlog.pending })),
  });
  metrics.gaugeOnScrape({
    name: 'onceonly_outbox_oldest_pending_age_seconds',
    help: 'age of the oldest unpublished outbox row (0 when none waits)',
    labelNames: ['schema'],
    read: async () => {
      const now = Date.now();
      return (await backlogs()).map(({ schema, backlog }) => ({
        labels: { schema },
        value: backlog.oldestCreatedAt === null ? 0 : Math.max(0, (now - backlog.oldestCreatedAt.getTime()) / 1000),
      }));
    },
  });
  const relays = (pick: (status: ReturnType<ReturnType<typeof liveOutboxes>[number]['relay']['status']>) => number) =>
    liveOutboxes(db).map(({ schema, relay }) => ({ labels: { schema }, value: pick(relay.status()) }));
  metrics.gaugeOnScrape({
    name: 'onceonly_outbox_relay_leader',
    help: "1 while this process's relay holds the schema's publishing lease",
    labelNames: ['schema'],
    read: () => relays((s) => (s.leader ? 1 : 0)),
  });
  metrics.gaugeOnScrape({
    name: 'onceonly_outbox_relay_failures',
    help: "the relay's failed publish attempts in a row (0 once one succeeds)",
    labelNames: ['schema'],
    read: () => relays((s) => s.consecutiveFailures),
  });
  metrics.counterOnScrape({
    name: 'onceonly_outbox_published_total',
    help: "events this process's relay published since it started",
    labelNames: ['schema'],
    read: () => relays((s) => s.published),
  });
  watchConsumers(metrics, db);
}

/** The reasons a consumer dead-letters a record for (see `createConsumer`). */
const ZERO_DEAD_LETTERS = { EVENT_MALFORMED: 0, EVENT_TOO_LARGE: 0, EVENT_UNKNOWN_TYPE: 0, HANDLER_FAILED: 0 };

function watchConsumers(metrics: Metrics, db: Database): void {
  metrics.gaugeOnScrape({
    name: 'onceonly_consumer_lag_records',
    help: "records published and not yet consumed by the group, per partition (the group's committed offset)",
    labelNames: ['group', 'topic', 'partition'],
    read: async () => {
      const groups = new Map(liveConsumers(db).map((c) => [c.group, c.consumer]));
      const samples: Sample[] = [];
      for (const [group, consumer] of groups) {
        for (const p of await consumer.lag()) {
          samples.push({ labels: { group, topic: p.topic, partition: p.partition }, value: p.lag });
        }
      }
      return samples;
    },
  });
  metrics.counterOnScrape({
    name: 'onceonly_consumer_events_total',
    help: "events this process's consumers handled, skipped as duplicates, retried or ignored, since start",
    labelNames: ['group', 'outcome'],
    read: () =>
      liveConsumers(db).flatMap(({ group, consumer }) => {
        const s = consumer.stats();
        return Object.entries({
          handled: s.handled,
          duplicate: s.duplicates,
          retried: s.retried,
          ignored: s.ignored,
        }).map(([outcome, value]) => ({ labels: { group, outcome }, value }));
      }),
  });
  metrics.counterOnScrape({
    name: 'onceonly_consumer_dead_letters_total',
    help: "records this process's consumers moved to a dead-letter topic since start, by reason",
    labelNames: ['group', 'reason'],
    read: () =>
      liveConsumers(db).flatMap(({ group, consumer }) =>
        // every reason the consumer uses is a series from the start (0), so that the first dead letter is an increase
        Object.entries({ ...ZERO_DEAD_LETTERS, ...consumer.stats().deadLetteredBy }).map(([reason, value]) => ({
          labels: { group, reason },
          value: value ?? 0,
        })),
      ),
  });
}
