import { X509Certificate } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import { readCertificate } from './certificate-reader.js';
import { readSealCrl, type SealCrl } from './crl.js';
import { certificateDers, derToPem, pemBlocks } from './pem.js';
import { sealKid } from './signer.js';

/**
 * What a verifier trusts: the hub's root CA certificates (the trust anchors), and the seal certificates they issued,
 * indexed by kid so that a JWS without `x5c` (a QR payload) can name its seal by kid alone. A seal certificate found
 * here is still checked against an anchor: being listed does not make it trusted.
 */
export interface TrustBundle {
  /** Self-signed CA certificates: the only roots of trust. */
  readonly anchors: readonly X509Certificate[];
  /** Seal certificates by {@link sealKid}. */
  readonly seals: ReadonlyMap<string, X509Certificate>;
  /**
   * The revocation lists (`X509 CRL` blocks) that verified against an anchor, the newest (highest CRL number) of
   * each anchor: with them the bundle is a trust list (see {@link trustListFor}). Empty for a bundle of
   * certificates only.
   */
  readonly crls: readonly SealCrl[];
}

/** The label of a CRL in PEM (RFC 7468). */
export const CRL_PEM_LABEL = 'X509 CRL';

/**
 * Writes a trust bundle: every certificate as a PEM block, in the given order (put the root CA first), duplicates
 * dropped. `openssl verify -CAfile` reads the same file.
 * @param certs PEM texts (each may hold several certificates) or X509Certificate objects.
 */
export function trustBundlePem(certs: readonly (string | X509Certificate)[]): string {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const cert of certs) {
    const ders = typeof cert === 'string' ? certificateDers(cert) : [cert.raw];
    if (typeof cert === 'string' && ders.length === 0) {
      throw new AppError('X509_INVALID', 'a trust bundle entry holds no PEM certificate');
    }
    for (const der of ders) {
      const key = der.toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      blocks.push(derToPem('CERTIFICATE', der));
    }
  }
  return blocks.join('');
}

/**
 * Writes a trust list: the certificates as {@link trustBundlePem} writes them, then each CRL. One file serves
 * `openssl verify -crl_check -CAfile <file>` and {@link parseTrustBundle}.
 * @param crls PEM texts holding `X509 CRL` blocks (other blocks are ignored).
 */
export function trustListPem(certs: readonly (string | X509Certificate)[], crls: readonly string[]): string {
  const crlBlocks = crls.flatMap((text) => pemBlocks(text).filter((b) => b.label === CRL_PEM_LABEL));
  return trustBundlePem(certs) + crlBlocks.map((b) => derToPem(CRL_PEM_LABEL, b.der)).join('');
}

/** True for a self-signed CA certificate: cA, its own issuer, signed by its own key. */
function isRootCa(cert: X509Certificate): boolean {
  return cert.ca && cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

/**
 * Reads a trust bundle written by {@link trustBundlePem} (or a trust list written by {@link trustListPem}):
 * self-signed CA certificates become anchors, end-entity certificates are indexed by kid, `X509 CRL` blocks are
 * verified against the anchors and the newest of each anchor kept in `crls`.
 * @throws AppError X509_INVALID when a block is not a certificate, a CA is not self-signed (intermediate CAs are
 *   not part of this hub's PKI), or there is no anchor; CRL_INVALID when a CRL does not verify against an anchor.
 */
export function parseTrustBundle(pem: string): TrustBundle {
  const anchors: X509Certificate[] = [];
  const seals = new Map<string, X509Certificate>();
  for (const der of certificateDers(pem)) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch (cause) {
      throw new AppError('X509_INVALID', 'a trust bundle entry is not an X.509 certificate', { cause });
    }
    if (readCertificate(der).isCa) {
      if (!isRootCa(cert)) throw new AppError('X509_INVALID', 'a CA in the trust bundle is not a self-signed root');
      anchors.push(cert);
    } else {
      seals.set(sealKid(der), cert);
    }
  }
  if (anchors.length === 0) throw new AppError('X509_INVALID', 'the trust bundle holds no root CA certificate');
  return { anchors, seals, crls: newestCrls(pem, anchors) };
}

/**
 * Every CRL block of `pem`, verified against the anchors (CRL_INVALID otherwise: a list that does not verify is
 * tampered with or from another hub, and must not be half-believed), the newest of each anchor kept.
 */
function newestCrls(pem: string, anchors: readonly X509Certificate[]): SealCrl[] {
  const newest = new Map<X509Certificate, SealCrl>();
  for (const block of pemBlocks(pem)) {
    if (block.label !== CRL_PEM_LABEL) continue;
    const crl = readSealCrl(block.der, anchors);
    const held = newest.get(crl.issuer);
    if (!held || crl.crlNumber > held.crlNumber) newest.set(crl.issuer, crl);
  }
  return [...newest.values()];
}

/** The revocation list of the anchor that issued a seal certificate, if the bundle holds one. */
export function trustListFor(bundle: TrustBundle, anchor: X509Certificate): SealCrl | undefined {
  return bundle.crls.find((crl) => crl.issuer === anchor);
}

/** The seal certificate with this kid, or undefined. */
export function resolveKid(bundle: TrustBundle, kid: string): X509Certificate | undefined {
  return bundle.seals.get(kid);
}

// Chain results per bundle: issuance does not change with time, so a leaf seen once need not be verified again.
// Bounded, because x5c leaves come from whoever sent the JWS.
const chainCache = new WeakMap<TrustBundle, Map<string, X509Certificate>>();
const CHAIN_CACHE_LIMIT = 4096;

/**
 * The anchor that issued `leaf` (names and key identifiers match, the signature verifies), or undefined. Time is
 * not considered here; the caller checks validity at the signing time.
 */
export function issuingAnchor(bundle: TrustBundle, leaf: X509Certificate): X509Certificate | undefined {
  let cache = chainCache.get(bundle);
  if (!cache) {
    cache = new Map();
    chainCache.set(bundle, cache);
  }
  const key = leaf.fingerprint256;
  const cached = cache.get(key);
  if (cached) return cached;
  const anchor = bundle.anchors.find((ca) => {
    try {
      return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
    } catch {
      return false; // a leaf from a JWS may be damaged in ways OpenSSL reports by throwing
    }
  });
  if (anchor) {
    if (cache.size >= CHAIN_CACHE_LIMIT) cache.clear();
    cache.set(key, anchor);
  }
  return anchor;
}
