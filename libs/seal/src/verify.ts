import { verify as cryptoVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { type CertificateFields, readCertificate } from './certificate-reader.js';
import {
  type CompactJws,
  isNumericDate,
  parseCompactJwsSharingHeader,
  SEALED_LICENCE_TYP,
  type SealHeader,
} from './jws.js';
import { isP256 } from './keys.js';
import { OID } from './oids.js';
import { fromQrPayload, QR_PREFIX } from './qr.js';
import { infoFromFields, type SealCertificateInfo } from './seal-info.js';
import { issuingAnchor, parseTrustBundle, type TrustBundle, trustListFor } from './trust-bundle.js';

/**
 * Why a sealed JWS is not valid. Machine-readable and stable; switch on them, never on text.
 * - `MALFORMED`: not a compact JWS or QR payload of this package (parts, base64url, JSON, `alg`, `kid`, `iat`, `x5c`).
 * - `TYP_MISMATCH`: the header `typ` is not the one expected (another kind of sealed document).
 * - `KID_UNKNOWN`: no `x5c`, and the `kid` is not in the trust bundle (a QR from another trust root, or a seal the
 *   bundle does not list yet).
 * - `KID_MISMATCH`: the `kid` does not name the `x5c` seal certificate.
 * - `SIGNATURE_INVALID`: the signature does not verify with the seal certificate's key.
 * - `CHAIN_UNTRUSTED`: the seal certificate was not issued by a root of the trust bundle, or that root was not
 *   valid at the signing time.
 * - `KEY_USAGE`: the certificate is not a seal certificate (no documentSigning, no digitalSignature or
 *   nonRepudiation, or a CA).
 * - `SEAL_NOT_YET_VALID` / `SEAL_EXPIRED`: the signing time (`iat`) is outside the seal certificate's validity.
 * - `SEAL_REVOKED`: the seal was revoked (compromised) at or before the signing time.
 * - `ISSUED_IN_FUTURE`: `iat` is later than the verification time (beyond the clock tolerance).
 * - `TRUST_LIST_STALE` (with `trustList: 'refuse'`): the revocation list of the seal's root is past its nextUpdate:
 *   seals revoked since are unknown.
 * - `TRUST_LIST_MISSING` (with `trustList: 'refuse'`): the bundle holds no revocation list of the seal's root.
 */
export const VERIFY_REASONS = [
  'MALFORMED',
  'TYP_MISMATCH',
  'KID_UNKNOWN',
  'KID_MISMATCH',
  'SIGNATURE_INVALID',
  'CHAIN_UNTRUSTED',
  'KEY_USAGE',
  'SEAL_NOT_YET_VALID',
  'SEAL_EXPIRED',
  'SEAL_REVOKED',
  'ISSUED_IN_FUTURE',
  'TRUST_LIST_STALE',
  'TRUST_LIST_MISSING',
] as const;

/** What is wrong with the trust list: a warning, or with `trustList: 'refuse'` a reason. */
export type TrustListProblem = Extract<VerifyReason, 'TRUST_LIST_STALE' | 'TRUST_LIST_MISSING'>;

/**
 * How an offline verifier uses the bundle's revocation lists (CRLs): `warn` checks revocation against them and
 * reports a stale or missing list as a warning; `refuse` makes it a reason (not valid).
 */
export type TrustListMode = 'warn' | 'refuse';

/** One reason a sealed JWS is not valid. */
export type VerifyReason = (typeof VERIFY_REASONS)[number];

/** What the hub knows about a seal's revocation. */
export interface SealStatus {
  /** The compromise time: what was sealed at or after it is not valid, what was sealed before stays valid. */
  readonly revokedAt?: Date;
}

/** Looks up a seal's status, by kid and certificate serial number (upper-case hex). */
export type SealStatusLookup = (
  kid: string,
  certSerial: string,
) => SealStatus | undefined | Promise<SealStatus | undefined>;

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

/** The outcome of {@link verifySealedJws}. */
export interface VerifyResult {
  /** True exactly when `reasons` is empty. */
  readonly valid: boolean;
  readonly reasons: readonly VerifyReason[];
  /**
   * The payload, present whenever the signature verified against the seal certificate, even if another check
   * failed (to show what a revoked seal sealed). Act on it only when `valid`.
   */
  readonly payload?: Record<string, unknown>;
  /**
   * The payload exactly as signed: the JWS's second part (base64url, as received), present with `payload`. Two
   * JWS with the same part carry the same payload, so a caller holding a stored JWS can compare it without decoding.
   */
  readonly payloadPart?: string;
  /** The protected header, when it could be read. */
  readonly header?: SealHeader;
  /** The seal certificate that was used (from `x5c` or the trust bundle). */
  readonly sealCert?: SealCertificateInfo;
  /** The signing time (`iat`), when readable. */
  readonly signedAt?: Date;
  /** With `trustList: 'warn'`: a stale or missing trust list, which leaves `valid` as it is. Never missed by a UI. */
  readonly warnings?: readonly TrustListProblem[];
  /** With `trustList`: the revocation list that was read. */
  readonly trustListUsed?: TrustListInfo;
}

/** What a verifier shows of the revocation list it used. */
export interface TrustListInfo {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: bigint;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const X5C_MAX = 4;

const failed = (reason: VerifyReason): VerifyResult => ({ valid: false, reasons: [reason] });

// x5c arrays of shared, frozen headers whose entries were found to be base64.
const checkedChains = new WeakSet<object>();

/** Header and payload checks that need no key. Returns the header, the leaf DERs from x5c and `iat`, or a reason. */
function readParts(parsed: CompactJws, typ: string) {
  const { header, payload } = parsed;
  const { alg, kid, x5c } = header;
  if (alg !== 'ES256' || typeof kid !== 'string' || kid.length === 0 || 'crit' in header) return 'MALFORMED';
  if (typeof header.typ !== 'string') return 'MALFORMED';
  if (x5c !== undefined && (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > X5C_MAX)) return 'MALFORMED';
  const chain = (x5c ?? []) as unknown[];
  if (!checkedChains.has(chain)) {
    if (!chain.every((c) => typeof c === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(c))) return 'MALFORMED';
    // the header (and its x5c array) is shared and frozen: a chain checked once stays checked
    if (Object.isFrozen(chain)) checkedChains.add(chain);
  }
  const { iat } = payload;
  if (!isNumericDate(iat)) return 'MALFORMED';
  if (header.typ !== typ) return 'TYP_MISMATCH';
  return { header: header as unknown as SealHeader, chain: chain as string[], kid, iat };
}

/** A seal certificate may sign documents: documentSigning, a signing key usage, not a CA. */
function hasSealUsage(fields: CertificateFields): boolean {
  const usage = fields.keyUsage;
  const signs = usage === undefined || usage.has('digitalSignature') || usage.has('nonRepudiation');
  return !fields.isCa && signs && (fields.extKeyUsage?.includes(OID.documentSigning) ?? false);
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

/** A copy, so that a caller changing the dates of its result cannot change the cached leaf. */
const copyInfo = (info: SealCertificateInfo): SealCertificateInfo => ({
  ...info,
  validFrom: new Date(info.validFrom),
  validTo: new Date(info.validTo),
});

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

  const reasons: VerifyReason[] = [];
  if (info.kid !== kid) reasons.push('KID_MISMATCH');
  const signatureOk = signatureVerifies(jws, parsed, leaf, options.signatureMemory);
  if (!signatureOk) reasons.push('SIGNATURE_INVALID');

  const signedAt = new Date(iat * 1000);
  const anchor = issuingAnchor(bundle, leaf.x509);
  if (!anchor || !anchorValidAt(anchor, signedAt)) reasons.push('CHAIN_UNTRUSTED');
  if (!hasSealUsage(fields)) reasons.push('KEY_USAGE');
  if (signedAt < info.validFrom) reasons.push('SEAL_NOT_YET_VALID');
  if (signedAt > info.validTo) reasons.push('SEAL_EXPIRED');

  const at = options.at ?? new Date();
  const status = options.sealStatus ? await options.sealStatus(info.kid, info.serialNumber) : undefined;
  const listed = options.trustList && anchor ? trustListCheck(bundle, anchor, info.serialNumber, at) : undefined;
  const revokedAt = [status?.revokedAt, listed?.revokedAt].filter((d) => d !== undefined);
  // Compared in whole seconds, as iat is: a seal revoked during second S does not vouch for anything sealed in S.
  if (revokedAt.some((d) => iat >= Math.floor(d.getTime() / 1000))) reasons.push('SEAL_REVOKED');
  const problems = listed?.problem ? [listed.problem] : [];
  if (options.trustList === 'refuse') reasons.push(...problems);

  const tolerance = options.clockToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (iat > at.getTime() / 1000 + tolerance) reasons.push('ISSUED_IN_FUTURE');

  return {
    valid: reasons.length === 0,
    reasons,
    header,
    sealCert: copyInfo(info),
    signedAt,
    ...(signatureOk ? { payload: parsed.payload, payloadPart: parsed.parts[1] } : {}),
    ...(options.trustList === 'warn' ? { warnings: problems } : {}),
    ...(listed?.used ? { trustListUsed: listed.used } : {}),
  };
}

/** What the trust list says of one seal certificate at `at`. */
interface TrustListCheck {
  /** From when the seal is revoked: the entry's Invalidity Date, else its revocation date. */
  readonly revokedAt?: Date;
  readonly problem?: TrustListProblem;
  readonly used?: TrustListInfo;
}

/**
 * Looks the seal certificate up in the CRL of the root that issued it. A revocation listed stays true when the list
 * is stale (revocation is never undone): the list is still read, and its staleness reported.
 */
function trustListCheck(bundle: TrustBundle, anchor: X509Certificate, serial: string, at: Date): TrustListCheck {
  const crl = trustListFor(bundle, anchor);
  if (!crl) return { problem: 'TRUST_LIST_MISSING' };
  const entry = crl.entries.get(serial);
  const used = { thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, crlNumber: crl.crlNumber };
  return {
    used,
    ...(entry ? { revokedAt: entry.compromisedAt ?? entry.revokedAt } : {}),
    ...(at.getTime() > crl.nextUpdate.getTime() ? { problem: 'TRUST_LIST_STALE' as const } : {}),
  };
}
