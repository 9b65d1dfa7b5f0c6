import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@onceonly/errors';
import type { Logger } from '@onceonly/kit';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

/** The hub's token signing key (ES256) with its public JWK and key id (the JWK thumbprint, RFC 7638). */
export interface TokenSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as published at `/.well-known/jwks.json`. */
  readonly jwk: JWK;
}

/** Where the embedded hub keeps its generated key. */
export function devTokenKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'oauth-signing.key.pem');
}

async function readOrGenerate(path: string, log: Logger): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // another process made it first: use theirs
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw err;
  }
  await chmod(path, 0o600);
  log.warn({ path }, 'generated a development OAuth token signing key');
  return pem;
}

/**
 * The token signing key: the PKCS#8 PEM file ONCEONLY_OAUTH_KEY names (encrypted under ONCEONLY_KEY_PASSPHRASE, or
 * in clear), else in the embedded mode `<dataDir>/keys/oauth-signing.key.pem`, generated on first start. Undefined
 * outside the embedded mode without ONCEONLY_OAUTH_KEY: then the hub issues no tokens and accepts none.
 */
export async function loadTokenSigningKey(options: {
  file: string | undefined;
  passphrase: string | undefined;
  mode: 'embedded' | 'external';
  dataDir: string;
  log: Logger;
}): Promise<TokenSigningKey | undefined> {
  let pem: string;
  if (options.file !== undefined) {
    try {
      pem = await readFile(options.file, 'utf8');
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `ONCEONLY_OAUTH_KEY: cannot read ${options.file}`, { cause });
    }
  } else if (options.mode === 'embedded') {
    pem = await readOrGenerate(devTokenKeyPath(options.dataDir), options.log);
  } else {
    return undefined;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem', passphrase: options.passphrase ?? '' });
  } catch (cause) {
    // never echo the key: it is a secret
    throw new AppError('CONFIG_INVALID', 'ONCEONLY_OAUTH_KEY: not a PKCS#8 PEM private key (or a wrong passphrase)', {
      cause,
    });
  }
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw new AppError('CONFIG_INVALID', 'ONCEONLY_OAUTH_KEY: tokens are signed with ES256: an EC P-256 key');
  }
  const publicKey = createPublicKey(privateKey);
  const base = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(base, 'sha256');
  return { kid, privateKey, publicKey, jwk: { ...base, kid, alg: 'ES256', use: 'sig' } };
}
