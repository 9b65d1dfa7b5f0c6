import { hash } from 'node:crypto';
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
// fatal: invalid UTF-8 is refused, not replaced; ignoreBOM: a leading BOM stays in the text (and makes it
// non-canonical) instead of being dropped, so that equal text means equal bytes
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** SHA-256 of bytes. */
export function sha256(bytes: Uint8Array): Uint8Array {
  const digest = hash('sha256', bytes, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
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
  return new Uint8Array(Buffer.from(canonicalText(attributes), 'utf8'));
}

/** The canonical leaf as text (its UTF-8 bytes are the leaf): the members in KEYS order, written out once. */
function canonicalText(a: LeafAttributes): string {
  if (a.dataSha256.length !== 32) throw new LeafFormatError('the body hash must be 32 bytes');
  return canonicalTextWithHex(a, Buffer.from(a.dataSha256.buffer, a.dataSha256.byteOffset, 32).toString('hex'));
}

/** {@link canonicalText} with the body hash given in hex (64 lower-case digits). */
function canonicalTextWithHex(a: Omit<LeafAttributes, 'dataSha256'>, hex: string): string {
  if (!SEQUENCE.test(a.sequence)) throw new LeafFormatError('the sequence must be a positive decimal');
  return (
    `{"datacontenttype":${json(a, 'datacontenttype')},"dataschema":${json(a, 'dataschema')}` +
    `,"datasha256":"${hex}"` +
    `,"format":"${LEAF_FORMAT}","id":${json(a, 'id')},"sequence":${json(a, 'sequence')}` +
    `,"source":${json(a, 'source')},"specversion":${json(a, 'specversion')},"subject":${json(a, 'subject')}` +
    `,"time":${json(a, 'time')},"type":${json(a, 'type')}}`
  );
}

/**
 * A string attribute as a JSON string (escaped as JSON.stringify does, which RFC 8785 adopts). A value JSON.stringify
 * writes as it is (no `"`, `\`, control character or surrogate) is put between quotes without a call into it (ADR
 * 055); the unit tests compare both on random strings.
 */
function json(attributes: Omit<LeafAttributes, 'dataSha256'>, key: (typeof STRING_KEYS)[number]): string {
  const value = attributes[key];
  if (typeof value !== 'string') throw new LeafFormatError(`${key} must be a string`);
  return isVerbatim(value) ? `"${value}"` : JSON.stringify(value);
}

/**
 * Whether JSON.stringify writes the string unchanged between quotes: no `"`, `\`, control character or surrogate
 * (paired surrogates would be too; they are left to JSON.stringify and the strict decoder, which handle every case).
 * Both shortcuts use it: the canonical text's values and {@link decodePlainLeaf}'s.
 */
function isVerbatim(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/**
 * Parses canonical leaf bytes back into attributes. Strict: the bytes must be exactly what {@link encodeLeaf} makes
 * of the attributes they hold (so that one event has one encoding); anything else throws {@link LeafFormatError}.
 */
export function decodeLeaf(canonical: Uint8Array): LeafAttributes {
  let text: string;
  try {
    text = UTF8.decode(canonical);
  } catch (cause) {
    throw new LeafFormatError('the leaf is not UTF-8 JSON', { cause });
  }
  return decodePlainLeaf(text) ?? decodeLeafText(text);
}

/**
 * The members of a canonical leaf as they follow one another in its text, each before its value: the format's
 * value is a constant, so it is part of the text before `id`'s.
 */
const PLAIN_PARTS = [
  '{"datacontenttype":"',
  '","dataschema":"',
  '","datasha256":"',
  `","format":"${LEAF_FORMAT}","id":"`,
  '","sequence":"',
  '","source":"',
  '","specversion":"',
  '","subject":"',
  '","time":"',
  '","type":"',
] as const;

/**
 * The common leaf, read in one pass without JSON.parse and re-encoding (ADR 050): the members in canonical order,
 * each value a plain string (no `"`, `\`, control character or surrogate: {@link isVerbatim}), nothing
 * around them. Such text is exactly what {@link canonicalText} writes of the attributes it holds, so accepting it
 * here accepts what {@link decodeLeafText} accepts; anything else answers undefined and is left to that decoder,
 * which refuses it or reads it (escapes), with its reasons. `decode-leaf.unit.test.ts` compares the two on mutated
 * leaves.
 */
function decodePlainLeaf(text: string): LeafAttributes | undefined {
  const values: string[] = [];
  let at = 0;
  for (const part of PLAIN_PARTS) {
    if (!text.startsWith(part, at)) return undefined;
    at += part.length;
    const end = text.indexOf('"', at);
    if (end < 0) return undefined;
    const value = text.slice(at, end);
    if (!isVerbatim(value)) return undefined;
    values.push(value);
    at = end;
  }
  if (at !== text.length - 2 || text.charCodeAt(at + 1) !== 0x7d) return undefined; // `"}` and nothing after
  const [datacontenttype, dataschema, hex, id, sequence, source, specversion, subject, time, type] = values as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!SHA256_HEX.test(hex) || !SEQUENCE.test(sequence)) return undefined;
  return {
    datacontenttype,
    dataschema,
    id,
    sequence,
    source,
    specversion,
    subject,
    time,
    type,
    dataSha256: new Uint8Array(Buffer.from(hex, 'hex')),
  };
}

/**
 * The strict decoder of any leaf text, as {@link decodeLeaf} was before its shortcut for plain leaves (ADR 050):
 * parsed, checked and re-encoded. Exported as the reference the shortcut is tested against; use `decodeLeaf`.
 */
export function decodeLeafText(text: string): LeafAttributes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new LeafFormatError('the leaf is not UTF-8 JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LeafFormatError('the leaf is not a JSON object');
  }
  const object = parsed as Record<string, unknown>;
  const keys = Object.keys(object);
  // a canonical leaf has them in order already; out of order, it is refused below as not canonical
  const inOrder = keys.length === KEYS.length && keys.every((k, i) => k === KEYS[i]);
  if (!inOrder && !sameKeys(keys.sort())) {
    throw new LeafFormatError(`the leaf must have exactly the members ${KEYS.join(', ')}`);
  }
  if (object.format !== LEAF_FORMAT) throw new LeafFormatError(`unknown leaf format ${String(object.format)}`);
  const hex = object.datasha256;
  if (typeof hex !== 'string' || !SHA256_HEX.test(hex)) throw new LeafFormatError('datasha256 must be 64 hex digits');
  for (const key of STRING_KEYS) {
    if (typeof object[key] !== 'string') throw new LeafFormatError(`${key} must be a string`);
  }
  const strings = object as Record<(typeof STRING_KEYS)[number], string>;
  const attributes: LeafAttributes = {
    datacontenttype: strings.datacontenttype,
    dataschema: strings.dataschema,
    id: strings.id,
    sequence: strings.sequence,
    source: strings.source,
    specversion: strings.specversion,
    subject: strings.subject,
    time: strings.time,
    type: strings.type,
    dataSha256: new Uint8Array(Buffer.from(hex, 'hex')),
  };
  // the text as encodeLeaf would write it: equal text is equal bytes (the decoding is strict and keeps a BOM)
  if (canonicalText(attributes) !== text) {
    throw new LeafFormatError('the leaf is not in canonical form');
  }
  return attributes;
}

function sameKeys(sorted: readonly string[]): boolean {
  return sorted.length === KEYS.length && sorted.every((k, i) => k === KEYS[i]);
}

/** The attributes a leaf commits to, picked from an event (extensions, traceparent and the body left out). */
export function eventAttributes(event: Omit<LoggableEvent, 'data'>): Omit<LeafAttributes, 'dataSha256'> {
  const { id, source, type, subject, time, specversion, datacontenttype, dataschema, sequence } = event;
  return { id, source, type, subject, time, specversion, datacontenttype, dataschema, sequence };
}

/**
 * The leaf hash of an event, as `leafOf(event).hash` (RFC 6962's `SHA-256(0x00 || canonical)`), without the
 * attributes' copy and the canonical bytes: the body's hash written in hex as it is computed, the tag and the text
 * encoded in one buffer (ADR 050). The replay computes it for every record it reads from the bus.
 */
export function leafHashOf(event: LoggableEvent): Uint8Array {
  const text = canonicalTextWithHex(event, hash('sha256', event.data, 'hex'));
  // the text hashed as its UTF-8 by crypto itself: no Buffer of it made here
  const digest = hash('sha256', `\u0000${text}`, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** The attributes, canonical bytes and leaf hash of an event. */
export function leafOf(event: LoggableEvent): Leaf {
  const attributes: LeafAttributes = { ...eventAttributes(event), dataSha256: sha256(event.data) };
  const canonical = encodeLeaf(attributes);
  return { attributes, canonical, hash: leafHash(canonical) };
}
