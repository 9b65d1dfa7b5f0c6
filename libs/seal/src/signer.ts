import { createHash, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import { assertP256, sameKey } from './keys.js';
import { singleCertificateDer } from './pem.js';

/**
 * Signs for one seal. The port lets a hardware module, a key-management service or a national-crypto (SM2) signer
 * stand where {@link LocalKeySigner} stands today.
 */
export interface Signer {
  /** Key id of the seal certificate: see {@link sealKid}. */
  readonly kid: string;
  readonly alg: 'ES256';
  /** The chain for the JWS `x5c` header: standard base64 DER, the seal certificate first, then its CA. */
  readonly x5c: readonly string[];
  /**
   * Signs the JWS signing input (`base64url(header).base64url(payload)` as ASCII bytes) with ECDSA P-256 and
   * SHA-256, and returns the JOSE form of the signature: r‖s, 64 bytes (RFC 7518 §3.4), not DER.
   */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** Bytes of the kid: 16 of the 32 bytes of SHA-256 (128 bits; collisions would need 2^64 certificates). */
const KID_BYTES = 16;

/**
 * The key id of a seal certificate: base64url (no padding) of the first 16 bytes of SHA-256 over the certificate's
 * DER, 22 characters. It names the certificate, not only the key, so a re-certified key gets a new kid. A QR payload
 * carries only the kid; {@link resolveKid} finds the certificate in the trust bundle.
 */
export function sealKid(certificate: string | Uint8Array): string {
  const der = typeof certificate === 'string' ? singleCertificateDer(certificate, 'seal certificate') : certificate;
  return createHash('sha256').update(der).digest().subarray(0, KID_BYTES).toString('base64url');
}

/** What {@link sealKid} gives: 22 base64url characters. */
const SEAL_KID = /^[A-Za-z0-9_-]{22}$/;

/** True when `value` has the form of a {@link sealKid} (for parsing kids that callers type or send). */
export function isSealKid(value: string): boolean {
  return SEAL_KID.test(value);
}

/** Options of {@link LocalKeySigner}. */
export interface LocalKeySignerOptions {
  /** The seal's private key (P-256), for example from {@link decryptPrivateKey}. */
  readonly privateKey: KeyObject;
  /** The seal certificate (PEM). */
  readonly certificatePem: string;
  /** The CA certificate that issued it (PEM), appended to `x5c`. */
  readonly caCertificatePem?: string;
}

/** A {@link Signer} over a node:crypto private key held in this process. */
export class LocalKeySigner implements Signer {
  readonly kid: string;
  readonly alg = 'ES256' as const;
  readonly x5c: readonly string[];
  readonly #key: KeyObject;

  /** @throws AppError KEY_INVALID when the key is not P-256 or does not match the certificate. */
  constructor(options: LocalKeySignerOptions) {
    assertP256(options.privateKey, 'private', 'the seal key');
    const leaf = singleCertificateDer(options.certificatePem, 'seal certificate');
    if (!sameKey(new X509Certificate(leaf).publicKey, options.privateKey)) {
      throw new AppError('KEY_INVALID', 'the seal key does not match the seal certificate');
    }
    const chain = [leaf];
    if (options.caCertificatePem !== undefined) chain.push(singleCertificateDer(options.caCertificatePem, 'CA'));
    this.#key = options.privateKey;
    this.kid = sealKid(leaf);
    this.x5c = Object.freeze(chain.map((der) => der.toString('base64')));
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    // On this thread, with the KeyObject held since construction: a P-256 signature costs less CPU than the hop to
    // libuv's thread pool that the callback form takes. ieee-p1363 gives r‖s as JOSE wants it.
    return new Uint8Array(sign('sha256', signingInput, { key: this.#key, dsaEncoding: 'ieee-p1363' }));
  }
}
