import { randomUUID } from 'node:crypto';
import { creditV1 } from '@onceonly/contracts';
import { ensureTopics, startOutboxRelay, withEventTables } from '@onceonly/events';
import { hashCitizenId } from '@onceonly/ids';
import {
  bool,
  HOLDER_HASH_KEY_VARIABLE,
  holderHashKey,
  int,
  loadConfig,
  type ServiceContext,
  type ServiceModule,
  startPeriodic,
  str,
} from '@onceonly/kit';
import { type Database, loadMigrations, migrate } from '@onceonly/store';
import { loadServiceCalendar, WORKDAYS_DIR_DOC } from '@onceonly/workdays/files';
import { sqlCommitmentStore } from './adapters/db/commitments.js';
import { CREDIT_SCHEMA, sqlCreditStore, sqlIdempotencyStore } from './adapters/db/stores.js';
import { licenceConsumer } from './adapters/events/licence-consumer.js';
import { sqlCreditOutbox } from './adapters/events/outbox.js';
import { creditHandlers } from './adapters/grpc/credit-service.js';
import type { CreditDeps } from './app/ports.js';
import { sweepGrades } from './app/sweep.js';
import { CREDIT_TOPIC } from './topics.js';

/** The variables this module reads. */
export const CREDIT_CONFIG = {
  ONCEONLY_HOLDER_HASH_KEY: HOLDER_HASH_KEY_VARIABLE,
  ONCEONLY_WORKDAYS_DIR: str({ optional: true, doc: WORKDAYS_DIR_DOC }),
  ONCEONLY_CREDIT_SWEEP_MS: int({
    default: 15 * 60_000,
    min: 0,
    max: 86_400_000,
    doc: 'how often grades whose records left a rule window are recomputed (0: never)',
  }),
  ONCEONLY_CREDIT_LICENSING: bool({
    default: true,
    doc: "record licensing decisions (双公示) and commitments from the certificate service's events (false: not consumed)",
  }),
  ONCEONLY_CREDIT_GROUP: str({
    default: 'onceonly-credit',
    doc: "the consumer group reading the certificate service's events (双公示, commitments); one per credit service",
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
  async start(ctx: ServiceContext): Promise<void> {
    const config = loadConfig(CREDIT_CONFIG, ctx.env);
    const key = await holderHashKey(ctx, config.ONCEONLY_HOLDER_HASH_KEY);
    const calendar = await loadServiceCalendar(config.ONCEONLY_WORKDAYS_DIR, { now: ctx.clock(), log: ctx.log });
    await migrateCredit(ctx.db);
    ctx.topics.register(CREDIT_TOPIC);
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
    // 双公示 and commitments from the certificate service's events (issue 13 items 1 and 4, ADR 024)
    const licences = licenceConsumer({
      deps,
      transport: ctx.transport,
      group: config.ONCEONLY_CREDIT_GROUP,
      log: ctx.log,
    });
    await licences.start();
    ctx.lifecycle.onStop('credit licence consumer', () => licences.stop());
    if (config.ONCEONLY_CREDIT_SWEEP_MS > 0) {
      startPeriodic(ctx, 'credit grade sweep', config.ONCEONLY_CREDIT_SWEEP_MS, async () => {
        const report = await sweepGrades(deps);
        if (report.changed > 0) ctx.log.info(report, 'credit grades recomputed');
      });
    }
  },
};
