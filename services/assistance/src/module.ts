import { randomUUID } from 'node:crypto';
import { assistanceV1 } from '@onceonly/contracts';
import { ensureTopics, startOutboxRelay, withEventTables } from '@onceonly/events';
import { hashCitizenId } from '@onceonly/ids';
import {
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
import { watchAssistanceMetrics } from './adapters/db/assistance-metrics.js';
import {
  ASSISTANCE_SCHEMA,
  cachedItemStore,
  sqlAlertStore,
  sqlIdempotencyStore,
  sqlItemStore,
  sqlRequestStore,
} from './adapters/db/stores.js';
import { sqlAssistanceOutbox } from './adapters/events/outbox.js';
import { assistanceHandlers } from './adapters/grpc/assistance-service.js';
import type { AssistanceDeps } from './app/ports.js';
import { sweepCase } from './app/sweep.js';
import { SEEDED_ITEMS } from './domain/catalogue.js';
import { DEFAULT_DEADLINE_POLICY } from './domain/deadlines.js';
import { COORDINATOR } from './domain/departments.js';
import { DEFAULT_RETENTION_DAYS } from './domain/retention.js';
import { ASSISTANCE_TOPIC } from './topics.js';

/** The variables this module reads. */
export const ASSISTANCE_CONFIG = {
  ONCEONLY_HOLDER_HASH_KEY: HOLDER_HASH_KEY_VARIABLE,
  ONCEONLY_WORKDAYS_DIR: str({ optional: true, doc: WORKDAYS_DIR_DOC }),
  ONCEONLY_ASSISTANCE_SWEEP_MS: int({
    default: 15 * 60_000,
    min: 0,
    max: 86_400_000,
    doc: 'how often deadline alerts and the retention purge run (0: never)',
  }),
  ONCEONLY_ASSISTANCE_RETENTION_DAYS: int({
    default: DEFAULT_RETENTION_DAYS,
    min: 1,
    max: 3650,
    doc: 'days after a request is closed before the personal data in it is purged (IMI: 6 months)',
  }),
  ONCEONLY_ASSISTANCE_COORDINATOR: str({
    default: COORDINATOR.code,
    pattern: /^[0-9A-HJ-NPQRTUWXY]{18}$/,
    patternDoc: 'a unified social credit code',
    doc: "credit code of the coordinator (the district's service centre): decides disputes, reads every request, keeps the catalogue (PublishItem)",
  }),
};

/** The schema's migrations: requests, catalogue versions, idempotency keys, and the outbox. */
export async function assistanceMigrations() {
  const own = await loadMigrations(new URL('../migrations/', import.meta.url));
  return withEventTables(ASSISTANCE_SCHEMA, own);
}

/** Migrates the schema and stores the seeded catalogue versions not stored yet. */
export async function migrateAssistance(db: Database): Promise<void> {
  await migrate(db, { schema: ASSISTANCE_SCHEMA, migrations: await assistanceMigrations() });
  await sqlItemStore.add(db, SEEDED_ITEMS);
}

/**
 * Administrative assistance as a service module: loads its configuration (fail fast), migrates schema
 * `assistance` and seeds the catalogue, registers and creates `onceonly.assistance.v1`, starts the outbox relay and
 * adds AssistanceService.
 */
export const assistanceModule: ServiceModule = {
  name: 'assistance',
  config: ASSISTANCE_CONFIG,
  topics: [ASSISTANCE_TOPIC],
  async start(ctx: ServiceContext): Promise<void> {
    const config = loadConfig(ASSISTANCE_CONFIG, ctx.env);
    const key = await holderHashKey(ctx, config.ONCEONLY_HOLDER_HASH_KEY);
    const calendar = await loadServiceCalendar(config.ONCEONLY_WORKDAYS_DIR, { now: ctx.clock(), log: ctx.log });
    await migrateAssistance(ctx.db);
    ctx.topics.register(ASSISTANCE_TOPIC);
    await ensureTopics(ctx.transport, ctx.topics);
    const relay = startOutboxRelay({
      db: ctx.db,
      schema: ASSISTANCE_SCHEMA,
      transport: ctx.transport,
      log: ctx.log,
      lifecycle: ctx.lifecycle,
    });
    const deps: AssistanceDeps = {
      db: ctx.db,
      clock: ctx.clock,
      calendar,
      items: cachedItemStore(sqlItemStore),
      requests: sqlRequestStore,
      idempotency: sqlIdempotencyStore,
      outbox: sqlAssistanceOutbox,
      alerts: sqlAlertStore,
      relay,
      newId: randomUUID,
      hashCitizenId: (id) => hashCitizenId(id, key),
    };
    watchAssistanceMetrics(ctx.metrics, ctx.db, ctx.clock);
    ctx.server.addService(
      assistanceV1.AssistanceServiceService,
      assistanceHandlers(deps, config.ONCEONLY_ASSISTANCE_COORDINATOR),
    );
    if (config.ONCEONLY_ASSISTANCE_SWEEP_MS > 0) {
      const retentionDays = config.ONCEONLY_ASSISTANCE_RETENTION_DAYS;
      let warnedAbout = '';
      startPeriodic(ctx, 'assistance sweep', config.ONCEONLY_ASSISTANCE_SWEEP_MS, async () => {
        const report = await sweepCase(deps, DEFAULT_DEADLINE_POLICY, retentionDays);
        if (report.alerts + report.purged > 0) {
          ctx.log.info({ alerts: report.alerts, purged: report.purged }, 'assistance sweep');
        }
        const skipped = report.skipped.join(',');
        if (skipped !== '' && skipped !== warnedAbout) {
          ctx.log.warn(
            { requests: report.skipped.length },
            'assistance sweep: some deadlines fall in a year whose holiday notice is not loaded (put it in ONCEONLY_WORKDAYS_DIR)',
          );
        }
        warnedAbout = skipped;
      });
    }
  },
};
