import { createHmac, randomUUID } from 'node:crypto';
import { certificateV1, consentV1, sealV1 } from '@onceonly/contracts';
import { ensureTopics, type Relay, startOutboxRelay } from '@onceonly/events';
import { hashCitizenId } from '@onceonly/ids';
import {
  HOLDER_HASH_KEY_VARIABLE,
  holderHashKey,
  int,
  loadConfig,
  type ServiceContext,
  type ServiceModule,
  startPeriodic,
  startWhenTopicExists,
  str,
  url,
} from '@onceonly/kit';
import { decryptPrivateKey } from '@onceonly/seal';
import { migrate } from '@onceonly/store';
import { sqlCertificateStore } from './adapters/db/certificate-store.js';
import { sqlConsentStore } from './adapters/db/consent-store.js';
import { sqlIdempotencyStore } from './adapters/db/idempotency-store.js';
import { CERTIFICATE_SCHEMA } from './adapters/db/migrations.js';
import { sqlEventOutbox } from './adapters/db/outbox.js';
import { CERTIFICATE_SCHEMA_MIGRATIONS } from './adapters/db/schema-migrations.js';
import { sqlSealStore } from './adapters/db/seal-store.js';
import { departmentDirectory } from './adapters/departments.js';
import { commitmentConsumer } from './adapters/events/commitment-consumer.js';
import { sealEventOutbox } from './adapters/events/seal-events.js';
import { withCertificateMetrics } from './adapters/grpc/certificate-metrics.js';
import { certificateHandlers } from './adapters/grpc/certificate-service.js';
import { consentHandlers } from './adapters/grpc/consent-service.js';
import { platformHandlers } from './adapters/grpc/platform-service.js';
import { sealService } from './adapters/grpc/seal-service.js';
import { credentialFiles } from './adapters/keys/credential-files.js';

import { openConfiguredCa, openEmbeddedCa } from './adapters/keys/hub-ca.js';
import { EMBEDDED_SEAL_CONFIG, loadSealConfig } from './adapters/keys/seal-config.js';
import { batchRead } from './app/batch-read.js';
import { counterBlocks } from './app/counter-blocks.js';
import { expireDueCase } from './app/expire-due.js';
import { groupCommit, issueNotCommitted, verificationNotRecorded } from './app/group-commit.js';
import type {
  CertificateDeps,
  Departments,
  IssuedCommit,
  IssueLog,
  IssueOutcome,
  IssueTaken,
  IssueTakeRequest,
  OutgoingEvent,
  SealKeys,
  VerificationLog,
} from './app/ports.js';
import type { HubCa, SealDeps } from './app/seals/ports.js';
import { StoredSealKeys } from './app/seals/seal-keys.js';
import { type SeedResult, seedDemoDepartments } from './app/seeding/seed-departments.js';
import { CERTIFICATE_TOPICS } from './topics.js';

/**
 * The composition root of the certificate service, the only file that binds adapters to ports: electronic licences
 * sealed with department seals, their lifecycle, verification, status lists, industry licences, consents and
 * platform checks, and the seals and trust they rest on. The hub runs {@link certificateModule}; tests host the
 * same steps with seals of their own test CA ({@link startCertificates} with their `keys`).
 */

/** The variables this module reads (seals read theirs, ONCEONLY_KEY_PASSPHRASE among them, in `startSeals`). */
export const CERTIFICATE_CONFIG = {
  ONCEONLY_HOLDER_HASH_KEY: HOLDER_HASH_KEY_VARIABLE,
  ONCEONLY_STATUS_LIST_URL: url({
    default: 'https://onceonly.invalid/status-lists',
    protocols: ['https', 'http'],
    doc: 'base URL of the W3C status list credentials (<base>/<issuer>/<purpose>/<n>)',
  }),
  ONCEONLY_EXPIRY_SWEEP_MS: int({
    default: 60_000,
    min: 0,
    max: 86_400_000,
    doc: 'how often licences past their end date are recorded as expired (0: never)',
  }),
  ONCEONLY_CERTIFICATE_GROUP: str({
    default: 'onceonly-certificate',
    doc: "the consumer group reading the credit service's events (a broken commitment withdraws its licence)",
  }),
} as const;

/** The certificate service module: the hub starts it first (the audit log, started last, sees its topics). */
export const certificateModule: ServiceModule = {
  name: 'certificate',
  config: { ...CERTIFICATE_CONFIG, ...EMBEDDED_SEAL_CONFIG },
  topics: CERTIFICATE_TOPICS,
  async start(ctx: ServiceContext) {
    const config = loadConfig(CERTIFICATE_CONFIG, ctx.env);
    const key = await holderHashKey(ctx, config.ONCEONLY_HOLDER_HASH_KEY);
    const seals = await startSeals(ctx);
    await startCertificates(ctx, {
      keys: seals.keys,
      holderHashKey: key,
      statusListBaseUrl: config.ONCEONLY_STATUS_LIST_URL,
      expirySweepMs: config.ONCEONLY_EXPIRY_SWEEP_MS,
      commitmentGroup: config.ONCEONLY_CERTIFICATE_GROUP,
    });
  },
};

/** Migrates schema `certificate`: certificates (1–99), seals (100–199), the outbox and the inbox. */
export async function migrateCertificates(ctx: Pick<ServiceContext, 'db' | 'log'>): Promise<void> {
  await migrate(ctx.db, {
    schema: CERTIFICATE_SCHEMA,
    migrations: CERTIFICATE_SCHEMA_MIGRATIONS,
    log: (msg, fields) => ctx.log.info(fields ?? {}, msg),
  });
}

/** Registers the service's topics (`topics.ts`) and creates them on the transport. */
export async function registerCertificateTopics(ctx: Pick<ServiceContext, 'topics' | 'transport'>): Promise<void> {
  for (const topic of CERTIFICATE_TOPICS) if (!ctx.topics.has(topic.name)) ctx.topics.register(topic);
  await ensureTopics(ctx.transport, ctx.topics);
}

// ---------------------------------------------------------------------------------------------------------------
// Seals and trust

/** What {@link startSeals} gives the certificate core. */
export interface SealsModule {
  readonly keys: SealKeys;
  /** The hub's current root CA certificate (PEM). */
  readonly caCertificatePem: string;
  /** What the embedded-mode seed did at this start (undefined in external mode). */
  readonly seed?: SeedResult | undefined;
}

/** Options of {@link startSeals}. */
export interface StartSealsOptions {
  /** Passphrase of the keys at rest; default: ONCEONLY_KEY_PASSPHRASE (embedded mode: a development default). */
  readonly passphrase?: string | undefined;
  /** The bodies known to the hub; the demo departments by default. */
  readonly departments?: Departments;
  /** The consumer group of `credit.commitment.broken` (withdrawal on a broken commitment); none: not consumed. */
  readonly commitmentGroup?: string;
}

/**
 * Starts seals and trust: migrates schema `certificate` and registers the service's topics, loads (or, in embedded mode, creates) the hub's root CA, checks the
 * passphrase against a stored seal key, records the root, adds SealService, and seeds the demo departments in
 * embedded mode. Seal events go to the `certificate` outbox, whose relay {@link startCertificates} runs.
 * @throws AppError CONFIG_MISSING / CONFIG_INVALID, KEY_DECRYPT_FAILED (wrong passphrase), X509_INVALID,
 *   KEY_INVALID, MIGRATION_*.
 */
export async function startSeals(ctx: ServiceContext, options: StartSealsOptions = {}): Promise<SealsModule> {
  const log = ctx.log.child({ part: 'seals' });
  const config = loadSealConfig(ctx.env, ctx.mode, log, options.passphrase);
  const ca = await openCa(ctx, config, log);
  await migrateCertificates(ctx);
  await registerCertificateTopics(ctx);
  const deps = await openSeals(ctx, config, ca, options.departments ?? departmentDirectory());
  ctx.server.addService(sealV1.SealServiceService, sealService({ db: ctx.db, seals: deps, keys: deps.keys }));
  const credentials = credentialFiles(ctx.dataDir, ca.authority, ctx.clock);
  const seed =
    ctx.mode === 'embedded' ? await seedDemoDepartments({ db: ctx.db, seals: deps, credentials, log }) : undefined;
  return { keys: deps.keys, caCertificatePem: ca.certPem, seed };
}

type SealConfig = ReturnType<typeof loadSealConfig>;

/** The configured CA, or (embedded mode) the development CA generated once into the data folder. */
async function openCa(ctx: ServiceContext, config: SealConfig, log: ServiceContext['log']): Promise<HubCa> {
  if (config.caFiles) return openConfiguredCa(config.caFiles, config.passphrase);
  const { ca, generated } = await openEmbeddedCa(ctx.dataDir, config.passphrase, ctx.clock);
  if (generated) log.info({ fingerprintSha256: ca.fingerprintSha256 }, 'generated the hub root CA (development)');
  return ca;
}

/**
 * The seal use cases' dependencies and the keys over them, once the passphrase is known to open the stored seal keys
 * and the CA is recorded among the trust roots.
 */
async function openSeals(
  ctx: ServiceContext,
  config: SealConfig,
  ca: HubCa,
  departments: Departments,
): Promise<SealDeps & { keys: StoredSealKeys }> {
  const store = sqlSealStore();
  // before the root is recorded: a start that fails here must not leave a root in the trust bundle
  const latest = await store.anySeal(ctx.db);
  if (latest) decryptPrivateKey(latest.encryptedKeyPem, config.passphrase);
  await store.recordRoot(ctx.db, { fingerprintSha256: ca.fingerprintSha256, certificatePem: ca.certPem }, ctx.clock());
  const { passphrase, defaultValidityDays, trustListHours } = config;
  const base = {
    store,
    ca,
    passphrase,
    clock: ctx.clock,
    defaultValidityDays,
    trustListHours,
    events: sealEventOutbox,
    departments,
  };
  // the keys forget a seal's cached signer when a use case changes it
  const deps: SealDeps = { ...base, onSealChanged: (kid) => keys.forget(kid) };
  const keys = new StoredSealKeys(ctx.db, deps);
  return { ...deps, keys };
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates

/** Options of {@link startCertificates}. */
export interface CertificateOptions {
  readonly keys: SealKeys;
  /** Key of the holder keys (HMAC of citizen IDs) and of idempotency fingerprints; at least 16 bytes. */
  readonly holderHashKey: string;
  readonly statusListBaseUrl: string;
  /** How often the expiry sweep runs; 0 turns it off. */
  readonly expirySweepMs: number;
  /** The bodies known to the hub; the demo departments by default. */
  readonly departments?: Departments;
  /** The consumer group of `credit.commitment.broken` (withdrawal on a broken commitment); none: not consumed. */
  readonly commitmentGroup?: string;
}

/** What {@link startCertificates} started, for tests and the module. */
export interface RunningCertificates {
  readonly deps: CertificateDeps;
  readonly relay: Relay;
}

/**
 * VerifyCertificate's events, group-committed (ADR 012): the events of the verifications that arrive while a
 * write is busy go together into the next one. A group is one autocommitted multi-row INSERT (the statement
 * `appendToOutbox` would send: all its rows or none, ADR 017) instead of BEGIN, INSERT, COMMIT; a group too large for
 * one statement is appended in a transaction.
 */
function verificationLog(ctx: ServiceContext, relay: Relay): VerificationLog {
  const group = groupCommit<OutgoingEvent>({
    write: async (events) => {
      const insert = sqlEventOutbox.statement(events);
      if (insert !== undefined) await ctx.db.query(insert.sql, [...insert.params]);
      else await ctx.db.transaction((tx) => sqlEventOutbox.append(tx, events));
    },
    committed: () => relay.kick(),
    failure: verificationNotRecorded,
  });
  return { record: (event) => group.add({ event }), idle: () => group.idle() };
}

/**
 * IssueCertificate's and IssueIndustryLicence's commits, grouped (ADR 014): the versions sealed while a write is
 * busy go together into the next one. Usually one autocommitted statement writes the versions, their idempotency
 * keys and their events (the outbox insert `appendToOutbox` would send, embedded), all or nothing; when a version
 * cannot be written (its key taken by a concurrent request, a collision), a transaction writes the others and tells
 * each outcome.
 */
function issueLog(ctx: ServiceContext, relay: Relay): IssueLog {
  const eventsOf = (issued: readonly IssuedCommit[]) =>
    issued.map(({ event, record }) => ({ event, sealKid: record.sealKid }));
  const group = groupCommit<IssuedCommit, IssueOutcome>({
    write: async (issued) => {
      // usually every version is new: versions, keys and events in one autocommitted statement
      const outbox = sqlEventOutbox.statement(eventsOf(issued));
      if (outbox !== undefined && (await sqlCertificateStore.insertAllIssued(ctx.db, issued, outbox))) {
        return issued.map((): IssueOutcome => 'inserted');
      }
      // else (a key taken by a concurrent request, a collision): a transaction that tells each version's outcome
      return ctx.db.transaction(async (tx) => {
        const outcomes = await sqlCertificateStore.insertIssued(tx, issued);
        const events = eventsOf(issued.filter((_, i) => outcomes[i] === 'inserted'));
        if (events.length > 0) await sqlEventOutbox.append(tx, events);
        return outcomes;
      });
    },
    committed: () => relay.kick(),
    // up to four writes in flight (ADR 017), but one beside another only for a group of four or more (ADR 045): a
    // group's statement costs PostgreSQL and this process about as much as three more issues in it, so the few
    // issues that arrive while a write is busy wait for it and share the next one; a burst still overlaps
    maxInFlight: 4,
    minBatchBeside: 4,
    failure: issueNotCommitted,
  });
  return { commit: (issued) => group.add(issued), idle: () => group.idle() };
}

/**
 * Licence numbers and status-list slots for issues, from blocks reserved ahead (ADR 017, app/counter-blocks.ts):
 * one statement reserves, for every counter short of values, a block that grows with the rate; the values are handed
 * out from memory in arrival order. A failed reservation fails the issues waiting for it with its own error; nothing
 * was taken for them.
 */
function issueTakes(ctx: ServiceContext): (request: IssueTakeRequest) => Promise<IssueTaken> {
  const take = counterBlocks({
    reserve: async (counts) => {
      const numbers = new Map<string, number>();
      const slots = new Map<string, number>();
      for (const [name, count] of counts) {
        if (name.startsWith(NUMBER)) numbers.set(name.slice(NUMBER.length), count);
        else slots.set(name.slice(SLOT.length), count);
      }
      const firsts = await sqlCertificateStore.reserveCounters(ctx.db, numbers, slots);
      const found = new Map<string, number>();
      for (const [scope, first] of firsts.numbers) found.set(NUMBER + scope, first);
      for (const [issuer, first] of firsts.slots) found.set(SLOT + issuer, first);
      return found;
    },
  });
  return async ({ numberScope, issuerCode }) => {
    const slot = SLOT + issuerCode;
    if (numberScope === undefined) {
      const [statusSequence] = await take([slot]);
      return { sequence: 0, statusSequence: statusSequence! };
    }
    const [sequence, statusSequence] = await take([NUMBER + numberScope, slot]);
    return { sequence: sequence!, statusSequence: statusSequence! };
  };
}

const NUMBER = 'number ';
const SLOT = 'slot ';

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
    takeForIssue: issueTakes(ctx),
    issues: issueLog(ctx, relay),
    verifications: verificationLog(ctx, relay),
    // two reads in flight (ADR 017): fuller batches, fewer round trips, each of which costs the process as much as
    // a signature check
    recordByIdentifier: batchRead({
      load: (ids) => sqlCertificateStore.getByIdentifiers(ctx.db, ids),
      maxInFlight: 2,
    }),
    keys: options.keys,
    departments: options.departments ?? departmentDirectory(),
    clock: ctx.clock,
    newId: randomUUID,
    hashCitizenId: (id) => hashCitizenId(id, key),
    fingerprint: (text) => createHmac('sha256', key).update('idempotency\n').update(text).digest('base64url'),
    statusListBaseUrl: options.statusListBaseUrl,
  };
}

/** How long the certificate relay waits after a small batch before its next claim (ADR 043). */
const RELAY_LINGER_MS = 4;

/**
 * Starts the certificates on a migrated schema: the outbox relay of schema `certificate` (certificate and seal
 * events; stop hook: flush, then stop), CertificateService, ConsentService and PlatformService, and the expiry sweep.
 */
export async function startCertificates(
  ctx: ServiceContext,
  options: CertificateOptions,
): Promise<RunningCertificates> {
  const { db, transport, log, lifecycle } = ctx;
  const name = 'certificate outbox relay';
  // issues and verifications commit a few events at a time: a short linger lets the relay claim and produce the
  // events of several commits at once (ADR 043)
  const relay = startOutboxRelay({
    db,
    schema: CERTIFICATE_SCHEMA,
    transport,
    log,
    lifecycle,
    name,
    lingerMs: RELAY_LINGER_MS,
  });
  const deps = certificateDeps(ctx, options, relay);
  // stop hooks run in reverse: verifications still being recorded are committed before the relay's last flush
  ctx.lifecycle.onStop('certificate verification log', () => deps.verifications.idle());
  ctx.lifecycle.onStop('certificate issue log', () => deps.issues.idle());
  ctx.server.addService(
    certificateV1.CertificateServiceService,
    withCertificateMetrics(certificateHandlers(deps), ctx.metrics),
  );
  ctx.server.addService(consentV1.ConsentServiceService, consentHandlers(deps));
  ctx.server.addService(consentV1.PlatformServiceService, platformHandlers(deps));
  if (options.expirySweepMs > 0) {
    // records expiries (失效) by time
    startPeriodic(ctx, 'certificate expiry sweep', options.expirySweepMs, async () => void (await expireDueCase(deps)));
  }
  if (options.commitmentGroup !== undefined) {
    // 撤销 on a broken commitment (issue 13 item 4, ADR 024); the credit service creates its topic, maybe later
    const consumer = commitmentConsumer({ deps, transport, group: options.commitmentGroup, log });
    startWhenTopicExists({ log, lifecycle }, 'certificate commitment consumer', consumer);
  }
  return { deps, relay };
}
