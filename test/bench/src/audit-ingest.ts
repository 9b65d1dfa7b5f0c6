import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_GROUP, auditModule, createIngest, leafOf, migrateAudit } from '@onceonly/audit';
import {
  createConsumer,
  createKafkaTransport,
  type EventEnvelope,
  type TopicRegistry,
  withEventTables,
} from '@onceonly/events';
import { createLogger, type Logger } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { CompactRange, generateNoteKey, rootOf } from '@onceonly/merkle';
import { type Database, migrate } from '@onceonly/store';
import pino from 'pino';
import { AUDIT_BENCH_TYPE } from './audit-events.js';
import { countingDatabase } from './counting-database.js';
import { progress } from './progress.js';
import { nowMs } from './stats.js';

/** One append-rate measurement. */
export interface AppendRate {
  name: string;
  entries: number;
  /** From the consumer's start (group join included) until the last entry was committed. */
  seconds: number;
  perSecond: number;
  /**
   * From the first poll that saw committed entries to the last: the entries committed in between over that time
   * (the sustained rate, without the group join; the first batch's entries, committed before it, are not counted).
   */
  steadyPerSecond: number;
  /** SQL statements sent per entry (BEGIN and COMMIT included), counted on the measured code's pool. */
  statementsPerEntry: number;
  note: string;
}

/** The audit log's run, with what the suite needs afterwards (the replay checks the same log). */
export interface AuditIngestResult extends AppendRate {
  verifierKey: string;
  /** Seconds from the start until a signed checkpoint covered every entry. */
  checkpointSeconds: number;
  checks: {
    leaves: number;
    distinctIds: number;
    rootMatches: boolean;
    /** Holes still open, and repeats: 0 when every sequence arrived exactly once. */
    gapsOrRepeats: number;
    /** Holes opened while events of one source arrived out of order across partitions, then resolved. */
    holesResolved: number;
    checkpoints: number;
  };
}

const POLL_MS = 20;

/** Errors only, on stderr: the bench's stdout is the report. */
function benchLogger(service: string): Logger {
  return createLogger({ level: 'error', service, destination: pino.destination(2) });
}

/**
 * Polls `count` until it reaches `target`; returns the time and count of the first non-zero poll, and the time of
 * the target.
 */
async function waitForCount(
  label: string,
  target: number,
  count: () => Promise<number>,
  timeoutMs: number,
): Promise<{ first: number; firstCount: number; last: number }> {
  const bar = progress(label, target);
  const deadline = Date.now() + timeoutMs;
  let first = 0;
  let firstCount = 0;
  for (;;) {
    const n = await count();
    const at = nowMs();
    if (n > 0 && first === 0) {
      first = at;
      firstCount = n;
    }
    bar.update(n);
    if (n >= target) {
      bar.stop();
      return { first, firstCount, last: at };
    }
    if (Date.now() > deadline) {
      bar.stop();
      throw new Error(`${label}: ${n} of ${target} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function rate(
  name: string,
  entries: number,
  started: number,
  t: { first: number; firstCount: number; last: number },
  statements: number,
  note: string,
): AppendRate {
  return {
    name,
    entries,
    seconds: (t.last - started) / 1000,
    perSecond: entries / ((t.last - started) / 1000),
    steadyPerSecond: t.last > t.first ? (entries - t.firstCount) / ((t.last - t.first) / 1000) : Number.NaN,
    statementsPerEntry: statements / entries,
    note,
  };
}

/**
 * The baseline: the events library's consumer with a handler that does nothing, on the same topic (its own group,
 * from the beginning): each event is one PostgreSQL transaction with its inbox row. What the audit log adds is the
 * rest of its transaction.
 */
export async function inboxConsumerRate(options: {
  db: Database;
  brokers: string[];
  topic: string;
  group: string;
  events: number;
}): Promise<AppendRate> {
  const schema = 'bench_inbox';
  await migrate(options.db, { schema, migrations: withEventTables(schema, [], { inbox: true }) });
  const transport = await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-audit-inbox' });
  const counted = countingDatabase(options.db);
  const consumer = createConsumer({
    transport,
    db: counted,
    schema,
    group: options.group,
    topics: [options.topic],
    handlers: { [AUDIT_BENCH_TYPE]: async () => undefined },
    // the baseline as defined: one transaction per event (consumers batch by default since ADR 018)
    batches: false,
    fromBeginning: true,
    log: benchLogger('bench-inbox'),
  });
  const started = nowMs();
  try {
    await consumer.start();
    const t = await waitForCount(
      'inbox consumer (no-op)',
      options.events,
      async () => consumer.stats().handled,
      300_000,
    );
    return rate(
      'events library consumer, no-op handler (inbox row only)',
      options.events,
      started,
      t,
      counted.statements(),
      'one PostgreSQL transaction per event: the inbox insert',
    );
  } finally {
    await consumer.stop();
    await transport.close();
  }
}

/**
 * The audit log as the hub runs it (`startAudit`: its ingest consumer, checkpointer and relay; default policy, a
 * checkpoint every 1,000 entries or 10 s), reading the topic from the beginning. Timed from the start until the
 * tree head reaches `events.length`: every entry's leaf and interior nodes are then committed, so its inclusion
 * proof can be served. Then checks the log (each event once, root recomputed from the stored leaves, no open gap)
 * and stops the host (a last checkpoint is signed).
 */
export async function auditIngestRate(options: {
  db: Database;
  brokers: string[];
  registry: TopicRegistry;
  events: readonly EventEnvelope[];
}): Promise<AuditIngestResult> {
  const { db } = options;
  const n = options.events.length;
  const log = benchLogger('bench-audit');
  const key = generateNoteKey('onceonly.bench/audit');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  const transport = await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-audit' });
  await migrateAudit(db); // before the clock starts, as for the baseline; startAudit finds it done
  // the host's statements are counted (its start-up included); the bench's own polling below is not
  const counted = countingDatabase(db);
  const started = nowMs();
  let host: HostedModules | undefined;
  try {
    host = await hostModules({
      db: counted,
      transport,
      topics: options.registry,
      log,
      graceMs: 10_000,
      dataDir,
      env: { ONCEONLY_AUDIT_NOTE_KEY: key.signerKey },
      modules: [auditModule],
      deferServer: true,
    });
    const size = async () => {
      const { rows } = await db.query<{ size: string }>('SELECT size FROM audit.tree_head');
      return Number(rows[0]?.size ?? 0);
    };
    const t = await waitForCount('audit log ingest', n, size, 600_000);
    const signed = await waitForCount(
      'signed checkpoint',
      n,
      async () => {
        const { rows } = await db.query<{ size: string | null }>('SELECT max(size) AS size FROM audit.checkpoints');
        return Number(rows[0]?.size ?? 0);
      },
      30_000,
    );
    const statements = counted.statements();
    await host.stop('bench');
    const checks = await checkLog(db, options.events);
    return {
      ...rate(
        'audit log as the hub runs it (ingest, checkpointer, relay)',
        n,
        started,
        t,
        statements,
        'one transaction per fetched batch (ADR 011): inbox rows, head lock, leaves, nodes, head, chains, sequences',
      ),
      verifierKey: key.verifierKey,
      checkpointSeconds: (signed.last - started) / 1000,
      checks,
    };
  } finally {
    await host?.stop('bench');
    await transport.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The audit log's ingest consumer alone (no checkpointer, no relay), reading the topic from the beginning with a
 * group of its own into a fresh log: appending batches (ADR 011) or one event per transaction (as before), with or
 * without extending the subject chains (ADR 006's index; only the bench turns it off). Timed until the tree head
 * reaches `events`; statements counted on its pool.
 */
export async function ingestOnlyRate(options: {
  db: Database;
  brokers: string[];
  topic: string;
  events: number;
  batches: boolean;
  subjectChains: boolean;
}): Promise<AppendRate> {
  const { db } = options;
  await migrateAudit(db);
  const counted = countingDatabase(db);
  const transport = await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-audit-ingest' });
  const consumer = createIngest({
    db: counted,
    transport,
    topics: [options.topic],
    group: `${AUDIT_GROUP}-${options.batches ? 'batch' : 'event'}-${options.subjectChains ? 'chains' : 'nochains'}`,
    clock: () => new Date(),
    log: benchLogger('bench-audit-ingest'),
    batches: options.batches,
    subjectChains: options.subjectChains,
  });
  const label = `${options.batches ? 'batches' : 'one event per transaction'}, ${options.subjectChains ? 'with' : 'without'} subject chains`;
  const started = nowMs();
  try {
    await consumer.start();
    const size = async () => {
      const { rows } = await db.query<{ size: string }>('SELECT size FROM audit.tree_head');
      return Number(rows[0]?.size ?? 0);
    };
    const t = await waitForCount(`audit ingest only: ${label}`, options.events, size, 600_000);
    return rate(
      `audit ingest consumer alone: ${label}`,
      options.events,
      started,
      t,
      counted.statements(),
      options.subjectChains ? 'no checkpointer, no relay' : 'no checkpointer, no relay; the subject index left out',
    );
  } finally {
    await consumer.stop();
    await transport.close();
  }
}

async function checkLog(db: Database, events: readonly EventEnvelope[]): Promise<AuditIngestResult['checks']> {
  const { rows } = await db.query<{ event_id: string; leaf_hash: Uint8Array }>(
    'SELECT event_id, leaf_hash FROM audit.leaves ORDER BY leaf_index',
  );
  const head = await db.query<{ root: Uint8Array }>('SELECT root FROM audit.tree_head');
  const expected = new Map(events.map((e) => [e.id, Buffer.from(leafOf(e).hash).toString('hex')]));
  const everyLeafKnown = rows.every((r) => expected.get(r.event_id) === Buffer.from(r.leaf_hash).toString('hex'));
  const stats = await db.query<{ gaps: number; resolved: number; checkpoints: number }>(
    `SELECT (SELECT count(*)::int FROM audit.gaps WHERE kind = 'gap' AND resolved_at IS NULL) +
            (SELECT count(*)::int FROM audit.gaps WHERE kind = 'repeat') AS gaps,
            (SELECT count(*)::int FROM audit.gaps WHERE kind = 'gap' AND resolved_at IS NOT NULL) AS resolved,
            (SELECT count(*)::int FROM audit.checkpoints) AS checkpoints`,
  );
  return {
    leaves: rows.length,
    distinctIds: new Set(rows.map((r) => r.event_id)).size,
    rootMatches:
      everyLeafKnown &&
      Buffer.from(rootOf(rows.map((r) => r.leaf_hash))).equals(Buffer.from(head.rows[0]?.root ?? new Uint8Array())),
    gapsOrRepeats: stats.rows[0]?.gaps ?? -1,
    holesResolved: stats.rows[0]?.resolved ?? 0,
    checkpoints: stats.rows[0]?.checkpoints ?? 0,
  };
}

/**
 * The pure ceilings, in memory: libs/merkle's CompactRange appending the events' leaf hashes (what the log's
 * appends hash), and the same with the canonical leaf encoding and hashing (`leafOf`) first. Repeated until at
 * least half a second has passed, so that small counts still time well.
 */
export function inMemoryRates(events: readonly EventEnvelope[]): { compactRange: number; leafOfAndRange: number } {
  const hashes = events.map((e) => leafOf(e).hash);
  const measure = (fn: () => void) => {
    let rounds = 0;
    const started = performance.now();
    do {
      fn();
      rounds++;
    } while (performance.now() - started < 500);
    return (rounds * events.length) / ((performance.now() - started) / 1000);
  };
  return {
    compactRange: measure(() => {
      const range = CompactRange.empty();
      for (const h of hashes) range.append(h);
    }),
    leafOfAndRange: measure(() => {
      const range = CompactRange.empty();
      for (const e of events) range.append(leafOf(e).hash);
    }),
  };
}
