import {
  checkAttribute,
  checkExtensions,
  type EventDraft,
  type EventEnvelope,
  malformed,
  SPEC_VERSION,
  validateDraft,
} from './envelope.js';

/**
 * Header values as they arrive from a broker: one string per header, or several when a header was repeated
 * (Kafka allows that; this binding never writes it, and rejects it on the way in).
 */
export type RecordHeaders = Readonly<Record<string, string | readonly string[]>>;

/** The transport-neutral form of one Kafka record (binary content mode): what `toKafkaRecord` produces. */
export interface KafkaRecord {
  /** The event's subject. */
  key: string;
  /** The protobuf body. */
  value: Uint8Array;
  /** `ce_*` attributes and `content-type`. */
  headers: Record<string, string>;
}

/** A record read back from a broker: key and value as bytes (or null), headers as text. */
export interface IncomingKafkaRecord {
  key: Uint8Array | string | null;
  value: Uint8Array | null;
  headers: RecordHeaders;
}

/** Header names of the CloudEvents Kafka protocol binding, binary content mode. */
export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  subject: 'ce_subject',
  time: 'ce_time',
  dataschema: 'ce_dataschema',
  sequence: 'ce_sequence',
  traceparent: 'ce_traceparent',
  datacontenttype: 'content-type',
} as const;

type HeaderAttribute = keyof typeof CE_HEADERS;
/** The attributes every draft has (the sequence comes later: the relay stamps it). */
const DRAFT_REQUIRED: readonly Exclude<HeaderAttribute, 'traceparent' | 'sequence'>[] = [
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'dataschema',
  'datacontenttype',
];

/**
 * Binds an envelope to a Kafka record (CloudEvents Kafka binding, binary mode): attributes become `ce_` headers,
 * `datacontenttype` becomes `content-type`, the body is the value and the subject is the key.
 */
export function toKafkaRecord(envelope: EventEnvelope): KafkaRecord {
  const record = draftRecord(envelope);
  return { ...record, headers: withSequenceHeader(record.headers, envelope.sequence) };
}

/**
 * The record of a draft: every header but `ce_sequence`, which the outbox relay adds when it has stamped the
 * sequence ({@link withSequenceHeader}). What the outbox stores. Throws EVENT_MALFORMED like `validateDraft`.
 */
export function draftRecord(draft: EventDraft): KafkaRecord {
  validateDraft(draft);
  const headers: Record<string, string> = {};
  for (const attribute of DRAFT_REQUIRED) headers[CE_HEADERS[attribute]] = draft[attribute];
  if (draft.traceparent !== undefined) headers[CE_HEADERS.traceparent] = draft.traceparent;
  for (const [name, value] of Object.entries(draft.extensions ?? {})) headers[`ce_${name}`] = value;
  return { key: draft.subject, value: draft.data, headers };
}

/** A draft's headers with its stamped sequence added (`ce_sequence`): the headers of the envelope. */
export function withSequenceHeader(
  headers: Readonly<Record<string, string>>,
  sequence: string | bigint,
): Record<string, string> {
  const value = String(sequence);
  checkAttribute('sequence', value);
  return { ...headers, [CE_HEADERS.sequence]: value };
}

/**
 * Reads an envelope back from a Kafka record. The record came over the network from any producer, so every
 * attribute is checked: a missing or repeated required header, a wrong specversion or content type, a time that is
 * not RFC 3339, an empty id, a key that differs from the subject, or a missing body throws EVENT_MALFORMED naming
 * the attribute (`details.meta.attribute`).
 */
export function fromKafkaRecord(record: IncomingKafkaRecord): EventEnvelope {
  const read = (attribute: HeaderAttribute): string => {
    const value = record.headers[CE_HEADERS[attribute]];
    if (value === undefined) throw malformed(attribute, `header ${CE_HEADERS[attribute]} is missing`);
    if (typeof value !== 'string') throw malformed(attribute, `header ${CE_HEADERS[attribute]} is repeated`);
    checkAttribute(attribute, value);
    return value;
  };
  const specversion = read('specversion');
  if (specversion !== SPEC_VERSION) throw malformed('specversion', `unsupported specversion ${specversion}`);
  const envelope: EventEnvelope = {
    specversion: SPEC_VERSION,
    id: read('id'),
    source: read('source'),
    type: read('type'),
    subject: read('subject'),
    time: read('time'),
    dataschema: read('dataschema'),
    sequence: read('sequence'),
    datacontenttype: read('datacontenttype'),
    traceparent: record.headers[CE_HEADERS.traceparent] === undefined ? undefined : read('traceparent'),
    data: record.value ?? missingBody(),
    ...extensionsOf(record.headers),
  };
  const key = record.key === null ? null : keyText(record.key);
  if (key !== envelope.subject) throw malformed('subject', 'the record key differs from ce_subject');
  return envelope;
}

const KNOWN_HEADERS = new Set<string>(Object.values(CE_HEADERS));

/** The `ce_*` headers beyond the known attributes: extension attributes, checked like the envelope's own. */
function extensionsOf(headers: RecordHeaders): { extensions?: Record<string, string> } {
  const extensions: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (!header.startsWith('ce_') || KNOWN_HEADERS.has(header)) continue;
    if (typeof value !== 'string') throw malformed('extensions', `header ${header.slice(0, 40)} is repeated`);
    extensions[header.slice(3)] = value;
  }
  if (Object.keys(extensions).length === 0) return {};
  checkExtensions(extensions);
  return { extensions };
}

function missingBody(): never {
  throw malformed('data', 'the record has no value');
}

function keyText(key: Uint8Array | string): string {
  return typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
}
