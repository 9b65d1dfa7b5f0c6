import { createHash } from 'node:crypto';
import { leafHash } from '@onceonly/merkle';
import type { ReplayEvent } from '@onceonly/replay';

/** The format tag inside every leaf: a future encoding gets a new tag, and old leaves keep theirs. */
export const LEAF_FORMAT = 'onceonly.audit.leaf/v1';

/**
 * What one leaf commits to: the CloudEvents attributes of the event, its source sequence, and the SHA-256 of its
 * body. Not the topic, partition or offset: those say where a copy of the event was read, not what happened, and
 * leaving them out makes a replay over another transport (Kafka or the embedded log) give the same leaves.
 * `traceparent` is left out too: it is tracing metadata that a proxy may rewrite. The attributes are those of a
 * {@link ReplayEvent} (`time` exactly as the producer wrote it, `sequence` in decimal).
 */
export interface LeafAttributes extends Omit<ReplayEvent, 'data'> {
  /** SHA-256 of the body, 32 bytes. */
  readonly dataSha256: Uint8Array;
}

/** The event as the audit log needs it: the attributes and the body (whose SHA-256 the leaf commits to). */
export interface LoggableEvent extends Omit<LeafAttributes, 'dataSha256'> {
  readonly data: Uint8Array;
  /** CloudEvents extension attributes beyond `sequence`: not in the leaf, kept beside it (who may read it). */
  readonly extensions?: Readonly<Record<string, string>> | undefined;
}

/** One leaf: its canonical bytes and its RFC 6962 leaf hash. */
export interface Leaf {
  readonly attributes: LeafAttributes;
  readonly canonical: Uint8Array;
  readonly hash: Uint8Array;
}

/** Why a canonical leaf was refused by {@link decodeLeaf}. */
export class LeafFormatError extends Error {
  override readonly name = 'LeafFormatError';
}

const STRING_KEYS = [
  'datacontenttype',
  'dataschema',
  'id',
  'sequence',
  'source',
  'specversion',
  'subject',
  'time',
  'type',
] as const;
const KEYS = [...STRING_KEYS, 'datasha256', 'format'].sort();
const SEQUENCE = /^[1-9][0-9]{0,18}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** SHA-256 of bytes. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/**
 * The canonical leaf encoding (format `onceonly.audit.leaf/v1`): the UTF-8 bytes of a JSON object in the JSON
 * Canonicalization Scheme (RFC 8785), so anyone can recompute it with a JCS library:
 *
 * - members `datacontenttype`, `dataschema`, `datasha256`, `format`, `id`, `sequence`, `source`, `specversion`,
 *   `subject`, `time`, `type`, in that (sorted) order, no whitespace;
 * - every value a JSON string, escaped as ECMAScript's JSON.stringify does (which RFC 8785 adopts);
 * - `datasha256` the lower-case hex SHA-256 of the body; `sequence` the decimal sequence as a string (it may pass
 *   2^53); `format` the constant `onceonly.audit.leaf/v1`.
 *
 * The leaf hash is RFC 6962's `SHA-256(0x00 || canonical)`.
 */
export function encodeLeaf(attributes: LeafAttributes): Uint8Array {
  if (attributes.dataSha256.length !== 32) throw new LeafFormatError('the body hash must be 32 bytes');
  if (!SEQUENCE.test(attributes.sequence)) throw new LeafFormatError('the sequence must be a positive decimal');
  const values: Record<string, string> = {
    datasha256: Buffer.from(attributes.dataSha256).toString('hex'),
    format: LEAF_FORMAT,
  };
  for (const key of STRING_KEYS) {
    const value = attributes[key];
    if (typeof value !== 'string') throw new LeafFormatError(`${key} must be a string`);
    values[key] = value;
  }
  const members = KEYS.map((key) => `${JSON.stringify(key)}:${JSON.stringify(values[key])}`);
  return new Uint8Array(Buffer.from(`{${members.join(',')}}`, 'utf8'));
}

/**
 * Parses canonical leaf bytes back into attributes. Strict: the bytes must be exactly what {@link encodeLeaf} makes
 * of the attributes they hold (so that one event has one encoding); anything else throws {@link LeafFormatError}.
 */
export function decodeLeaf(canonical: Uint8Array): LeafAttributes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(canonical));
  } catch (cause) {
    throw new LeafFormatError('the leaf is not UTF-8 JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LeafFormatError('the leaf is not a JSON object');
  }
  const object = parsed as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  if (keys.length !== KEYS.length || keys.some((k, i) => k !== KEYS[i])) {
    throw new LeafFormatError(`the leaf must have exactly the members ${KEYS.join(', ')}`);
  }
  if (object.format !== LEAF_FORMAT) throw new LeafFormatError(`unknown leaf format ${String(object.format)}`);
  const hex = object.datasha256;
  if (typeof hex !== 'string' || !SHA256_HEX.test(hex)) throw new LeafFormatError('datasha256 must be 64 hex digits');
  const strings = Object.fromEntries(
    STRING_KEYS.map((key) => {
      const value = object[key];
      if (typeof value !== 'string') throw new LeafFormatError(`${key} must be a string`);
      return [key, value];
    }),
  ) as Record<(typeof STRING_KEYS)[number], string>;
  const attributes: LeafAttributes = { ...strings, dataSha256: new Uint8Array(Buffer.from(hex, 'hex')) };
  if (!Buffer.from(encodeLeaf(attributes)).equals(Buffer.from(canonical))) {
    throw new LeafFormatError('the leaf is not in canonical form');
  }
  return attributes;
}

/** The attributes a leaf commits to, picked from an event (extensions, traceparent and the body left out). */
export function eventAttributes(event: Omit<LoggableEvent, 'data'>): Omit<LeafAttributes, 'dataSha256'> {
  const { id, source, type, subject, time, specversion, datacontenttype, dataschema, sequence } = event;
  return { id, source, type, subject, time, specversion, datacontenttype, dataschema, sequence };
}

/** The attributes, canonical bytes and leaf hash of an event. */
export function leafOf(event: LoggableEvent): Leaf {
  const attributes: LeafAttributes = { ...eventAttributes(event), dataSha256: sha256(event.data) };
  const canonical = encodeLeaf(attributes);
  return { attributes, canonical, hash: leafHash(canonical) };
}
