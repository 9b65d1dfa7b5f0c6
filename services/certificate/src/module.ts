import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@onceonly/errors';
import { int, loadConfig, type ServiceContext, type ServiceModule, str, url } from '@onceonly/kit';
import { EMBEDDED_SEAL_CONFIG } from './adapters/keys/seal-config.js';
import { startSeals } from './app/seals/index.js';
import { migrateCertificates, registerCertificateTopic, startCertificates } from './wiring.js';

/**
 * The certificate service as the hub runs it: electronic licences sealed with department seals, their lifecycle,
 * verification, status lists, industry licences, consents and platform checks.
 */

/** The variables this module reads (seals read theirs, ONCEONLY_KEY_PASSPHRASE among them, in `startSeals`). */
export const CERTIFICATE_CONFIG = {
  ONCEONLY_HOLDER_HASH_KEY: str({
    optional: true,
    secret: true,
    pattern: /[\s\S]{16,}/,
    patternDoc: 'at least 16 characters (use 32 random bytes from a secret store)',
    doc: 'key of the keyed hash of citizen IDs (holder keys); never change it (embedded mode: generated into the data folder)',
  }),
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
} as const;

const DEV_KEY_FILE = 'holder-hash.key';

/**
 * The holder-hash key: from the environment, else (embedded mode only) a random key generated once into the data
 * folder, with a warning. Losing or changing it makes every stored holder key unfindable.
 * @throws AppError CONFIG_MISSING in external mode without ONCEONLY_HOLDER_HASH_KEY.
 */
async function holderHashKey(ctx: ServiceContext, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  if (ctx.mode !== 'embedded') {
    throw new AppError('CONFIG_MISSING', 'ONCEONLY_HOLDER_HASH_KEY: required outside embedded mode');
  }
  const dir = join(ctx.dataDir, 'keys');
  const file = join(dir, DEV_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.trim().length >= 16) return existing.trim();
  await mkdir(dir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: unknown) => {
    // another process wrote it first: use theirs
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  });
  ctx.log.warn({ file }, 'ONCEONLY_HOLDER_HASH_KEY is not set: using a development key generated into the data folder');
  return (await readFile(file, 'utf8')).trim();
}

/** The certificate service module: the hub starts it first (the audit log, started last, sees its topic). */
export const certificateModule: ServiceModule = {
  name: 'certificate',
  config: { ...CERTIFICATE_CONFIG, ...EMBEDDED_SEAL_CONFIG },
  async start(ctx: ServiceContext) {
    const config = loadConfig(CERTIFICATE_CONFIG, ctx.env);
    const key = await holderHashKey(ctx, config.ONCEONLY_HOLDER_HASH_KEY);
    await migrateCertificates(ctx);
    await registerCertificateTopic(ctx);
    const seals = await startSeals(ctx);
    await startCertificates(ctx, {
      keys: seals.keys,
      holderHashKey: key,
      statusListBaseUrl: config.ONCEONLY_STATUS_LIST_URL,
      expirySweepMs: config.ONCEONLY_EXPIRY_SWEEP_MS,
    });
  },
};
