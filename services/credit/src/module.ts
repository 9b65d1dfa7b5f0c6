import { randomUUID } from 'node:crypto';
import { creditV1, inspectionV1 } from '@onceonly/contracts';
import { ensureTopics, startOutboxRelay, withEventTables } from '@onceonly/events';
import { hashCitizenId } from '@onceonly/ids';
import {
  bool,
  HOLDER_HASH_KEY_VARIABLE,
  holderHashKey,
  int,
  loadConfig,
  peerCredentials,
  peerTlsConfig,
  type ServiceContext,
  type ServiceModule,
  startPeriodic,
  startWhenTopicExists,
  str,
} from '@onceonly/kit';
import { type Database, loadMigrations, migrate } from '@onceonly/store';
import { loadServiceCalendar, WORKDAYS_DIR_DOC } from '@onceonly/workdays/files';
import { type AuditChannel, askLogKey, grpcAuditProofs, logKeyOf } from './adapters/audit/audit-log.js';
import { sqlCommitmentStore } from './adapters/db/commitments.js';
import { sqlInspectionStore } from './adapters/db/inspection-store.js';
import { CREDIT_SCHEMA, sqlCreditStore, sqlIdempotencyStore } from './adapters/db/stores.js';
import { checkpointConsumer } from './adapters/events/checkpoints.js';
import { sqlInspectionOutbox } from './adapters/events/inspection-outbox.js';
import { licenceConsumer } from './adapters/events/licence-consumer.js';
import { sqlCreditOutbox } from './adapters/events/outbox.js';
import { creditHandlers } from './adapters/grpc/credit-service.js';
import { inspectionHandlers } from './adapters/grpc/inspection-service.js';
import { resultRecords } from './app/inspection-records.js';
import type { InspectionDeps, LogKey, ResultRecords } from './app/inspections.js';
import type { CreditDeps } from './app/ports.js';
import { sweepGrades, sweepOverdueCommitments } from './app/sweep.js';
import { AUDIT_CHECKPOINTS, CREDIT_TOPIC, INSPECTION_TOPIC } from './topics.js';

/** The variables this module reads. */
export const CREDIT_CONFIG = {
  ONCEONLY_HOLDER_HASH_KEY: HOLDER_HASH_KEY_VARIABLE,
  ONCEONLY_WORKDAYS_DIR: str({ optional: true, doc: WORKDAYS_DIR_DOC }),
  ONCEONLY_CREDIT_SWEEP_MS: int({
    default: 15 * 60_000,
    min: 0,
    max: 86_400_000,
    doc: 'how often grades whose records left a rule window are recomputed and overdue post-checks announced (0: never)',
  }),
  ONCEONLY_CREDIT_LICENSING: bool({
    default: true,
    doc: "record licensing decisions (双公示) and commitments from the certificate service's events (false: not consumed)",
  }),
  ONCEONLY_CREDIT_GROUP: str({
    default: 'onceonly-credit',
    doc: "the consumer group reading the certificate service's events (双公示, commitments); one per credit service",
  }),
  ONCEONLY_AUDIT_VKEY: str({
    optional: true,
    doc: "the audit log's verifier key (<origin>+<id>+<key>): only checkpoints it signs seed draws (default: asked of the audit log the service calls, ADR 025)",
  }),
  ONCEONLY_CREDIT_AUDIT_ADDR: str({
    optional: true,
    doc: "host:port of the audit log's AuditService, asked for the commitments' inclusion proofs (default: the hub's own address)",
  }),
  // the draw reads its commitment's entry and proof: the log admits an auditor (OU=auditor) or the organiser (ADR 040)
  ...peerTlsConfig('ONCEONLY_CREDIT_AUDIT_TLS', { peer: 'the audit log', identity: 'OU=auditor, CN=the service' }),
  ONCEONLY_CREDIT_CHECKPOINT_GROUP: str({
    default: 'onceonly-credit-checkpoints',
    pattern: /[A-Za-z0-9._-]{1,200}/,
    patternDoc: 'letters, digits, ".", "_" and "-"',
    doc: "the consumer group reading the audit log's checkpoints; one per hub on a shared broker",
  }),
};

/** The schema's migrations: records, grades and their history, idempotency keys, and the outbox. */
export async function creditMigrations() {
  const own = await loadMigrations(new URL('../migrations/', import.meta.url));
  return withEventTables(CREDIT_SCHEMA, own);
}

/** Migrates schema `credit`. */
export async function migrateCredit(db: Database): Promise<void> {
  await migrate(db, { schema: CREDIT_SCHEMA, migrations: await creditMigrations() });
}

/**
 * Credit as a service module: loads its configuration (fail fast), migrates schema `credit`, registers and creates
 * `onceonly.credit.v1`, starts the outbox relay, adds CreditService and starts the consumer of the certificate
 * service's events (licensing records and commitments).
 */
export const creditModule: ServiceModule = {
  name: 'credit',
  config: CREDIT_CONFIG,
  topics: [CREDIT_TOPIC, INSPECTION_TOPIC],
  peers: [{ service: 'audit', addressVariable: 'ONCEONLY_CREDIT_AUDIT_ADDR' }],
  async start(ctx: ServiceContext): Promise<void> {
    const config = loadConfig(CREDIT_CONFIG, ctx.env);
    // read at start: a missing or unreadable file stops the module before it migrates anything
    const auditTls = peerCredentials('ONCEONLY_CREDIT_AUDIT_TLS', config);
    const key = await holderHashKey(ctx, config.ONCEONLY_HOLDER_HASH_KEY);
    const calendar = await loadServiceCalendar(config.ONCEONLY_WORKDAYS_DIR, { now: ctx.clock(), log: ctx.log });
    await migrateCredit(ctx.db);
    ctx.topics.register(CREDIT_TOPIC);
    ctx.topics.register(INSPECTION_TOPIC);
    await ensureTopics(ctx.transport, ctx.topics);
    const relay = startOutboxRelay({
      db: ctx.db,
      schema: CREDIT_SCHEMA,
      transport: ctx.transport,
      log: ctx.log,
      lifecycle: ctx.lifecycle,
    });
    const deps: CreditDeps = {
      db: ctx.db,
      clock: ctx.clock,
      calendar,
      store: sqlCreditStore,
      idempotency: sqlIdempotencyStore,
      outbox: sqlCreditOutbox,
      commitments: sqlCommitmentStore,
      relay,
      newId: randomUUID,
      hashCitizenId: (id) => hashCitizenId(id, key),
    };
    ctx.server.addService(creditV1.CreditServiceService, creditHandlers(deps));
    if (config.ONCEONLY_CREDIT_LICENSING) {
      // 双公示 and commitments from the certificate service's events (issue 13 items 1 and 4, ADR 024); the
      // certificate service creates its topic, maybe later or in another process (a hub without it waits)
      const licences = licenceConsumer({
        deps,
        transport: ctx.transport,
        group: config.ONCEONLY_CREDIT_GROUP,
        log: ctx.log,
      });
      startWhenTopicExists(ctx, 'credit licence consumer', licences);
    }
    startInspections(ctx, config, auditTls ? { credentials: auditTls } : {}, relay, resultRecords(deps));
    if (config.ONCEONLY_CREDIT_SWEEP_MS > 0) {
      startPeriodic(ctx, 'credit grade sweep', config.ONCEONLY_CREDIT_SWEEP_MS, async () => {
        const report = await sweepGrades(deps);
        if (report.changed > 0) ctx.log.info(report, 'credit grades recomputed');
        const late = await sweepOverdueCommitments(deps);
        if (late.overdue > 0) ctx.log.info(late, 'overdue post-checks announced');
      });
    }
  },
};

/**
 * 双随机、一公开 (ADR 025): InspectionService, and the consumer of the audit log's checkpoints once the log's key is
 * known: ONCEONLY_AUDIT_VKEY, or else asked of the audit log at ONCEONLY_CREDIT_AUDIT_ADDR (default: the hub's own
 * address, once it listens), retried every second until it answers. Draws before then wait for the key. The log is
 * called over `channel`: mTLS with the service's client certificate (ONCEONLY_CREDIT_AUDIT_TLS_*, ADR 040), else the
 * development identity.
 */
function startInspections(
  ctx: ServiceContext,
  config: ReturnType<typeof loadConfig<typeof CREDIT_CONFIG>>,
  channel: AuditChannel,
  relay: { kick(): void },
  results: ResultRecords,
): void {
  const auditAddress = () => config.ONCEONLY_CREDIT_AUDIT_ADDR ?? ctx.grpcAddress?.();
  const stopped = new AbortController();
  const key: Promise<LogKey> = config.ONCEONLY_AUDIT_VKEY
    ? Promise.resolve(logKeyOf(config.ONCEONLY_AUDIT_VKEY))
    : (async () => {
        for (;;) {
          const at = auditAddress();
          if (at) {
            try {
              return logKeyOf(await askLogKey(at, channel));
            } catch (err) {
              ctx.log.debug({ err: String(err) }, "the audit log's key: not yet");
            }
          }
          if (stopped.signal.aborted) throw new Error('stopped before the audit log answered');
          await new Promise((resolve) => setTimeout(resolve, 1000).unref());
        }
      })();
  key.catch(() => undefined);
  const deps: InspectionDeps = {
    db: ctx.db,
    clock: ctx.clock,
    store: sqlInspectionStore,
    outbox: sqlInspectionOutbox,
    relay,
    newId: randomUUID,
    audit: grpcAuditProofs(auditAddress, channel),
    logKey: () => key,
    results,
  };
  ctx.server.addService(inspectionV1.InspectionServiceService, inspectionHandlers(deps));
  let consumer: ReturnType<typeof checkpointConsumer> | undefined;
  const started = key.then(async (logKey) => {
    if (stopped.signal.aborted) return;
    ctx.log.info({ origin: logKey.origin }, "reading the audit log's checkpoints");
    consumer = checkpointConsumer({
      db: ctx.db,
      transport: ctx.transport,
      group: config.ONCEONLY_CREDIT_CHECKPOINT_GROUP,
      topic: AUDIT_CHECKPOINTS.topic,
      key: logKey,
      deps,
      log: ctx.log,
    });
    await ctx.transport.ensureTopics([AUDIT_CHECKPOINTS.spec]);
    await consumer.start();
  });
  started.catch((err) => {
    if (!stopped.signal.aborted) ctx.log.error({ err: String(err) }, "the audit log's checkpoints cannot be read");
  });
  ctx.lifecycle.onStop('credit checkpoint consumer', async () => {
    stopped.abort();
    await started.catch(() => undefined);
    await consumer?.stop();
  });
}
