import { randomUUID } from 'node:crypto';
import { materialsV1 } from '@onceonly/contracts';
import { ensureTopics, startOutboxRelay, withEventTables } from '@onceonly/events';
import { hashCitizenId } from '@onceonly/ids';
import {
  bool,
  HOLDER_HASH_KEY_VARIABLE,
  holderHashKey,
  hostPort,
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
import { grpcAssistanceData } from './adapters/assistance-data.js';
import { grpcCertificates } from './adapters/certificates.js';
import { materialsContentKey } from './adapters/content-key.js';
import { grpcCreditProfiles } from './adapters/credit-profile.js';
import { sqlConsentStore } from './adapters/db/consent-store.js';
import { sqlRateStore } from './adapters/db/rate-store.js';
import { sqlResolutionStore } from './adapters/db/resolution-store.js';
import { MATERIALS_SCHEMA, sqlItemStore, sqlMaterialStore } from './adapters/db/stores.js';
import { sqlContentVault } from './adapters/db/vault.js';
import { certificateChangeConsumer } from './adapters/events/certificate-consumer.js';
import { sqlConsentOutbox } from './adapters/events/consent-outbox.js';
import { sqlMaterialsOutbox } from './adapters/events/outbox.js';
import { consentHandlers } from './adapters/grpc/consent-service.js';
import { materialsHandlers } from './adapters/grpc/materials-service.js';
import { reportHandlers } from './adapters/grpc/report-service.js';
import type { ConsentDeps } from './app/consent-ports.js';
import { expirePreviews } from './app/decide-evidence.js';
import { SEEDED_ITEMS } from './domain/catalogue.js';
import { DEFAULT_PREVIEW_TTL_MS } from './domain/consent.js';
import { DEFAULT_MAX_MATERIAL_BYTES } from './domain/library.js';
import { MATERIALS_TOPIC } from './topics.js';

/** The variables this module reads. */
export const MATERIALS_CONFIG = {
  ONCEONLY_HOLDER_HASH_KEY: HOLDER_HASH_KEY_VARIABLE,
  ONCEONLY_MATERIALS_KEY: str({
    optional: true,
    secret: true,
    doc: 'AES-256-GCM key of materials at rest, 32 bytes in base64; never lose it (embedded mode: generated into the data folder)',
  }),
  ONCEONLY_MATERIALS_MAX_BYTES: int({
    default: DEFAULT_MAX_MATERIAL_BYTES,
    min: 1,
    max: 4 * 1024 * 1024 - 64 * 1024,
    doc: "largest material accepted, in bytes (below the gRPC server's 4 MiB receive limit)",
  }),
  ONCEONLY_MATERIALS_CERTIFICATE_ADDR: hostPort({
    optional: true,
    doc: 'the certificate service the resolution verifies certificates with (default: ONCEONLY_GRPC_ADDR, the hub itself)',
  }),
  ONCEONLY_MATERIALS_CREDIT_ADDR: hostPort({
    optional: true,
    doc: 'the credit service the resolution asks credit profile facts of (default: ONCEONLY_GRPC_ADDR, the hub itself)',
  }),
  ONCEONLY_MATERIALS_ASSISTANCE_ADDR: hostPort({
    optional: true,
    doc: 'the assistance service the resolution asks catalogue items of, e.g. PT-XZ-07 (default: ONCEONLY_GRPC_ADDR, the hub itself)',
  }),
  ONCEONLY_MATERIALS_CALLER: str({
    default: 'onceonly-materials',
    doc: 'the portal code the resolution calls the certificate service as (development identity, loopback)',
  }),
  // the certificate service lists an applicant's licences in full to the portal acting for the applicant
  ...peerTlsConfig('ONCEONLY_MATERIALS_TLS', { peer: 'the certificate service', identity: 'OU=portal' }),
  // the credit service answers profiles to departments (and auditors) only
  ...peerTlsConfig('ONCEONLY_MATERIALS_CREDIT_TLS', { peer: 'the credit service', identity: 'OU=department' }),
  ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS: int({
    default: 5_000,
    min: 100,
    max: 60_000,
    doc: 'deadline of each call to the certificate, credit and assistance services (past it: provider unavailable)',
  }),
  ONCEONLY_MATERIALS_PREVIEW_TTL_MS: int({
    default: DEFAULT_PREVIEW_TTL_MS,
    min: 1_000,
    max: 90 * 24 * 3600_000,
    doc: 'how long an applicant has to accept or reject the pieces of an evidence request (default 7 days)',
  }),
  ONCEONLY_MATERIALS_PREVIEW_SWEEP_MS: int({
    default: 60_000,
    min: 0,
    max: 86_400_000,
    doc: 'how often pending pieces past their request’s expiry are expired (0: never)',
  }),
  ONCEONLY_MATERIALS_NOTIFY: bool({
    default: true,
    doc: "tell departments when a certificate their application reused changes (consumes the certificate service's events)",
  }),
  ONCEONLY_MATERIALS_GROUP: str({
    default: 'onceonly-materials',
    doc: "the consumer group reading the certificate service's events (notifications); one per materials service",
  }),
};

/** The schema's migrations: items, contents, materials, resolutions, reuses, and the outbox. */
export async function materialsMigrations() {
  const own = await loadMigrations(new URL('../migrations/', import.meta.url));
  return withEventTables(MATERIALS_SCHEMA, own);
}

/** Migrates schema `materials`. */
export async function migrateMaterials(db: Database): Promise<void> {
  await migrate(db, { schema: MATERIALS_SCHEMA, migrations: await materialsMigrations() });
}

/**
 * Materials as a service module: loads its configuration (fail fast), the content key and the holder-hash key,
 * migrates schema `materials` and seeds the catalogue's items, registers and creates `onceonly.materials.v1`, starts
 * the outbox relay and adds MaterialsService.
 */
export const materialsModule: ServiceModule = {
  name: 'materials',
  config: MATERIALS_CONFIG,
  topics: [MATERIALS_TOPIC],
  peers: [
    { service: 'certificate', addressVariable: 'ONCEONLY_MATERIALS_CERTIFICATE_ADDR' },
    { service: 'credit', addressVariable: 'ONCEONLY_MATERIALS_CREDIT_ADDR' },
    { service: 'assistance', addressVariable: 'ONCEONLY_MATERIALS_ASSISTANCE_ADDR' },
  ],
  async start(ctx: ServiceContext): Promise<void> {
    const config = loadConfig(MATERIALS_CONFIG, ctx.env);
    const hashKey = await holderHashKey(ctx, config.ONCEONLY_HOLDER_HASH_KEY);
    const contentKey = await materialsContentKey(ctx, config.ONCEONLY_MATERIALS_KEY);
    const certificateTls = peerCredentials('ONCEONLY_MATERIALS_TLS', config);
    const creditTls = peerCredentials('ONCEONLY_MATERIALS_CREDIT_TLS', config);
    await migrateMaterials(ctx.db);
    await sqlItemStore.seed(ctx.db, SEEDED_ITEMS, ctx.clock());
    ctx.topics.register(MATERIALS_TOPIC);
    await ensureTopics(ctx.transport, ctx.topics);
    const relay = startOutboxRelay({
      db: ctx.db,
      schema: MATERIALS_SCHEMA,
      transport: ctx.transport,
      log: ctx.log,
      lifecycle: ctx.lifecycle,
    });
    const certificates = grpcCertificates({
      address: config.ONCEONLY_MATERIALS_CERTIFICATE_ADDR ?? ctx.env.ONCEONLY_GRPC_ADDR ?? '127.0.0.1:50051',
      ...(certificateTls ? { credentials: certificateTls } : {}),
      callerCode: config.ONCEONLY_MATERIALS_CALLER,
      timeoutMs: config.ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS,
      clock: ctx.clock,
      log: ctx.log,
    });
    ctx.lifecycle.onStop('certificate client', () => certificates.close());
    const credit = grpcCreditProfiles({
      address: config.ONCEONLY_MATERIALS_CREDIT_ADDR ?? ctx.env.ONCEONLY_GRPC_ADDR ?? '127.0.0.1:50051',
      ...(creditTls ? { credentials: creditTls } : {}),
      callerCode: config.ONCEONLY_MATERIALS_CALLER,
      timeoutMs: config.ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS,
      clock: ctx.clock,
      log: ctx.log,
    });
    ctx.lifecycle.onStop('credit client', () => credit.close());
    const assistance = grpcAssistanceData({
      address: config.ONCEONLY_MATERIALS_ASSISTANCE_ADDR ?? ctx.env.ONCEONLY_GRPC_ADDR ?? '127.0.0.1:50051',
      // the department certificate of the credit calls: the assistance service answers departments too (ADR 041)
      ...(creditTls ? { credentials: creditTls } : {}),
      callerCode: config.ONCEONLY_MATERIALS_CALLER,
      timeoutMs: config.ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS,
      clock: ctx.clock,
      log: ctx.log,
    });
    ctx.lifecycle.onStop('assistance client', () => assistance.close());
    const deps: ConsentDeps = {
      db: ctx.db,
      clock: ctx.clock,
      items: sqlItemStore,
      materials: sqlMaterialStore,
      vault: sqlContentVault(contentKey),
      resolutions: sqlResolutionStore,
      certificates,
      credit,
      assistance,
      outbox: sqlMaterialsOutbox,
      relay,
      newId: randomUUID,
      hashCitizenId: (id) => hashCitizenId(id, hashKey),
      maxMaterialBytes: config.ONCEONLY_MATERIALS_MAX_BYTES,
      consent: sqlConsentStore,
      consentOutbox: sqlConsentOutbox,
      previewTtlMs: config.ONCEONLY_MATERIALS_PREVIEW_TTL_MS,
    };
    ctx.server.addService(materialsV1.MaterialsServiceService, {
      ...materialsHandlers(deps),
      ...consentHandlers(deps),
    });
    ctx.server.addService(materialsV1.MaterialsReportServiceService, reportHandlers({ ...deps, rates: sqlRateStore }));
    startConsent(ctx, config, deps);
  },
};

/**
 * The preview sweep (pending pieces past their request's expiry become expired) and the DE4A subscription (the
 * certificate service's events → notifications of the departments whose application reused the certificate; its
 * topic is created by the certificate service, maybe later or elsewhere: the consumer waits for it).
 */
function startConsent(
  ctx: ServiceContext,
  config: ReturnType<typeof loadConfig<typeof MATERIALS_CONFIG>>,
  deps: ConsentDeps,
): void {
  if (config.ONCEONLY_MATERIALS_PREVIEW_SWEEP_MS > 0) {
    startPeriodic(ctx, 'materials preview sweep', config.ONCEONLY_MATERIALS_PREVIEW_SWEEP_MS, async () => {
      const expired = await expirePreviews(deps);
      if (expired > 0) ctx.log.info({ expired }, 'evidence previews expired');
    });
  }
  if (config.ONCEONLY_MATERIALS_NOTIFY) {
    const consumer = certificateChangeConsumer({
      deps,
      transport: ctx.transport,
      group: config.ONCEONLY_MATERIALS_GROUP,
      log: ctx.log,
    });
    startWhenTopicExists(ctx, 'materials certificate consumer', consumer);
  }
}
