/// <reference path="./base45.d.ts" />
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { invalid } from '@onceonly/errors';
import base45 from 'base45';
import {
  decodePart,
  encodePayloadToSeal,
  parseCompactJws,
  SEALED_LICENCE_TYP,
  type SealOptions,
  sealHeaderOf,
  signEncoded,
} from './jws.js';
import { QR_DICTIONARY_V1 } from './qr-dictionary.js';
import {
  ES256_SIGNATURE_BYTES,
  jwsOfQrFrame,
  MAX_QR_FRAME_BYTES,
  QR_PREFIX,
  qrCompressedBytes,
  qrMalformed,
} from './qr-frame.js';
import type { Signer } from './signer.js';

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
    throw qrMalformed('JWS', 'not a compact JWS', cause);
  }
  if ('x5c' in parsed.header) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'jws', reason: 'X5C', description: 'a QR payload carries no x5c: seal it with embedChain: false' },
    ]);
  }
  if (parsed.signature.length !== ES256_SIGNATURE_BYTES) throw qrMalformed('SIGNATURE', 'not an ES256 signature');
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

/**
 * The compact JWS inside a QR payload made by {@link toQrPayload}. Surrounding white space (from a scanner) is
 * ignored. QR text is hostile input: the base45 must be canonical and inflating stops at 64 KiB.
 * @throws AppError JWS_MALFORMED with `details.meta.reason` `PREFIX`, `LENGTH`, `BASE45`, `DEFLATE` or `FRAME`.
 */
export function fromQrPayload(text: string): string {
  const compressed = qrCompressedBytes(text);
  let frame: Buffer;
  try {
    frame = inflateRawSync(compressed, { dictionary: QR_DICTIONARY_V1, maxOutputLength: MAX_QR_FRAME_BYTES });
  } catch (cause) {
    throw qrMalformed('DEFLATE', 'the QR payload does not inflate', cause);
  }
  return jwsOfQrFrame(frame);
}

export { QR_PREFIX };
