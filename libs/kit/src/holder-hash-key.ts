import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@onceonly/errors';
import { str } from './config.js';
import type { ServiceContext } from './service-module.js';

const DEV_KEY_FILE = 'holder-hash.key';

/** `ONCEONLY_HOLDER_HASH_KEY` as every module that names people declares it in its configuration. */
export const HOLDER_HASH_KEY_VARIABLE = str({
  optional: true,
  secret: true,
  pattern: /[\s\S]{16,}/,
  patternDoc: 'at least 16 characters (use 32 random bytes from a secret store)',
  doc: 'key of the keyed hash of citizen IDs (holder keys), shared by the services; never change it (embedded mode: generated into the data folder)',
});

/**
 * The holder-hash key (keyed hash of citizen IDs, shared by every service that names people: certificate holders,
 * the people assistance requests are about): from the environment, else (embedded mode only) a random key generated once into the data
 * folder, with a warning. Losing or changing it makes every stored holder key unfindable.
 * @throws AppError CONFIG_MISSING in external mode without ONCEONLY_HOLDER_HASH_KEY.
 */
export async function holderHashKey(ctx: ServiceContext, configured: string | undefined): Promise<string> {
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
