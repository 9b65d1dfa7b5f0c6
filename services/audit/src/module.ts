import { auditV1 } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { ensureTopics, startOutboxRelay, withEventTables } from '@onceonly/events';
import type { ServiceContext, ServiceModule } from '@onceonly/kit';
import type { ParsedSignerKey } from '@onceonly/merkle';
import { type Database, loadMigrations, migrate } from '@onceonly/store';
import { watchAuditMetrics } from './adapters/db/audit-metrics.js';
import { AUDIT_SCHEMA, checkpointStore, LatestCheckpoint, logReader, UpperNodes } from './adapters/db/audit-store.js';
import { backfillSubjectChains, subjectMapClaim } from './adapters/db/subject-map-store.js';
import { checkpointTx } from './adapters/events/checkpoint-tx.js';
import { auditedTopics, createIngest } from './adapters/events/ingest.js';
import { outboxReadLog } from './adapters/events/read-events.js';
import { auditService } from './adapters/grpc/audit-service.js';
import { replayStreams } from './adapters/grpc/replay-streams.js';
import { loadNoteSigner, parsePreviousSigner, parseWitnessKeys } from './adapters/keys.js';
import { Checkpointer, type KeyRotation } from './app/checkpointer.js';
import { AUDIT_CONFIG, loadAuditConfig } from './config.js';
import type { CheckpointPolicy } from './domain/checkpoint-policy.js';
import { rotationAtStart } from './domain/key-rotation.js';
import { CHECKPOINT_TOPIC, readsTopic } from './topics.js';

/** The audit schema's migrations: the log's tables, the outbox (checkpoint events) and the inbox (ingest). */
export async function auditMigrations() {
  const own = await loadMigrations(new URL('../migrations/', import.meta.url));
  return withEventTables(AUDIT_SCHEMA, own);
}

/**
 * Migrates the audit schema; a log that had leaves before the subject map (migration 002) gets its subject chains
 * rebuilt once, before anything appends again.
 */
export async function migrateAudit(db: Database): Promise<void> {
  await migrate(db, { schema: AUDIT_SCHEMA, migrations: await auditMigrations() });
  await backfillSubjectChains(db);
}

/**
 * Records the log's key, or, when ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY is set and is the log's current key, returns the
 * rotation the checkpointer announces (the new key is recorded with the announcing checkpoint). A log's first key
 * signs from size 0.
 */
async function keyRotation(
  db: Database,
  signer: ParsedSignerKey,
  origin: string,
  previousKey: string | undefined,
): Promise<KeyRotation | undefined> {
  const previous = parsePreviousSigner(previousKey, origin);
  const logKeys = (await checkpointStore.keys(db)).map((k) => k.verifierKey);
  const decision = rotationAtStart(logKeys, signer.verifierKey, previous?.verifierKey);
  if (decision === 'previous-not-current') {
    throw new AppError(
      'CONFIG_INVALID',
      "ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: not the log's current key, so it cannot announce the new one",
    );
  }
  if (decision === 'announce' && previous) return { previous, verifierKey: signer.verifierKey };
  await checkpointStore.recordKey(db, signer.verifierKey, origin, logKeys.length === 0 ? 0 : undefined);
  return undefined;
}

/** What a running audit log exposes to its host (and to tests). */
export interface RunningAudit {
  readonly origin: string;
  readonly verifierKey: string;
  readonly topics: readonly string[];
  readonly checkpointer: Checkpointer;
}

/**
 * The audit log as a service module. In `start`: loads its configuration and key (fail fast), migrates the `audit`
 * schema, registers and creates its checkpoint topic, starts the outbox relay, the checkpointer and the consumer of
 * every `onceonly.*` topic registered before it (so the hub starts it last), and adds AuditService to the server.
 * Stop hooks: the consumer stops first, then the checkpointer signs a last checkpoint, then the relay flushes.
 */
export const auditModule: ServiceModule = {
  name: 'audit',
  config: AUDIT_CONFIG,
  // the reads topic under its default name (ONCEONLY_AUDIT_READS_TOPIC renames it, in the log's own process only)
  topics: [CHECKPOINT_TOPIC, readsTopic()],
  async start(ctx: ServiceContext): Promise<void> {
    await startAudit(ctx);
  },
};

/** Starts the audit log in a host; returns what it runs (see {@link auditModule}). */
export async function startAudit(ctx: ServiceContext): Promise<RunningAudit> {
  const config = loadAuditConfig(ctx.env);
  const { signer, origin } = await loadNoteSigner({
    mode: ctx.mode,
    dataDir: ctx.dataDir,
    key: config.ONCEONLY_AUDIT_NOTE_KEY,
    origin: config.ONCEONLY_AUDIT_ORIGIN,
    log: ctx.log,
  });
  const witnesses = parseWitnessKeys(config.ONCEONLY_AUDIT_WITNESS_KEYS);
  const policy: CheckpointPolicy = {
    everyEntries: config.ONCEONLY_AUDIT_CHECKPOINT_ENTRIES,
    everyMs: config.ONCEONLY_AUDIT_CHECKPOINT_MS,
  };
  const { db, transport, log, clock } = ctx;
  await migrateAudit(db);
  ctx.topics.register(CHECKPOINT_TOPIC);
  // registered before the audited topics are listed: the log reads its records of reads back
  const reads = readsTopic(config.ONCEONLY_AUDIT_READS_TOPIC);
  ctx.topics.register(reads);
  await ensureTopics(transport, ctx.topics);
  const topics = auditedTopics(ctx.topics, [CHECKPOINT_TOPIC.name]);
  await checkpointStore.recordTopics(db, topics);
  const rotation = await keyRotation(db, signer, origin, config.ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY);

  const relay = startOutboxRelay({
    db,
    schema: AUDIT_SCHEMA,
    transport,
    log,
    lifecycle: ctx.lifecycle,
    name: 'audit relay',
  });

  const checkpointer = new Checkpointer({
    origin,
    signer,
    ...(rotation ? { rotation } : {}),
    policy,
    clock,
    log,
    transaction: (fn) => db.transaction((tx) => fn(checkpointTx(tx, origin))),
    onSigned: () => relay.kick(),
    onTick: async () => {
      for (const gap of await checkpointStore.claimStaleGaps(db, config.ONCEONLY_AUDIT_GAP_GRACE_MS, clock())) {
        log.warn(
          {
            source: gap.source,
            missingFrom: String(gap.expected),
            missingTo: String(gap.got - 1n),
            eventId: gap.eventId,
          },
          'sequence gap still open: events of this source never reached the audit log',
        );
      }
    },
  });
  await checkpointer.start();
  ctx.lifecycle.onStop('audit checkpointer', () => checkpointer.stop());

  const ingest = createIngest({
    group: config.ONCEONLY_AUDIT_GROUP,
    db,
    transport,
    topics,
    clock,
    log,
    onAppended: (outcome) => checkpointer.appended(outcome.size),
  });
  await ingest.start();
  ctx.lifecycle.onStop('audit consumer', () => ingest.stop());
  watchAuditMetrics(ctx.metrics, db, clock);

  // until the rotation is announced, the latest checkpoint is signed by the previous key only: name that one
  const current = () => (checkpointer.rotationPending && rotation ? rotation.previous : signer).verifierKey;
  // the tree's upper levels in memory for proofs (ADR 013): complete nodes never change, so it is only extended;
  // the latest checkpoint too (ADR 016), checked against the database in the statement that reads each entry
  const reader = logReader(db, new UpperNodes(), new LatestCheckpoint());
  const readLog = outboxReadLog(db, reads.name, () => relay.kick());
  ctx.server.addService(auditV1.AuditServiceService, {
    ...auditService({
      reader,
      storeCosignature: (size, c, at) => checkpointStore.addCosignature(db, size, c, at),
      witnesses,
      origin,
      get verifierKey() {
        return current();
      },
      logKeys: async () => (await checkpointStore.keys(db)).map((k) => k.verifierKey),
      topics,
      policy,
      clock,
      reads: readLog,
      maps: { claim: (subject, size) => subjectMapClaim(db, subject, size) },
    }),
    ...replayStreams({
      logGroup: config.ONCEONLY_AUDIT_GROUP,
      reader,
      transport,
      topics,
      origin,
      verifierKey: signer.verifierKey,
      reads: readLog,
      clock,
    }),
  });
  log.info({ origin, verifierKey: signer.verifierKey, topics }, 'audit log started');
  return { origin, verifierKey: signer.verifierKey, topics, checkpointer };
}
