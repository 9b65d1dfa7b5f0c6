import { createHmac, randomUUID } from 'node:crypto';
import { certificateV1, consentV1 } from '@onceonly/contracts';
import { createRelay, ensureTopics, type Relay } from '@onceonly/events';
import { hashCitizenId } from '@onceonly/ids';
import type { ServiceContext } from '@onceonly/kit';
import { migrate } from '@onceonly/store';
import { sqlCertificateStore } from './adapters/db/certificate-store.js';
import { sqlConsentStore } from './adapters/db/consent-store.js';
import { sqlIdempotencyStore } from './adapters/db/idempotency-store.js';
import { CERTIFICATE_SCHEMA } from './adapters/db/migrations.js';
import { CERTIFICATE_TOPIC, sqlEventOutbox } from './adapters/db/outbox.js';
import { CERTIFICATE_SCHEMA_MIGRATIONS } from './adapters/db/schema-migrations.js';
import { certificateHandlers } from './adapters/grpc/certificate-service.js';
import { consentHandlers } from './adapters/grpc/consent-service.js';
import { platformHandlers } from './adapters/grpc/platform-service.js';
import { expireDueCase } from './app/expire-due.js';
import type { CertificateDeps, Departments, SealKeys } from './app/ports.js';
import { DEMO_DEPARTMENTS, type Department } from './domain/departments.js';

/**
 * The composition of the certificate service around a given {@link SealKeys}: `module.ts` passes the seals it
 * started; tests pass seals of their own test CA. Two steps, so that the module can run the seals' start between
 * them: {@link migrateCertificates} (schema `certificate`: versions 1–99 and the outbox/inbox tables), then
 * {@link startCertificates} (topic, relay, gRPC services, expiry sweep, stop hooks).
 */

/** Options of {@link startCertificates}. */
export interface CertificateOptions {
  readonly keys: SealKeys;
  /** Key of the holder keys (HMAC of citizen IDs) and of idempotency fingerprints; at least 16 bytes. */
  readonly holderHashKey: string;
  readonly statusListBaseUrl: string;
  /** How often the expiry sweep runs; 0 turns it off. */
  readonly expirySweepMs: number;
  /** The bodies known to the hub; the demo departments by default. */
  readonly departments?: readonly Department[];
}

/** What {@link startCertificates} started, for tests and the module. */
export interface RunningCertificates {
  readonly deps: CertificateDeps;
  readonly relay: Relay;
}

/** A directory of departments over a fixed list. */
export function departmentDirectory(list: readonly Department[]): Departments {
  const byCode = new Map(list.map((d) => [d.code as string, d]));
  return { find: (code) => byCode.get(code), all: () => list };
}

/** Migrates schema `certificate`: this service's tables, the seal tables, its outbox and inbox. */
export async function migrateCertificates(ctx: Pick<ServiceContext, 'db' | 'log'>): Promise<void> {
  await migrate(ctx.db, {
    schema: CERTIFICATE_SCHEMA,
    migrations: CERTIFICATE_SCHEMA_MIGRATIONS,
    log: (msg, fields) => ctx.log.info(fields ?? {}, msg),
  });
}

/** Registers the topic and creates it on the transport. */
export async function registerCertificateTopic(ctx: Pick<ServiceContext, 'topics' | 'transport'>): Promise<void> {
  if (!ctx.topics.has(CERTIFICATE_TOPIC.name)) ctx.topics.register(CERTIFICATE_TOPIC);
  await ensureTopics(ctx.transport, ctx.topics);
}

/** The use cases' dependencies over the service context. */
export function certificateDeps(ctx: ServiceContext, options: CertificateOptions, relay: Relay): CertificateDeps {
  const key = options.holderHashKey;
  return {
    db: ctx.db,
    certificates: sqlCertificateStore,
    idempotency: sqlIdempotencyStore,
    consents: sqlConsentStore,
    outbox: sqlEventOutbox,
    relay,
    keys: options.keys,
    departments: departmentDirectory(options.departments ?? DEMO_DEPARTMENTS),
    clock: ctx.clock,
    newId: randomUUID,
    hashCitizenId: (id) => hashCitizenId(id, key),
    fingerprint: (text) => createHmac('sha256', key).update('idempotency\n').update(text).digest('base64url'),
    statusListBaseUrl: options.statusListBaseUrl,
  };
}

/**
 * Starts the service: one outbox relay for schema `certificate` (stop hook: flush, then stop), the gRPC services
 * CertificateService, ConsentService and PlatformService, and the expiry sweep (stop hook).
 */
export async function startCertificates(
  ctx: ServiceContext,
  options: CertificateOptions,
): Promise<RunningCertificates> {
  const relay = createRelay({ db: ctx.db, schema: CERTIFICATE_SCHEMA, transport: ctx.transport, log: ctx.log });
  relay.start();
  ctx.lifecycle.onStop('certificate outbox relay', async () => {
    await relay
      .flush({ timeoutMs: 5_000 })
      .catch((err: unknown) => ctx.log.warn({ err }, 'certificate outbox not fully flushed; kept for the next start'));
    await relay.stop();
  });
  const deps = certificateDeps(ctx, options, relay);
  ctx.server.addService(certificateV1.CertificateServiceService, certificateHandlers(deps));
  ctx.server.addService(consentV1.ConsentServiceService, consentHandlers(deps));
  ctx.server.addService(consentV1.PlatformServiceService, platformHandlers(deps));
  if (options.expirySweepMs > 0) startExpirySweep(ctx, deps, options.expirySweepMs);
  return { deps, relay };
}

/** Records expiries (失效) by time, every `intervalMs`; the stop hook waits for a sweep in progress. */
function startExpirySweep(ctx: ServiceContext, deps: CertificateDeps, intervalMs: number): void {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = expireDueCase(deps).catch((err: unknown) => ctx.log.warn({ err }, 'expiry sweep failed; retried later'));
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  sweep();
  ctx.lifecycle.onStop('certificate expiry sweep', async () => {
    clearInterval(timer);
    await running;
  });
}
