import { AppError } from '@onceonly/errors';
import { MAX_JWS_LENGTH } from './jws.js';

/**
 * The parts of QR payload format 1 that need no compression library: the prefix, the canonical base45 text and the
 * frame inside the deflate stream. {@link fromQrPayload} (zlib) and the browser verifier (DecompressionStream) read
 * a QR text with these same functions, so that both accept exactly the same texts.
 */

/**
 * Prefix of QR payload format 1. `OO1:` and base45 both stay inside the QR alphanumeric alphabet, so a QR code
 * holds the whole text in alphanumeric mode (5.5 bits a character).
 */
export const QR_PREFIX = 'OO1:';

/** The longest QR text read: version 40 holds 4,296 alphanumeric characters. */
const MAX_QR_LENGTH = 4296;
const BASE45 = /^[0-9A-Z $%*+\-./:]*$/;
export const ES256_SIGNATURE_BYTES = 64;

/** The most bytes a QR frame may inflate to: a compact JWS's longest, decoded. */
export const MAX_QR_FRAME_BYTES = MAX_JWS_LENGTH;

export function qrMalformed(reason: string, message: string, cause?: unknown): AppError {
  return new AppError('JWS_MALFORMED', message, { cause, details: { meta: { reason } } });
}

const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const BASE45_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...BASE45_ALPHABET].entries()) BASE45_VALUE[c.charCodeAt(0)] = i;

/**
 * RFC 9285 decoding that accepts only canonical text: a group of three characters must stay at or below 65535 and a
 * final pair at or below 255. Those are exactly the texts the encoder writes (each value has one spelling), so no
 * re-encoding is needed to check. Undefined for anything else (the caller has checked the alphabet and the length).
 */
function decodeCanonicalBase45(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
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
 * The deflate stream inside a QR text: the prefix checked, surrounding white space (from a scanner) ignored, the
 * base45 canonical. QR text is hostile input.
 * @throws AppError JWS_MALFORMED with `details.meta.reason` `PREFIX`, `LENGTH` or `BASE45`.
 */
export function qrCompressedBytes(text: string): Uint8Array {
  // base45 never ends in a space (the last character of a group is at most 'W'), so trimming loses nothing.
  const trimmed = text.trim();
  if (!trimmed.startsWith(QR_PREFIX)) throw qrMalformed('PREFIX', `a QR payload starts with ${QR_PREFIX}`);
  if (trimmed.length > MAX_QR_LENGTH) throw qrMalformed('LENGTH', 'the QR payload is too long');
  const body = trimmed.slice(QR_PREFIX.length);
  if (!BASE45.test(body) || body.length % 3 === 1) throw qrMalformed('BASE45', 'the QR payload is not base45');
  const compressed = decodeCanonicalBase45(body);
  if (compressed === undefined) throw qrMalformed('BASE45', 'the QR payload is not canonical base45');
  return compressed;
}

function readVarint(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) break;
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return [value, offset + i + 1];
  }
  throw qrMalformed('FRAME', 'the QR payload is truncated');
}

/**
 * The compact JWS of an inflated QR frame: varint(header length) ‖ header JSON ‖ varint(payload length) ‖ payload
 * JSON ‖ 64-byte signature, each part base64url-encoded again, character for character as sealed.
 * @throws AppError JWS_MALFORMED with `details.meta.reason` `FRAME`.
 */
export function jwsOfQrFrame(frame: Uint8Array): string {
  const [headerLength, afterHeaderLength] = readVarint(frame, 0);
  const headerEnd = afterHeaderLength + headerLength;
  const [payloadLength, afterPayloadLength] = readVarint(frame, headerEnd);
  const payloadEnd = afterPayloadLength + payloadLength;
  if (headerEnd > frame.length || frame.length - payloadEnd !== ES256_SIGNATURE_BYTES) {
    throw qrMalformed('FRAME', 'the QR payload does not hold a header, a payload and a signature');
  }
  const part = (from: number, to: number) => Buffer.from(frame.subarray(from, to)).toString('base64url');
  return `${part(afterHeaderLength, headerEnd)}.${part(afterPayloadLength, payloadEnd)}.${part(payloadEnd, frame.length)}`;
}
