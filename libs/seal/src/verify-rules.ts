import type { CertificateFields } from './certificate-reader.js';
import type { CrlEntry } from './crl-reader.js';
import { type CompactJws, isNumericDate, type SealHeader } from './jws.js';
import { OID } from './oids.js';
import type { SealCertificateInfo } from './seal-info.js';

/**
 * The rules of a seal verification, without the cryptography: which header is acceptable, what a seal certificate
 * must say, and which reasons follow from what was checked. `verifySealedJws` (node:crypto) and the browser verifier
 * (WebCrypto, `@onceonly/seal/web`) both decide through {@link judgeSeal}, so that they cannot disagree on a rule.
 */

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

const X5C_MAX = 4;

export const failed = (reason: VerifyReason): VerifyResult => ({ valid: false, reasons: [reason] });

// x5c arrays of shared, frozen headers whose entries were found to be base64.
const checkedChains = new WeakSet<object>();

/** Header and payload checks that need no key. Returns the header, the leaf DERs from x5c and `iat`, or a reason. */
export function readParts(parsed: CompactJws, typ: string) {
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
export function hasSealUsage(fields: CertificateFields): boolean {
  const usage = fields.keyUsage;
  const signs = usage === undefined || usage.has('digitalSignature') || usage.has('nonRepudiation');
  return !fields.isCa && signs && (fields.extKeyUsage?.includes(OID.documentSigning) ?? false);
}

/** The revocation list of the seal's root as the rules read it (a verified CRL, parsed). */
export interface TrustListRead {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: bigint;
  readonly entries: ReadonlyMap<string, CrlEntry>;
}

/** What the trust list says of one seal certificate at `at`. */
export interface TrustListCheck {
  /** From when the seal is revoked: the entry's Invalidity Date, else its revocation date. */
  readonly revokedAt?: Date;
  readonly problem?: TrustListProblem;
  readonly used?: TrustListInfo;
}

/**
 * Looks the seal certificate up in the CRL of the root that issued it (undefined: the bundle holds none). A
 * revocation listed stays true when the list is stale (revocation is never undone): the list is still read, and its
 * staleness reported.
 */
export function trustListCheck(crl: TrustListRead | undefined, serial: string, at: Date): TrustListCheck {
  if (!crl) return { problem: 'TRUST_LIST_MISSING' };
  const entry = crl.entries.get(serial);
  const used = { thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, crlNumber: crl.crlNumber };
  return {
    used,
    ...(entry ? { revokedAt: entry.compromisedAt ?? entry.revokedAt } : {}),
    ...(at.getTime() > crl.nextUpdate.getTime() ? { problem: 'TRUST_LIST_STALE' as const } : {}),
  };
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

/** What was established about a sealed JWS whose seal certificate was found, for {@link judgeSeal}. */
export interface SealFacts {
  readonly parsed: CompactJws;
  readonly header: SealHeader;
  /** The header's kid. */
  readonly kid: string;
  /** The payload's `iat`. */
  readonly iat: number;
  readonly info: SealCertificateInfo;
  readonly fields: CertificateFields;
  readonly signatureOk: boolean;
  /** A root of the bundle issued the seal certificate and was valid at `iat`. */
  readonly chainTrusted: boolean;
  /** What the caller's seal status lookup said. */
  readonly status?: SealStatus;
  /** What the trust list said, when one was asked for (`trustList` set and a root found). */
  readonly listed?: TrustListCheck;
  readonly trustList?: TrustListMode;
  readonly at: Date;
  readonly clockToleranceSeconds?: number;
}

/** The verdict on a sealed JWS from what was checked: every failed check adds its reason. */
export function judgeSeal(facts: SealFacts): VerifyResult {
  const { info, fields, iat, listed } = facts;
  const reasons: VerifyReason[] = [];
  if (info.kid !== facts.kid) reasons.push('KID_MISMATCH');
  if (!facts.signatureOk) reasons.push('SIGNATURE_INVALID');
  const signedAt = new Date(iat * 1000);
  if (!facts.chainTrusted) reasons.push('CHAIN_UNTRUSTED');
  if (!hasSealUsage(fields)) reasons.push('KEY_USAGE');
  if (signedAt < info.validFrom) reasons.push('SEAL_NOT_YET_VALID');
  if (signedAt > info.validTo) reasons.push('SEAL_EXPIRED');
  const revokedAt = [facts.status?.revokedAt, listed?.revokedAt].filter((d) => d !== undefined);
  // Compared in whole seconds, as iat is: a seal revoked during second S does not vouch for anything sealed in S.
  if (revokedAt.some((d) => iat >= Math.floor(d.getTime() / 1000))) reasons.push('SEAL_REVOKED');
  const problems = listed?.problem ? [listed.problem] : [];
  if (facts.trustList === 'refuse') reasons.push(...problems);
  const tolerance = facts.clockToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (iat > facts.at.getTime() / 1000 + tolerance) reasons.push('ISSUED_IN_FUTURE');
  return {
    valid: reasons.length === 0,
    reasons,
    header: facts.header,
    sealCert: { ...info, validFrom: new Date(info.validFrom), validTo: new Date(info.validTo) },
    signedAt,
    ...(facts.signatureOk ? { payload: facts.parsed.payload, payloadPart: facts.parsed.parts[1] } : {}),
    ...(facts.trustList === 'warn' ? { warnings: problems } : {}),
    ...(listed?.used ? { trustListUsed: listed.used } : {}),
  };
}
