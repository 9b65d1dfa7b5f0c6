import { sealV1 } from '@onceonly/contracts';
import { ensureTopics } from '@onceonly/events';
import type { ServiceContext } from '@onceonly/kit';
import { decryptPrivateKey } from '@onceonly/seal';
import { migrate } from '@onceonly/store';
import { CERTIFICATE_SCHEMA_MIGRATIONS } from '../../adapters/db/schema-migrations.js';
import { sqlSealStore } from '../../adapters/db/seal-store.js';
import { sealService } from '../../adapters/grpc/seal-service.js';
import { credentialFiles } from '../../adapters/keys/credential-files.js';
import { openConfiguredCa, openEmbeddedCa } from '../../adapters/keys/hub-ca.js';
import { loadSealConfig } from '../../adapters/keys/seal-config.js';
import { type SeedResult, seedDemoDepartments } from '../seeding/seed-departments.js';
import type { HubCa, SealDeps } from './ports.js';
import { SEAL_SCHEMA, SEAL_TOPIC } from './seal-events.js';
import { type SealKeys, StoredSealKeys } from './seal-keys.js';

/**
 * The composition root of seals and trust, which the certificate module calls from its `start`. (It wires
 * adapters, which is why it sits here and not among the use cases it starts.)
 */

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
}

/**
 * Starts seals and trust: loads (or, in embedded mode, creates) the hub's root CA, migrates the seal tables
 * (versions 100–199 of schema `certificate`, plus the outbox tables they write to), checks the passphrase
 * against a stored seal key, registers topic `onceonly.seal.v1` and SealService, and seeds the demo departments
 * in embedded mode. Seal events go to the `certificate` outbox, whose relay the certificate module runs.
 * @throws AppError CONFIG_MISSING / CONFIG_INVALID, KEY_DECRYPT_FAILED (wrong passphrase), X509_INVALID,
 *   KEY_INVALID, MIGRATION_*.
 */
export async function startSeals(ctx: ServiceContext, options: StartSealsOptions = {}): Promise<SealsModule> {
  const log = ctx.log.child({ part: 'seals' });
  const config = loadSealConfig(ctx.env, ctx.mode, log, options.passphrase);
  const ca = await openCa(ctx, config, log);
  await migrate(ctx.db, {
    schema: SEAL_SCHEMA,
    migrations: CERTIFICATE_SCHEMA_MIGRATIONS,
    log: (msg, fields) => log.debug(fields ?? {}, msg),
  });
  const store = sqlSealStore();
  // before the root is recorded: a start that fails here must not leave a root in the trust bundle
  await checkPassphrase(ctx, store, config.passphrase);
  await store.recordRoot(ctx.db, { fingerprintSha256: ca.fingerprintSha256, certificatePem: ca.certPem }, ctx.clock());
  let keys: StoredSealKeys | undefined;
  const deps: SealDeps = {
    store,
    ca,
    passphrase: config.passphrase,
    clock: ctx.clock,
    defaultValidityDays: config.defaultValidityDays,
    onSealChanged: (kid) => keys?.forget(kid),
  };
  keys = new StoredSealKeys(ctx.db, deps);
  ctx.topics.register(SEAL_TOPIC);
  await ensureTopics(ctx.transport, ctx.topics);
  ctx.server.addService(sealV1.SealServiceService, sealService({ db: ctx.db, seals: deps, keys }));
  const seed =
    ctx.mode === 'embedded'
      ? await seedDemoDepartments({
          db: ctx.db,
          seals: deps,
          credentials: credentialFiles(ctx.dataDir, ca.authority, ctx.clock),
          log,
        })
      : undefined;
  return { keys, caCertificatePem: ca.certPem, seed };
}

async function openCa(ctx: ServiceContext, config: ReturnType<typeof loadSealConfig>, log: ServiceContext['log']) {
  if (config.caFiles) return openConfiguredCa(config.caFiles, config.passphrase);
  const { ca, generated } = await openEmbeddedCa(ctx.dataDir, config.passphrase, ctx.clock);
  if (generated) log.info({ fingerprintSha256: ca.fingerprintSha256 }, 'generated the hub root CA (development)');
  return ca satisfies HubCa;
}

/**
 * Decrypts the latest seal key once, so that a passphrase that opens the CA but not the seals (a CA file replaced
 * under a running database) stops the start instead of the first issue.
 */
async function checkPassphrase(
  ctx: ServiceContext,
  store: ReturnType<typeof sqlSealStore>,
  passphrase: string,
): Promise<void> {
  const seal = await store.anySeal(ctx.db);
  if (seal) decryptPrivateKey(seal.encryptedKeyPem, passphrase);
}
