import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AppError } from '@onceonly/errors';

/** A key pair as node:crypto holds it. */
export interface KeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/** A fresh ECDSA P-256 key pair (the only curve of ES256). */
export function generateKeyPair(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** True for an EC key on P-256 (OpenSSL calls the curve prime256v1). */
export function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** Throws KEY_INVALID unless `key` is an EC P-256 key of the given type. */
export function assertP256(key: KeyObject, type: 'public' | 'private', what: string): void {
  if (key.type !== type || !isP256(key)) {
    throw new AppError('KEY_INVALID', `${what} must be an ECDSA P-256 ${type} key`, {
      details: { meta: { keyType: `${key.type}/${key.asymmetricKeyType ?? 'unknown'}` } },
    });
  }
}

/** The public half of a key: a private key gives its public key, a public key is returned as is. */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** SubjectPublicKeyInfo DER of a key (public or private). */
export function spkiDer(key: KeyObject): Buffer {
  return publicKeyOf(key).export({ type: 'spki', format: 'der' });
}

/** True when both keys have the same public key. */
export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return spkiDer(a).equals(spkiDer(b));
}

/**
 * A private key for storage: PKCS#8, encrypted with AES-256-CBC under a key derived from `passphrase` (OpenSSL
 * uses PBES2 with PBKDF2-HMAC-SHA256, 2,048 iterations: use a long random passphrase), as PEM
 * (`-----BEGIN ENCRYPTED PRIVATE KEY-----`). openssl reads it with
 * `openssl pkey -in key.pem -passin pass:...`.
 */
export function encryptPrivateKey(key: KeyObject, passphrase: string): string {
  if (key.type !== 'private') throw new AppError('KEY_INVALID', 'only a private key can be encrypted');
  if (passphrase.length === 0) throw new AppError('KEY_INVALID', 'the passphrase must not be empty');
  return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

/**
 * Reads a private key written by {@link encryptPrivateKey}.
 * @throws AppError KEY_DECRYPT_FAILED when the passphrase is wrong (the message never contains the passphrase);
 *   KEY_INVALID when `pem` is not an encrypted PKCS#8 private key.
 */
export function decryptPrivateKey(pem: string, passphrase: string): KeyObject {
  // Refuse clear keys: a key at rest is always encrypted, and a clear one means the wrong file was configured.
  if (!pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new AppError('KEY_INVALID', 'expected an encrypted PKCS#8 private key (BEGIN ENCRYPTED PRIVATE KEY)');
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (cause) {
    // OpenSSL reports a wrong passphrase as a bad decrypt; its error names no passphrase, so it can stay the cause.
    const code = (cause as { code?: unknown }).code;
    throw new AppError(
      'KEY_DECRYPT_FAILED',
      'the private key could not be decrypted: wrong passphrase or damaged key',
      {
        cause,
        details: { meta: { opensslCode: typeof code === 'string' ? code : 'unknown' } },
      },
    );
  }
}
