import { verify as cryptoVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { type CertificateFields, readCertificate } from './certificate-reader.js';
import { type CompactJws, parseCompactJwsSharingHeader, SEALED_LICENCE_TYP } from './jws.js';
import { isP256 } from './keys.js';
import { fromQrPayload, QR_PREFIX } from './qr.js';
import { infoFromFields, type SealCertificateInfo } from './seal-info.js';
import { issuingAnchor, parseTrustBundle, type TrustBundle, trustListFor } from './trust-bundle.js';
import {
  failed,
  judgeSeal,
  readParts,
  type SealStatusLookup,
  type TrustListMode,
  trustListCheck,
  type VerifyResult,
} from './verify-rules.js';

export {
  type SealStatus,
  type SealStatusLookup,
  type TrustListInfo,
  type TrustListMode,
  type TrustListProblem,
  VERIFY_REASONS,
  type VerifyReason,
  type VerifyResult,
} from './verify-rules.js';

/** Options of {@link verifySealedJws}. */
export interface VerifyOptions {
  /** The roots and seal certificates to trust: parsed once with {@link parseTrustBundle}, or PEM. */
  readonly trustBundle: TrustBundle | string;
  /** The verification time, for `ISSUED_IN_FUTURE`; now by default. The seal is judged at `iat`, not here. */
  readonly at?: Date;
  /** Seal revocation; without it no revocation is checked (offline verifiers pass the hub's list). */
  readonly sealStatus?: SealStatusLookup;
  /**
   * Check seal revocation against the trust bundle's CRLs (offline verifiers); unset: the CRLs are not read.
   * See {@link TrustListMode}.
   */
  readonly trustList?: TrustListMode;
  /** Expected header `typ`; default {@link SEALED_LICENCE_TYP}. */
  readonly typ?: string;
  /** Seconds `iat` may be ahead of `at`; default 300. */
  readonly clockToleranceSeconds?: number;
  /**
   * Where valid signatures are remembered (ADR 017): with it, a JWS text already found valid with the same key skips
   * the ES256 check (every other check still runs). Without it, every signature is checked.
   */
  readonly signatureMemory?: SignatureMemory;
}

/**
 * Signatures found valid, by the exact JWS text, with the key object that verified each (ADR 017). The same text
 * checked against the same key gives the same answer, so a licence shown again (the QR code on a shop's wall, scanned
 * all day) is not checked again: a hit needs the very `KeyObject` of the leaf found for this call, so a JWS whose seal
 * now resolves to another certificate is checked afresh. Only the signature is remembered; every other check (kid,
 * chain, key usage, seal validity, revocation, trust list, `iat`) runs on every call. Only valid signatures are kept,
 * so hostile input adds nothing; bounded (default 4,096 texts), cleared when full, like the x5c leaves. A verifier
 * that checks the same licences again and again (the hub's VerifyCertificate) keeps one; offline one-off checks and
 * benchmarks of the signature itself do not pass one.
 */
export class SignatureMemory {
  readonly #verified = new Map<string, KeyObject>();
  readonly #limit: number;

  constructor(limit = 4_096) {
    if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new RangeError('the limit is a positive integer');
    this.#limit = limit;
  }

  /** True when `jws` was found valid with this very key object. */
  has(jws: string, key: KeyObject): boolean {
    return this.#verified.get(jws) === key;
  }

  remember(jws: string, key: KeyObject): void {
    if (this.#verified.size >= this.#limit) this.#verified.clear();
    this.#verified.set(jws, key);
  }

  /** Texts remembered now. */
  get size(): number {
    return this.#verified.size;
  }
}

// Trust anchors are verified again and again: read their validity once.
const anchorFields = new WeakMap<X509Certificate, CertificateFields>();

/** True when the anchor certificate is valid at `date`. */
function anchorValidAt(anchor: X509Certificate, date: Date): boolean {
  let fields = anchorFields.get(anchor);
  if (!fields) {
    fields = readCertificate(anchor.raw);
    anchorFields.set(anchor, fields);
  }
  return date >= fields.notBefore && date <= fields.notAfter;
}

/** A seal certificate read for verification: parsed once, then reused while the same certificate comes again. */
interface Leaf {
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  readonly info: SealCertificateInfo;
  /** The certificate's public key, read once; undefined when it is not P-256 (no ES256 signature verifies). */
  readonly verifyKey: KeyObject | undefined;
}

// Leaves from x5c, keyed by their base64 DER (content-addressed, so a hit is the same certificate). Bounded, as
// x5c comes from whoever sent the JWS. Bundle leaves hang off their X509Certificate objects. Each leaf holds its
// public KeyObject, so a verification builds no key.
const x5cLeaves = new Map<string, Leaf>();
const bundleLeaves = new WeakMap<X509Certificate, Leaf>();
const LEAF_CACHE_LIMIT = 1024;

/** Reads a leaf; throws when it is unreadable or its key is damaged (a point not on the curve). */
function readLeaf(x509: X509Certificate): Leaf {
  const fields = readCertificate(x509.raw);
  const publicKey = x509.publicKey;
  const verifyKey = isP256(publicKey) ? publicKey : undefined;
  return { x509, fields, info: infoFromFields(x509.raw, fields), verifyKey };
}

/** The seal certificate: `x5c[0]`, else the bundle's by kid; undefined when unknown; throws when unreadable. */
function sealLeaf(chain: readonly string[], kid: string, bundle: TrustBundle): Leaf | undefined {
  const first = chain[0];
  if (first === undefined) {
    const x509 = bundle.seals.get(kid);
    if (!x509) return undefined;
    let leaf = bundleLeaves.get(x509);
    if (!leaf) {
      leaf = readLeaf(x509);
      bundleLeaves.set(x509, leaf);
    }
    return leaf;
  }
  let leaf = x5cLeaves.get(first);
  if (!leaf) {
    leaf = readLeaf(new X509Certificate(Buffer.from(first, 'base64')));
    if (x5cLeaves.size >= LEAF_CACHE_LIMIT) x5cLeaves.clear();
    x5cLeaves.set(first, leaf);
  }
  return leaf;
}

/** Bytes of an ES256 signature: r‖s, 32 bytes each (RFC 7518 §3.4). */
const ES256_SIGNATURE_BYTES = 64;

/**
 * The ES256 check (RFC 7515 §5.2, RFC 7518 §3.4) of the JWS as already parsed: ECDSA P-256 with SHA-256 over the
 * signing input (the first two parts exactly as received, which `parseCompactJws` has checked are canonical), the
 * signature in its JOSE form (r‖s). `readParts` has refused every `alg` but ES256 and any `crit`, and the key is
 * P-256 or absent, so no other algorithm can be asked for. node:crypto verifies on this thread: no thread-pool hop,
 * no re-parse of the JWS. jose verifies the same JWS in the tests, to the same verdict.
 */
function signatureVerifies(jws: string, parsed: CompactJws, leaf: Leaf, memory: SignatureMemory | undefined): boolean {
  if (!leaf.verifyKey || parsed.signature.length !== ES256_SIGNATURE_BYTES) return false;
  if (memory?.has(jws, leaf.verifyKey)) return true;
  const [header, payload] = parsed.parts;
  const signingInput = Buffer.from(jws.slice(0, header.length + 1 + payload.length), 'latin1');
  let verified: boolean;
  try {
    verified = cryptoVerify(
      'sha256',
      signingInput,
      { key: leaf.verifyKey, dsaEncoding: 'ieee-p1363' },
      parsed.signature,
    );
  } catch {
    return false; // OpenSSL refusing the key or the signature is a failed verification, not an error of the caller
  }
  if (verified) memory?.remember(jws, leaf.verifyKey);
  return verified;
}

/**
 * Verifies a sealed JWS (or a QR payload, recognised by its `OO1:` prefix) offline, against a trust bundle:
 * the header and `iat`; the seal certificate from `x5c[0]`, or from the bundle by `kid` when there is no `x5c`;
 * the kid against that certificate; the ES256 signature (node:crypto, on this thread); that a bundle root issued the certificate
 * and was valid at `iat`; the certificate's key usage; its validity at `iat`; and, with `sealStatus` or `trustList`
 * (the bundle's CRL of the seal's root), that the seal was not revoked at or before `iat`, and whether that list is
 * current. Every failed check adds its reason; the result is valid when none failed.
 *
 * Never throws for bad input: hostile input gives `MALFORMED`. The document's own validity (the licence's validity
 * dates, its live status) is the caller's to check on the payload.
 * @throws AppError X509_INVALID only when `trustBundle` is PEM without a root CA; errors of `sealStatus` propagate.
 */
export async function verifySealedJws(input: string, options: VerifyOptions): Promise<VerifyResult> {
  let jws = input.trim();
  let parsed: CompactJws;
  try {
    if (jws.startsWith(QR_PREFIX)) jws = fromQrPayload(jws);
    parsed = parseCompactJwsSharingHeader(jws);
  } catch {
    return failed('MALFORMED');
  }
  const parts = readParts(parsed, options.typ ?? SEALED_LICENCE_TYP);
  if (typeof parts === 'string') return failed(parts);
  const { header, chain, kid, iat } = parts;
  const bundle = typeof options.trustBundle === 'string' ? parseTrustBundle(options.trustBundle) : options.trustBundle;

  let leaf: Leaf | undefined;
  try {
    leaf = sealLeaf(chain, kid, bundle);
  } catch {
    return { valid: false, reasons: ['MALFORMED'], header };
  }
  if (!leaf) return { valid: false, reasons: ['KID_UNKNOWN'], header };
  const { info, fields } = leaf;
  const at = options.at ?? new Date();
  const signedAt = new Date(iat * 1000);
  const anchor = issuingAnchor(bundle, leaf.x509);
  const status = options.sealStatus ? await options.sealStatus(info.kid, info.serialNumber) : undefined;
  return judgeSeal({
    parsed,
    header,
    kid,
    iat,
    info,
    fields,
    signatureOk: signatureVerifies(jws, parsed, leaf, options.signatureMemory),
    chainTrusted: anchor !== undefined && anchorValidAt(anchor, signedAt),
    ...(status === undefined ? {} : { status }),
    ...(options.trustList && anchor
      ? { listed: trustListCheck(trustListFor(bundle, anchor), info.serialNumber, at) }
      : {}),
    ...(options.trustList === undefined ? {} : { trustList: options.trustList }),
    at,
    ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
  });
}
