import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@onceonly/errors';
import { type Clock, createRootCa, decryptPrivateKey, encryptPrivateKey } from '@onceonly/seal';
import type { HubCa } from '../../app/seals/ports.js';

/**
 * The hub's root CA on disk: generated on first start into `<dataDir>/keys/` in embedded mode, read from the
 * configured files otherwise. The key is always encrypted PKCS#8 under the passphrase, written with mode 0600.
 */

/** File names under `<dataDir>/keys/`. */
export const CA_FILES = { cert: 'ca.pem', key: 'ca.key.pem' } as const;

/** Subject and lifetime of a generated (embedded-mode) CA. */
const EMBEDDED_CA = {
  commonName: 'OnceOnly Hub Root CA (development)',
  organisation: 'OnceOnly',
  validityYears: 20,
} as const;

/** The CA of a data folder: the one there, or a new one when there is none. */
export async function openEmbeddedCa(
  dataDir: string,
  passphrase: string,
  clock: Clock,
): Promise<{ ca: HubCa; generated: boolean }> {
  const dir = join(dataDir, 'keys');
  const certPath = join(dir, CA_FILES.cert);
  const keyPath = join(dir, CA_FILES.key);
  const [cert, key] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (cert !== undefined && key !== undefined) return { ca: readCa(cert, key, passphrase, certPath), generated: false };
  if (cert !== undefined || key !== undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      `${dir} holds ${cert !== undefined ? CA_FILES.cert : CA_FILES.key} without ` +
        `${cert !== undefined ? CA_FILES.key : CA_FILES.cert}: restore the missing file (a new CA would orphan every seal)`,
    );
  }
  const authority = createRootCa({ ...EMBEDDED_CA, clock });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700); // the folder may exist already (other development keys live there too)
  await writeAtomically(keyPath, encryptPrivateKey(authority.keyPair.privateKey, passphrase), 0o600);
  await writeAtomically(certPath, authority.certPem, 0o644);
  return { ca: hubCaOf(authority.certPem, authority.keyPair), generated: true };
}

/**
 * The CA from configured files (external mode).
 * @throws AppError CONFIG_INVALID (unreadable file), X509_INVALID, KEY_INVALID, KEY_DECRYPT_FAILED.
 */
export async function openConfiguredCa(files: { cert: string; key: string }, passphrase: string): Promise<HubCa> {
  const cert = await readConfigured('ONCEONLY_CA_CERT', files.cert);
  const key = await readConfigured('ONCEONLY_CA_KEY', files.key);
  return readCa(cert, key, passphrase, files.cert);
}

/** Reads a CA certificate and its encrypted key and checks that they belong together. */
export function readCa(certPem: string, keyPem: string, passphrase: string, where: string): HubCa {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch (cause) {
    throw new AppError('X509_INVALID', `${where} is not a PEM certificate`, { cause });
  }
  if (!x509.ca) throw new AppError('X509_INVALID', `${where} is not a CA certificate`);
  const privateKey = decryptPrivateKey(keyPem, passphrase);
  if (!x509.checkPrivateKey(privateKey)) {
    throw new AppError('KEY_INVALID', `the CA key does not belong to the CA certificate ${where}`);
  }
  return hubCaOf(x509.toString(), { privateKey, publicKey: createPublicKey(privateKey) });
}

function hubCaOf(certPem: string, keyPair: HubCa['authority']['keyPair']): HubCa {
  const x509 = new X509Certificate(certPem);
  return {
    authority: { certPem, keyPair },
    certPem,
    fingerprintSha256: createHash('sha256').update(x509.raw).digest('hex'),
    notAfter: new Date(x509.validTo),
  };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError('CONFIG_INVALID', `cannot read ${path}`, { cause: err });
  }
}

async function readConfigured(variable: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `${variable}: cannot read ${path}`, {
      cause,
      details: { fields: [{ field: variable, reason: 'CONFIG_INVALID', description: `cannot read ${path}` }] },
    });
  }
}

/** Writes a file whole or not at all (temporary file, then rename), with the given mode from the start. */
export async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'w' });
  await chmod(temporary, mode); // the umask may have narrowed or the file may have existed: set it exactly
  await rename(temporary, path);
}
