import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@onceonly/errors';
import type { ServiceContext } from '@onceonly/kit';
import { type ContentKey, contentKeyOf } from './db/vault.js';

const DEV_KEY_FILE = 'materials-content.key';

/**
 * The key that encrypts materials at rest: ONCEONLY_MATERIALS_KEY (32 bytes, base64, from a secret store), else,
 * in embedded mode only, a random key generated once into the data folder (`keys/materials-content.key`, mode
 * 0600), with a warning. Losing it makes every stored material unreadable.
 * @throws AppError CONFIG_MISSING outside embedded mode without the variable; CONFIG_INVALID for a bad key.
 */
export async function materialsContentKey(ctx: ServiceContext, configured: string | undefined): Promise<ContentKey> {
  if (configured !== undefined) return contentKeyOf(configured);
  if (ctx.mode !== 'embedded') {
    throw new AppError('CONFIG_MISSING', 'ONCEONLY_MATERIALS_KEY: required outside embedded mode');
  }
  const dir = join(ctx.dataDir, 'keys');
  const file = join(dir, DEV_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing === undefined) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (err: unknown) => {
        // another process wrote it first: use theirs
        if ((err as { code?: string }).code !== 'EEXIST') throw err;
      },
    );
    ctx.log.warn({ file }, 'ONCEONLY_MATERIALS_KEY is not set: using a development key generated into the data folder');
  }
  return contentKeyOf(await readFile(file, 'utf8'), file);
}
