import { gunzipSync, gzipSync } from 'node:zlib';
import type { CertificateState } from './certificate.js';
import { LicenceStatus } from './lifecycle-codes.js';
import {
  checkedBitstring,
  locate,
  MAX_STATUS_LIST_BYTES,
  STATUS_LIST_SIZE,
  type StatusListPosition,
  type StatusPurpose,
  statusListGzip,
  statusListMalformed,
} from './status-list-bits.js';

export {
  MAX_STATUS_LIST_BYTES,
  readStatusBit,
  STATUS_LIST_SIZE,
  type StatusListPosition,
  type StatusPurpose,
} from './status-list-bits.js';

/**
 * W3C Bitstring Status List v1.0: one list per issuer and purpose, 131,072 entries (16 KiB, the minimum the
 * Recommendation sets so that a certificate hides in the crowd), GZIP-compressed and multibase base64url-encoded
 * (`u` prefix, no padding) as `encodedList`. Bit 0 is the left-most bit of the first byte. Compression is CPU work
 * on bytes (node:zlib), not I/O.
 */

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

/** Sets or clears the bit at `index` (in place). */
export function setStatusBit(bits: Uint8Array, index: number, value: boolean): void {
  const [byte, mask] = locate(bits, index);
  bits[byte] = value ? bits[byte]! | mask : bits[byte]! & ~mask;
}

/** GZIP + base64url, with the multibase prefix `u`. */
export function encodeStatusList(bits: Uint8Array): string {
  return `u${Buffer.from(gzipSync(bits)).toString('base64url')}`;
}

/**
 * Decodes an `encodedList` (with or without the `u` prefix) into its bitstring.
 * @throws AppError STATUS_LIST_MALFORMED: not base64url, not GZIP, too large, or shorter than 16 KiB.
 */
export function decodeStatusList(encoded: string): Uint8Array {
  const gzip = statusListGzip(encoded);
  let bits: Buffer;
  try {
    bits = gunzipSync(gzip, { maxOutputLength: MAX_STATUS_LIST_BYTES });
  } catch (err) {
    throw statusListMalformed('encodedList is not a GZIP stream within the size limit', err);
  }
  return checkedBitstring(new Uint8Array(bits.buffer, bits.byteOffset, bits.length));
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
