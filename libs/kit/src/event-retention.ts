import {
  type EventTableSchemas,
  type InboxTopicStatus,
  inboxRetention,
  inboxRetentionStatus,
  liveConsumers,
  liveOutboxes,
  type OutboxSourceStatus,
  outboxRetentionStatus,
  pruneInbox,
  pruneOutbox,
  type TopicRegistry,
} from '@onceonly/events';
import type { Database, Queryable } from '@onceonly/store';
import { duration } from './config.js';
import type { Metrics } from './metrics.js';
import { startPeriodic } from './periodic.js';
import type { ServiceContext } from './service-module.js';

/** The variables of the event retention (ADR 047): a host adds them to its configuration schema. */
export const RETENTION_CONFIG = {
  ONCEONLY_OUTBOX_RETENTION: duration({
    default: '7d',
    doc: 'delete published outbox rows older than this (0/off: keep them); unpublished rows are never deleted (ADR 047)',
  }),
  ONCEONLY_INBOX_RETENTION: duration({
    default: '7d',
    doc: "delete inbox rows older than this and than their topic's retention + 8d (rows of topics kept for ever: never; 0/off: keep all) (ADR 047)",
  }),
  ONCEONLY_RETENTION_INTERVAL: duration({
    default: '1h',
    doc: 'how often the outbox and inbox retention runs, one pass at a time, first at start (0/off: never)',
  }),
} as const;

/** Options of {@link startEventRetention}. */
export interface EventRetentionOptions {
  readonly db: Database;
  /** Every topic the process knows: an inbox row is kept at least as long as its topic's records. */
  readonly topics: TopicRegistry;
  /** Published outbox rows older than this are deleted; 0 keeps them. */
  readonly outboxMs: number;
  /** Inbox rows older than this (and than their topic's retention, see `inboxKeepMs`) are deleted; 0 keeps them. */
  readonly inboxMs: number;
  /** How often a pass runs; 0 runs none. */
  readonly intervalMs: number;
  readonly metrics?: Metrics;
  /** Rows per DELETE statement (default `PRUNE_BATCH_ROWS`, 1,000). */
  readonly batchSize?: number;
}

/** What one pass deleted, per schema: published outbox rows and inbox rows. */
export interface RetentionPass {
  readonly outbox: Record<string, number>;
  readonly inbox: Record<string, number>;
  readonly ms: number;
}

/**
 * Runs the retention of every outbox and inbox of `db` in this process on a timer (ADR 047): the schemas of the
 * relays and consumers running when the pass starts (`liveOutboxes`, `liveConsumers`), so a service needs nothing of
 * its own. Each pass deletes, schema after schema, in batches of autocommitted statements, the published outbox rows
 * older than `outboxMs` and the inbox rows older than `inboxMs` and than their topic's retention (so that a
 * duplicate still on the bus is still dropped); it logs one line with the counts per schema and adds them to
 * `onceonly_retention_deleted_rows_total{schema, table}`. Every replica runs it: two passes at once delete each row
 * once. At stop the pass in progress ends after its current batch.
 */
export function startEventRetention(
  ctx: Pick<ServiceContext, 'log' | 'lifecycle'>,
  options: EventRetentionOptions,
): void {
  if (options.intervalMs === 0 || (options.outboxMs === 0 && options.inboxMs === 0)) {
    ctx.log.info('event retention is off: outbox and inbox rows are kept');
    return;
  }
  const deleted = options.metrics?.counter({
    name: 'onceonly_retention_deleted_rows_total',
    help: 'outbox and inbox rows the retention deleted since start, by schema and table',
    labelNames: ['schema', 'table'],
  });
  let lastPass = Number.NaN;
  options.metrics?.gaugeOnScrape({
    name: 'onceonly_retention_last_pass_timestamp_seconds',
    help: 'when the last retention pass ended (Unix seconds; NaN before the first)',
    read: () => lastPass,
  });
  startPeriodic(ctx, 'event retention', options.intervalMs, async (signal) => {
    const pass = await runRetentionPass(options, signal);
    for (const [table, counts] of [
      ['outbox', pass.outbox],
      ['inbox', pass.inbox],
    ] as const) {
      for (const [schema, n] of Object.entries(counts)) deleted?.inc({ schema, table }, n);
    }
    lastPass = Date.now() / 1000;
    ctx.log.info({ deleted: { outbox: pass.outbox, inbox: pass.inbox }, ms: pass.ms }, 'event retention pass');
  });
}

/** Rows one pass has deleted so far from one table (for a command's progress). */
export interface RetentionProgress {
  readonly table: 'outbox' | 'inbox';
  readonly schema: string;
  readonly deleted: number;
}

/** Options of {@link runRetentionPass}. */
export interface RetentionPassOptions
  extends Pick<EventRetentionOptions, 'db' | 'topics' | 'outboxMs' | 'inboxMs' | 'batchSize'> {
  /** The outboxes and inboxes to prune (default: those of the relays and consumers running in this process). */
  readonly schemas?: EventTableSchemas;
  /** Called after each batch. */
  readonly onProgress?: (progress: RetentionProgress) => void;
}

/** The event tables a pass or a status covers: `schemas`, else those of this process's relays and consumers. */
function schemasOf(db: Database, schemas: EventTableSchemas | undefined): EventTableSchemas {
  return (
    schemas ?? {
      outboxes: [...new Set(liveOutboxes(db).map((o) => o.schema))],
      inboxes: [...new Set(liveConsumers(db).map((c) => c.schema))],
    }
  );
}

/**
 * One retention pass over the outboxes and inboxes of `options.db` (see {@link startEventRetention}); stops between
 * batches once `signal` is aborted. For `onceonly retention run` and tests; hosts use the timer.
 */
export async function runRetentionPass(options: RetentionPassOptions, signal?: AbortSignal): Promise<RetentionPass> {
  const started = performance.now();
  const { db, onProgress } = options;
  const { outboxes, inboxes } = schemasOf(db, options.schemas);
  const prune = (table: RetentionProgress['table'], schema: string) => ({
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress: (deleted: number) => onProgress({ table, schema, deleted }) } : {}),
  });
  const outbox: Record<string, number> = {};
  const inbox: Record<string, number> = {};
  if (options.outboxMs > 0) {
    for (const schema of outboxes) {
      if (signal?.aborted) break;
      outbox[schema] = await pruneOutbox(db, schema, options.outboxMs, prune('outbox', schema));
    }
  }
  if (options.inboxMs > 0) {
    const keep = inboxRetention(options.topics.all(), options.inboxMs);
    for (const schema of inboxes) {
      if (signal?.aborted) break;
      inbox[schema] = await pruneInbox(db, schema, keep, prune('inbox', schema));
    }
  }
  return { outbox, inbox, ms: Math.round(performance.now() - started) };
}

/** What {@link retentionStatus} finds: per schema, the outbox's sources and the inbox's topics. */
export interface RetentionStatus {
  readonly outboxes: { readonly schema: string; readonly sources: OutboxSourceStatus[] }[];
  readonly inboxes: { readonly schema: string; readonly topics: InboxTopicStatus[] }[];
}

/**
 * What a pass with these settings would find now in each outbox and inbox of `schemas`: rows, published and not,
 * the oldest, and what it would delete (nothing for a table whose retention is 0). One read of each table, through
 * `db` (a read-only transaction for `onceonly retention status`); writes nothing.
 */
export async function retentionStatus(
  db: Queryable,
  options: Pick<EventRetentionOptions, 'topics' | 'outboxMs' | 'inboxMs'> & { readonly schemas: EventTableSchemas },
): Promise<RetentionStatus> {
  const keep = options.inboxMs > 0 ? inboxRetention(options.topics.all(), options.inboxMs) : [];
  const outboxes: RetentionStatus['outboxes'] = [];
  for (const schema of options.schemas.outboxes) {
    outboxes.push({ schema, sources: await outboxRetentionStatus(db, schema, options.outboxMs) });
  }
  const inboxes: RetentionStatus['inboxes'] = [];
  for (const schema of options.schemas.inboxes) {
    inboxes.push({ schema, topics: await inboxRetentionStatus(db, schema, keep) });
  }
  return { outboxes, inboxes };
}
