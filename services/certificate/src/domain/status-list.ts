import { gunzipSync, gzipSync } from 'node:zlib';
import { AppError } from '@onceonly/errors';
import type { CertificateState } from './certificate.js';
import { LicenceStatus } from './lifecycle-codes.js';

/**
 * W3C Bitstring Status List v1.0: one list per issuer and purpose, 131,072 entries (16 KiB, the minimum the
 * Recommendation sets so that a certificate hides in the crowd), GZIP-compressed and multibase base64url-encoded
 * (`u` prefix, no padding) as `encodedList`. Bit 0 is the left-most bit of the first byte. Compression is CPU work
 * on bytes (node:zlib), not I/O.
 */

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

// An odd multiplier permutes 0..2^17-1: consecutive certificates land far apart in the list, so that an index does
// not tell when (or after whom) a certificate was issued, as the Recommendation advises.
const SCATTER = 0x9e3779b1;

/**
 * The position of the issuer's `sequence`-th certificate (0, 1, 2, ...): list `sequence / 131072`, index a fixed
 * permutation of `sequence mod 131072`. The service keeps one counter per issuer; both purposes share the position.
 */
export function statusListPosition(sequence: number): StatusListPosition {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError('the sequence is a non-negative integer');
  const offset = sequence % STATUS_LIST_SIZE;
  return {
    listNumber: Math.floor(sequence / STATUS_LIST_SIZE),
    index: Number((BigInt(offset) * BigInt(SCATTER)) % BigInt(STATUS_LIST_SIZE)),
  };
}

/** An all-zero bitstring of `size` bits (a multiple of 8). */
export function createBitstring(size: number = STATUS_LIST_SIZE): Uint8Array {
  if (size <= 0 || size % 8 !== 0) throw new RangeError('a bitstring holds a positive multiple of 8 bits');
  return new Uint8Array(size / 8);
}

function locate(bits: Uint8Array, index: number): [byte: number, mask: number] {
  if (!Number.isInteger(index) || index < 0 || index >= bits.length * 8) {
    throw new RangeError(`index ${index} is outside the list of ${bits.length * 8} entries`);
  }
  return [index >> 3, 0x80 >> (index & 7)];
}

/** Sets or clears the bit at `index` (in place). */
export function setStatusBit(bits: Uint8Array, index: number, value: boolean): void {
  const [byte, mask] = locate(bits, index);
  bits[byte] = value ? bits[byte]! | mask : bits[byte]! & ~mask;
}

/** Reads the bit at `index`. */
export function readStatusBit(bits: Uint8Array, index: number): boolean {
  const [byte, mask] = locate(bits, index);
  return (bits[byte]! & mask) !== 0;
}

/** GZIP + base64url, with the multibase prefix `u`. */
export function encodeStatusList(bits: Uint8Array): string {
  return `u${Buffer.from(gzipSync(bits)).toString('base64url')}`;
}

function malformed(message: string, cause?: unknown): AppError {
  return new AppError('STATUS_LIST_MALFORMED', message, cause === undefined ? {} : { cause });
}

/**
 * Decodes an `encodedList` (with or without the `u` prefix) into its bitstring.
 * @throws AppError STATUS_LIST_MALFORMED: not base64url, not GZIP, too large, or shorter than 16 KiB.
 */
export function decodeStatusList(encoded: string): Uint8Array {
  const text = encoded.startsWith('u') ? encoded.slice(1) : encoded;
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw malformed('encodedList is not base64url');
  let bits: Buffer;
  try {
    bits = gunzipSync(Buffer.from(text, 'base64url'), { maxOutputLength: MAX_STATUS_LIST_BYTES });
  } catch (err) {
    throw malformed('encodedList is not a GZIP stream within the size limit', err);
  }
  if (bits.length < STATUS_LIST_SIZE / 8) throw malformed(`the list holds fewer than ${STATUS_LIST_SIZE} entries`);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.length);
}

/** The bits a certificate version sets: revoked for any end by decision or replacement, suspended while suspended. */
export function statusBitsOf(state: CertificateState): Record<StatusPurpose, boolean> {
  const ended: readonly string[] = [LicenceStatus.WITHDRAWN, LicenceStatus.REVOKED, LicenceStatus.CANCELLED];
  return {
    revocation: state.supersededById !== undefined || ended.includes(state.status),
    suspension: state.status === LicenceStatus.SUSPENDED,
  };
}

/** What a status list credential says. */
export interface StatusListCredentialInput {
  /** URL of the credential, e.g. `https://hub.example/status/<issuer>/revocation/0`. */
  readonly id: string;
  /** The issuer as a URL or DID. */
  readonly issuer: string;
  readonly purpose: StatusPurpose;
  readonly encodedList: string;
  readonly validFrom: Date;
  readonly validUntil?: Date;
}

/** A BitstringStatusListCredential (VC Data Model 2.0), unsigned. */
export function statusListCredential(input: StatusListCredentialInput): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: input.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer,
    validFrom: input.validFrom.toISOString(),
    ...(input.validUntil === undefined ? {} : { validUntil: input.validUntil.toISOString() }),
    credentialSubject: {
      id: `${input.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.purpose,
      encodedList: input.encodedList,
    },
  };
}

/** The `credentialStatus` entry of a certificate for one purpose. */
export function statusListEntry(listUrl: string, purpose: StatusPurpose, index: number): Record<string, string> {
  return {
    id: `${listUrl}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: listUrl,
  };
}

/** A fresh list with the bits at `indices` set. */
export function bitstringWith(indices: Iterable<number>, size: number = STATUS_LIST_SIZE): Uint8Array {
  const bits = createBitstring(size);
  for (const index of indices) setStatusBit(bits, index, true);
  return bits;
}
