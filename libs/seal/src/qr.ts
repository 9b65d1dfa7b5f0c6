/// <reference path="./base45.d.ts" />
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { AppError, invalid } from '@onceonly/errors';
import base45 from 'base45';
import {
  decodePart,
  encodePayloadToSeal,
  MAX_JWS_LENGTH,
  parseCompactJws,
  SEALED_LICENCE_TYP,
  type SealOptions,
  sealHeaderOf,
  signEncoded,
} from './jws.js';
import { QR_DICTIONARY_V1 } from './qr-dictionary.js';
import type { Signer } from './signer.js';

/**
 * Prefix of QR payload format 1. `OO1:` and base45 both stay inside the QR alphanumeric alphabet, so a QR code
 * holds the whole text in alphanumeric mode (5.5 bits a character).
 */
export const QR_PREFIX = 'OO1:';

/** The longest QR text read: version 40 holds 4,296 alphanumeric characters. */
const MAX_QR_LENGTH = 4296;
const BASE45 = /^[0-9A-Z $%*+\-./:]*$/;
const ES256_SIGNATURE_BYTES = 64;

function malformed(reason: string, message: string, cause?: unknown): AppError {
  return new AppError('JWS_MALFORMED', message, { cause, details: { meta: { reason } } });
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(bytes: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) break;
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return [value, offset + i + 1];
  }
  throw malformed('FRAME', 'the QR payload is truncated');
}

/**
 * The QR payload of a compact JWS sealed with `embedChain: false`: `OO1:` + base45(deflateRaw(frame)), where frame
 * is the JWS decoded: varint(header length) ‖ header JSON ‖ varint(payload length) ‖ payload JSON ‖ 64-byte
 * signature, compressed with the preset dictionary {@link QR_DICTIONARY_V1}. Decoding the base64url parts first
 * saves a quarter, the dictionary about half of the rest. {@link fromQrPayload} gives back the same JWS, character
 * for character, so the signature verifies as sealed.
 * @throws AppError JWS_MALFORMED when `jws` is not a compact JWS with canonical base64url; INVALID_ARGUMENT when
 *   its header carries `x5c` (seal the QR variant with `embedChain: false`).
 */
export function toQrPayload(jws: string): string {
  let parsed: ReturnType<typeof parseCompactJws>;
  try {
    parsed = parseCompactJws(jws);
  } catch (cause) {
    throw malformed('JWS', 'not a compact JWS', cause);
  }
  if ('x5c' in parsed.header) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'jws', reason: 'X5C', description: 'a QR payload carries no x5c: seal it with embedChain: false' },
    ]);
  }
  if (parsed.signature.length !== ES256_SIGNATURE_BYTES) throw malformed('SIGNATURE', 'not an ES256 signature');
  const [h, p] = parsed.parts;
  return qrOfParts(decodePart(h), decodePart(p), parsed.signature);
}

/** The QR payload of a JWS given by its header JSON, its payload JSON and its 64-byte signature. */
function qrOfParts(header: Uint8Array, payload: Uint8Array, signature: Uint8Array): string {
  const frame = Buffer.concat([varint(header.length), header, varint(payload.length), payload, signature]);
  const compressed = deflateRawSync(frame, { level: 9, dictionary: QR_DICTIONARY_V1 });
  return QR_PREFIX + base45.encode(compressed);
}

/** A payload sealed twice: with the chain, and as QR text. */
export interface SealedWithQr {
  /** {@link sealPayload} with the chain (`x5c`). */
  readonly jws: string;
  /** {@link toQrPayload} of the payload sealed with `embedChain: false`. */
  readonly qrPayload: string;
}

/**
 * Seals `payload` twice at the same `iat`, as {@link sealPayload} with its chain and as {@link toQrPayload} of
 * `sealPayload(payload, signer, { embedChain: false })`, in one pass: the payload is checked and written once, the
 * headers come from memory, and the QR frame is made from the parts as signed, without parsing the JWS back. Two
 * signatures, as before (each variant signs its own header).
 * @throws AppError as {@link sealPayload}.
 */
export async function sealWithQr(
  payload: object,
  signer: Signer,
  options: Pick<SealOptions, 'typ' | 'clock'> = {},
): Promise<SealedWithQr> {
  const encoded = encodePayloadToSeal(payload, signer, options.clock);
  const typ = options.typ ?? SEALED_LICENCE_TYP;
  const withChain = await signEncoded(sealHeaderOf(signer, typ, true), encoded, signer);
  const qrHeader = sealHeaderOf(signer, typ, false);
  const compact = await signEncoded(qrHeader, encoded, signer);
  return { jws: withChain.jws, qrPayload: qrOfParts(qrHeader.json, encoded.json, compact.signature) };
}

const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const BASE45_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...BASE45_ALPHABET].entries()) BASE45_VALUE[c.charCodeAt(0)] = i;

/**
 * RFC 9285 decoding that accepts only canonical text: a group of three characters must stay at or below 65535 and a
 * final pair at or below 255. Those are exactly the texts the encoder writes (each value has one spelling), so no
 * re-encoding is needed to check. Undefined for anything else (the caller has checked the alphabet and the length).
 */
function decodeCanonicalBase45(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  const at = (i: number) => BASE45_VALUE[text.charCodeAt(i)] ?? -1;
  for (let i = 0; i < text.length; i += 3) {
    const c = at(i);
    const d = at(i + 1);
    if (c < 0 || d < 0) return undefined;
    if (i + 2 < text.length) {
      const e = at(i + 2);
      if (e < 0) return undefined;
      const n = c + 45 * d + 2025 * e;
      if (n > 0xffff) return undefined;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = c + 45 * d;
      if (n > 0xff) return undefined;
      out[o++] = n;
    }
  }
  return out;
}

/**
 * The compact JWS inside a QR payload made by {@link toQrPayload}. Surrounding white space (from a scanner) is
 * ignored. QR text is hostile input: the base45 must be canonical and inflating stops at 64 KiB.
 * @throws AppError JWS_MALFORMED with `details.meta.reason` `PREFIX`, `LENGTH`, `BASE45`, `DEFLATE` or `FRAME`.
 */
export function fromQrPayload(text: string): string {
  // base45 never ends in a space (the last character of a group is at most 'W'), so trimming loses nothing.
  const trimmed = text.trim();
  if (!trimmed.startsWith(QR_PREFIX)) throw malformed('PREFIX', `a QR payload starts with ${QR_PREFIX}`);
  if (trimmed.length > MAX_QR_LENGTH) throw malformed('LENGTH', 'the QR payload is too long');
  const body = trimmed.slice(QR_PREFIX.length);
  if (!BASE45.test(body) || body.length % 3 === 1) throw malformed('BASE45', 'the QR payload is not base45');
  const compressed = decodeCanonicalBase45(body);
  if (compressed === undefined) throw malformed('BASE45', 'the QR payload is not canonical base45');
  let frame: Buffer;
  try {
    frame = inflateRawSync(compressed, { dictionary: QR_DICTIONARY_V1, maxOutputLength: MAX_JWS_LENGTH });
  } catch (cause) {
    throw malformed('DEFLATE', 'the QR payload does not inflate', cause);
  }
  const [headerLength, afterHeaderLength] = readVarint(frame, 0);
  const headerEnd = afterHeaderLength + headerLength;
  const [payloadLength, afterPayloadLength] = readVarint(frame, headerEnd);
  const payloadEnd = afterPayloadLength + payloadLength;
  if (headerEnd > frame.length || frame.length - payloadEnd !== ES256_SIGNATURE_BYTES) {
    throw malformed('FRAME', 'the QR payload does not hold a header, a payload and a signature');
  }
  const part = (from: number, to: number) => frame.subarray(from, to).toString('base64url');
  return `${part(afterHeaderLength, headerEnd)}.${part(afterPayloadLength, payloadEnd)}.${part(payloadEnd, frame.length)}`;
}
