import { AppError, invalid } from '@onceonly/errors';
import type { Clock } from './ca.js';
import { readCertificate } from './certificate-reader.js';
import type { Signer } from './signer.js';

/**
 * The default JWS `typ` of a sealed licence: `onceonly-licence+jws` (explicit typing, RFC 8725 §3.11). It tells
 * a sealed licence apart from any other JWS the same seal might sign (a status list, say), so one cannot be passed
 * off as the other; {@link verifySealedJws} checks it. Other document kinds pass their own `typ`.
 */
export const SEALED_LICENCE_TYP = 'onceonly-licence+jws';

/** The largest compact JWS this package writes or reads (a licence with its chain is about 3 KiB). */
export const MAX_JWS_LENGTH = 64 * 1024;

/** The protected header of a sealed JWS. */
export interface SealHeader {
  readonly alg: 'ES256';
  readonly typ: string;
  /** {@link sealKid} of the seal certificate. */
  readonly kid: string;
  /** Seal certificate, then CA certificate, standard base64 DER. Absent in the QR variant. */
  readonly x5c?: readonly string[];
}

/** Options of {@link sealPayload}. */
export interface SealOptions {
  /** Put the certificate chain into the header (`x5c`); default true. The QR variant passes false. */
  readonly embedChain?: boolean;
  /** The header `typ`; default {@link SEALED_LICENCE_TYP}. */
  readonly typ?: string;
  /** Sets `iat` when the payload has none; the system clock by default. */
  readonly clock?: Clock;
}

const b64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Latest NumericDate accepted: 9999-12-31T23:59:59Z, so that every `iat` is a valid Date. */
const MAX_NUMERIC_DATE = 253_402_300_799;

/** True for a JWT NumericDate this package accepts as `iat`: whole seconds from 1970 to the year 9999. */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_NUMERIC_DATE;
}

function issuedAt(payload: Record<string, unknown>, clock: Clock): number {
  if (!('iat' in payload)) return Math.floor(clock().getTime() / 1000);
  const { iat } = payload;
  if (!isNumericDate(iat)) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'iat', reason: 'NUMERIC_DATE', description: 'must be whole seconds since 1970 (a JWT NumericDate)' },
    ]);
  }
  return iat;
}

// The validity of the seal certificates signed with, by their base64 DER: read once, not on every seal. Bounded.
const validities = new Map<string, { notBefore: Date; notAfter: Date }>();
const VALIDITY_CACHE_LIMIT = 1024;

function validityOf(leaf: string): { notBefore: Date; notAfter: Date } {
  let validity = validities.get(leaf);
  if (validity === undefined) {
    const { notBefore, notAfter } = readCertificate(Buffer.from(leaf, 'base64'));
    validity = { notBefore, notAfter };
    if (validities.size >= VALIDITY_CACHE_LIMIT) validities.clear();
    validities.set(leaf, validity);
  }
  return validity;
}

/** A seal signs only inside its certificate's validity: refuse early rather than produce a JWS that fails. */
function assertSealValidAt(signer: Signer, iat: number): void {
  const leaf = signer.x5c[0];
  if (leaf === undefined) return;
  const { notBefore, notAfter } = validityOf(leaf);
  const at = iat * 1000;
  const meta = { kid: signer.kid, iat: String(iat) };
  if (at < notBefore.getTime()) {
    throw new AppError('SEAL_NOT_YET_VALID', 'the seal certificate is not valid yet at the signing time', {
      details: { meta },
    });
  }
  if (at > notAfter.getTime()) {
    throw new AppError('SEAL_EXPIRED', 'the seal certificate has expired at the signing time', { details: { meta } });
  }
}

/** A protected header as written: its JSON (the bytes the QR frame carries) and its base64url (the JWS part). */
export interface EncodedHeader {
  readonly json: Buffer;
  readonly part: string;
}

// The encoded headers of each signer, by typ and variant: every licence a seal signs carries the same header (alg,
// typ, kid and, with the chain, about 2.5 KiB of x5c), written once rather than per seal. Only for a signer whose
// x5c is frozen (LocalKeySigner's): an array that can change in place is encoded on every call.
const encodedHeaders = new WeakMap<
  Signer,
  Map<string, { kid: string; x5c: readonly string[]; header: EncodedHeader }>
>();

function encodeHeader(signer: Signer, typ: string, embedChain: boolean): EncodedHeader {
  const header: SealHeader = {
    alg: signer.alg,
    typ,
    kid: signer.kid,
    ...(embedChain && signer.x5c.length > 0 ? { x5c: [...signer.x5c] } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { json, part: json.toString('base64url') };
}

/** The protected header {@link sealPayload} writes for `signer`, encoded (from memory when seen before). Internal. */
export function sealHeaderOf(signer: Signer, typ: string, embedChain: boolean): EncodedHeader {
  if (!Object.isFrozen(signer.x5c)) return encodeHeader(signer, typ, embedChain);
  let bySigner = encodedHeaders.get(signer);
  if (bySigner === undefined) {
    bySigner = new Map();
    encodedHeaders.set(signer, bySigner);
  }
  const key = `${embedChain ? 'x5c' : 'kid'} ${signer.alg} ${typ}`;
  const known = bySigner.get(key);
  // a signer whose kid or chain was replaced since is encoded again
  if (known !== undefined && known.kid === signer.kid && known.x5c === signer.x5c) return known.header;
  const header = encodeHeader(signer, typ, embedChain);
  bySigner.set(key, { kid: signer.kid, x5c: signer.x5c, header });
  return header;
}

/** A payload checked and written as {@link sealPayload} signs it: its JSON bytes and base64url part. Internal. */
export interface EncodedPayload {
  readonly json: Buffer;
  readonly part: string;
}

/**
 * Checks `payload` and the seal's validity at its `iat` (added from the clock when missing) and writes the payload
 * as it is signed. Internal: {@link sealPayload} and the QR sealing share it.
 * @throws AppError as {@link sealPayload}.
 */
export function encodePayloadToSeal(payload: object, signer: Signer, clock: Clock | undefined): EncodedPayload {
  if (!isPlainObject(payload)) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'payload', reason: 'TYPE', description: 'must be a JSON object' }]);
  }
  const iat = issuedAt(payload, clock ?? (() => new Date()));
  assertSealValidAt(signer, iat);
  let body: string;
  try {
    body = JSON.stringify('iat' in payload ? payload : { ...payload, iat });
  } catch (cause) {
    throw new AppError('INVALID_ARGUMENT', 'the payload cannot be written as JSON', { cause });
  }
  const json = Buffer.from(body, 'utf8');
  return { json, part: json.toString('base64url') };
}

/**
 * Signs a header and a payload already written; returns the compact JWS and the 64-byte signature. Internal.
 * @throws AppError INTERNAL (a signer that does not return 64 bytes), REQUEST_TOO_LARGE.
 */
export async function signEncoded(
  header: EncodedHeader,
  payload: EncodedPayload,
  signer: Signer,
): Promise<{ jws: string; signature: Uint8Array }> {
  const signingInput = `${header.part}.${payload.part}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'));
  if (signature.length !== 64) {
    throw new AppError('INTERNAL', `the signer returned ${signature.length} bytes, not a 64-byte ES256 signature`);
  }
  const jws = `${signingInput}.${b64url(signature)}`;
  if (jws.length > MAX_JWS_LENGTH) {
    throw new AppError('REQUEST_TOO_LARGE', `the sealed JWS would exceed ${MAX_JWS_LENGTH} characters`);
  }
  return { jws, signature };
}

/**
 * Seals `payload` as a compact JWS (RFC 7515) with ES256. Header: `{ alg: 'ES256', typ, kid, x5c }` (`x5c` left out
 * with `embedChain: false`, the QR variant). The payload is `JSON.stringify(payload)`, with `iat` (seconds, the
 * signing time) added from the clock when the payload has none. Verifiers judge the seal at `iat`.
 *
 * The JWS is assembled here rather than with jose's `CompactSign`, which signs with a key object: the signature comes
 * from the {@link Signer} port so that keys may live outside this process.
 * @throws AppError INVALID_ARGUMENT (payload not an object, bad `iat`), SEAL_NOT_YET_VALID / SEAL_EXPIRED (seal
 *   certificate not valid at `iat`), REQUEST_TOO_LARGE.
 */
export async function sealPayload(payload: object, signer: Signer, options: SealOptions = {}): Promise<string> {
  const encoded = encodePayloadToSeal(payload, signer, options.clock);
  const header = sealHeaderOf(signer, options.typ ?? SEALED_LICENCE_TYP, options.embedChain !== false);
  return (await signEncoded(header, encoded, signer)).jws;
}

/** The parts of a compact JWS, decoded. */
export interface CompactJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signature: Buffer;
  /** The three base64url parts as they were. */
  readonly parts: readonly [string, string, string];
}

const PART = /^[A-Za-z0-9_-]*$/;

/** Decodes one base64url part, refusing any text that would not encode back to itself (padding, stray bits). */
export function decodePart(part: string): Buffer {
  const bytes = Buffer.from(part, 'base64url');
  if (!PART.test(part) || bytes.toString('base64url') !== part) throw new Error('not canonical base64url');
  return bytes;
}

// A fatal decoder keeps no state between calls that are not streamed: one serves every parse.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(utf8.decode(decodePart(part)));
  if (!isPlainObject(value)) throw new Error(`${what} is not a JSON object`);
  return value;
}

/**
 * Splits and decodes a compact JWS whose header and payload are JSON objects.
 * @throws Error (plain, not coded) when it is not one; callers turn that into MALFORMED or JWS_MALFORMED.
 */
export function parseCompactJws(jws: string): CompactJws {
  return parseWith(jws, (h) => decodeJsonObject(h, 'header'));
}

function parseWith(jws: string, header: (part: string) => Record<string, unknown>): CompactJws {
  if (jws.length > MAX_JWS_LENGTH) throw new Error('too long');
  const parts = jws.split('.');
  if (parts.length !== 3) throw new Error('a compact JWS has three parts');
  const [h = '', p = '', s = ''] = parts;
  return { header: header(h), payload: decodeJsonObject(p, 'payload'), signature: decodePart(s), parts: [h, p, s] };
}

// Headers decoded before, by their base64url text (content-addressed: a hit is the same header). Every licence a
// seal signs carries the same header (alg, typ, kid and the x5c chain, about 2.5 KiB): decoded once, not per call.
const headers = new Map<string, Readonly<Record<string, unknown>>>();
const HEADER_CACHE_LIMIT = 1024;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * {@link parseCompactJws} for verification: the header is decoded once per distinct header text and shared, frozen
 * (so that no caller can change what the next one reads). Internal to this package.
 */
export function parseCompactJwsSharingHeader(jws: string): CompactJws {
  return parseWith(jws, (h) => {
    let header = headers.get(h);
    if (header === undefined) {
      header = deepFreeze(decodeJsonObject(h, 'header'));
      if (headers.size >= HEADER_CACHE_LIMIT) headers.clear();
      headers.set(h, header);
    }
    return header as Record<string, unknown>;
  });
}
