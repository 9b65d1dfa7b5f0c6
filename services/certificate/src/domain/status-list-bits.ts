/**
 * The parts of the W3C Bitstring Status List that need no compression library (see `status-list.ts`): what a list
 * is, where a bit lies, and the checks on an `encodedList` before and after GZIP. The hub (node:zlib) and the
 * verification page (DecompressionStream) decode through these same checks.
 */
import { AppError } from '@onceonly/errors';

/** Entries per list. */
export const STATUS_LIST_SIZE = 131_072;
/** Decompressed lists larger than this are refused (a hostile list could be a compression bomb). */
export const MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024;

/** `revocation`: set once, never cleared. `suspension`: set while suspended. */
export type StatusPurpose = 'revocation' | 'suspension';

/** Where a certificate's bit lies: the issuer's list number and the index within it. */
export interface StatusListPosition {
  readonly listNumber: number;
  readonly index: number;
}

export function locate(bits: Uint8Array, index: number): [byte: number, mask: number] {
  if (!Number.isInteger(index) || index < 0 || index >= bits.length * 8) {
    throw new RangeError(`index ${index} is outside the list of ${bits.length * 8} entries`);
  }
  return [index >> 3, 0x80 >> (index & 7)];
}

/** Reads the bit at `index`. */
export function readStatusBit(bits: Uint8Array, index: number): boolean {
  const [byte, mask] = locate(bits, index);
  return (bits[byte]! & mask) !== 0;
}

export function statusListMalformed(message: string, cause?: unknown): AppError {
  return new AppError('STATUS_LIST_MALFORMED', message, cause === undefined ? {} : { cause });
}

/** The GZIP bytes of an `encodedList` (with or without the `u` prefix). @throws AppError STATUS_LIST_MALFORMED. */
export function statusListGzip(encoded: string): Uint8Array {
  const text = encoded.startsWith('u') ? encoded.slice(1) : encoded;
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw statusListMalformed('encodedList is not base64url');
  return Buffer.from(text, 'base64url');
}

/** The decoded bitstring, refused when shorter than a list. @throws AppError STATUS_LIST_MALFORMED. */
export function checkedBitstring(bits: Uint8Array): Uint8Array {
  if (bits.length < STATUS_LIST_SIZE / 8)
    throw statusListMalformed(`the list holds fewer than ${STATUS_LIST_SIZE} entries`);
  return bits;
}
