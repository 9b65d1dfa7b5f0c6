import { randomUUID } from 'node:crypto';
import type { ProtoCodec } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { currentTraceparent } from './tracing.js';

/** The only CloudEvents version this package writes and accepts. */
export const SPEC_VERSION = '1.0';
/** Every event body is protobuf bytes. */
export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/**
 * An event before the relay has stamped its `sequence`: what {@link EventDefinition.make} returns and what
 * `appendToOutbox` accepts and returns.
 *
 * The attributes are CloudEvents 1.0 context attributes; `data` is the protobuf-encoded body.
 */
export interface EventDraft {
  /** Unique per event (a UUID unless one was injected); consumers de-duplicate on it. */
  readonly id: string;
  /** URI-reference naming the producing context, for example `/onceonly/certificate`. Unique per service. */
  readonly source: string;
  /** Past-tense fact, for example `certificate.issued`. */
  readonly type: string;
  /**
   * What the event is about, and the Kafka key (so that one subject's events stay in order): a holder code or a
   * certificate id. Never a citizen ID in clear: pass a masked or derived identifier instead, because keys and
   * headers are readable by every consumer of the topic and are copied into logs and dead-letter topics.
   */
  readonly subject: string;
  /** When the fact happened, RFC 3339 (for example `2024-05-01T08:30:00.000Z`). */
  readonly time: string;
  readonly specversion: typeof SPEC_VERSION;
  /** Media type of `data`; always `application/protobuf` here. */
  readonly datacontenttype: string;
  /** The protobuf message of `data`, for example `proto:onceonly.events.v1.HubHeartbeat`. */
  readonly dataschema: string;
  /** W3C trace context of the request that caused the event, when known. */
  readonly traceparent?: string | undefined;
  /**
   * Further CloudEvents extension attributes (Kafka headers `ce_<name>`), for example `actor`: who acted. Names are
   * lower-case letters and digits, at most 20 characters (CloudEvents 1.0), at most {@link MAX_EXTENSIONS} of them.
   * Absent on events that carry none, so older events and consumers are unaffected.
   */
  readonly extensions?: Readonly<Record<string, string>> | undefined;
  /** The body: protobuf bytes. */
  readonly data: Uint8Array;
}

/**
 * A complete event: a draft whose `sequence` the outbox relay has stamped. This is what travels on the bus.
 */
export interface EventEnvelope extends EventDraft {
  /**
   * CloudEvents extension: the event's position among all events of its `source`, a decimal string starting at 1,
   * gap-free and increasing in publish order: the outbox relay stamps it right before publishing (ADR 010). The audit
   * log uses it to prove that it saw every event.
   */
  readonly sequence: string;
}

/** What {@link EventDefinition.make} needs for one event. */
export interface MakeEventInput<T> {
  subject: string;
  data: T;
  /** Defaults to the definition's clock. */
  time?: Date | string;
  /** Defaults to the definition's id generator (a random UUID). */
  id?: string;
  traceparent?: string;
  /** CloudEvents extension attributes (see {@link EventDraft.extensions}). */
  extensions?: Readonly<Record<string, string>>;
}

/** Options of {@link defineEvent}. */
export interface DefineEventOptions<T> {
  type: string;
  source: string;
  dataschema: string;
  codec: ProtoCodec<T>;
  /** Injected clock for `time` (tests freeze it). Defaults to the system clock. */
  clock?: () => Date;
  /** Injected id generator. Defaults to `crypto.randomUUID`. */
  newId?: () => string;
}

/** One kind of event: its constant attributes and its body's codec. */
export interface EventDefinition<T> {
  readonly type: string;
  readonly source: string;
  readonly dataschema: string;
  readonly codec: ProtoCodec<T>;
  /** Builds a draft: encodes `data`, fills `id` and `time`, validates every attribute. */
  make(input: MakeEventInput<T>): EventDraft;
  /** True when the envelope is of this definition's type. */
  is(event: EventDraft): boolean;
  /**
   * Decodes the body of an event of this type. Throws EVENT_UNKNOWN_TYPE for another type and EVENT_MALFORMED when
   * the bytes are not a valid message.
   */
  decode(event: EventDraft): T;
}

const TYPE_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
// RFC 3339 date-time: full-date "T" full-time, with a required offset (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const SEQUENCE_PATTERN = /^[1-9][0-9]{0,18}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_ATTRIBUTE_LENGTH = 1024;

/**
 * Declares one kind of event and returns its typed factory and decoder.
 *
 * @example
 * const heartbeat = defineEvent({ type: 'hub.heartbeat', source: '/onceonly/hub',
 *   dataschema: 'proto:onceonly.events.v1.HubHeartbeat', codec: HubHeartbeat });
 * const draft = heartbeat.make({ subject: 'hub-1', data: HubHeartbeat.fromPartial({ counter: '1' }) });
 */
export function defineEvent<T>(options: DefineEventOptions<T>): EventDefinition<T> {
  const { type, source, dataschema, codec } = options;
  const clock = options.clock ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  checkAttribute('type', type);
  checkAttribute('source', source);
  checkAttribute('dataschema', dataschema);
  const definition: EventDefinition<T> = {
    type,
    source,
    dataschema,
    codec,
    make(input) {
      const time = input.time ?? clock();
      const draft: EventDraft = {
        id: input.id ?? newId(),
        source,
        type,
        subject: input.subject,
        time: typeof time === 'string' ? time : time.toISOString(),
        specversion: SPEC_VERSION,
        datacontenttype: PROTOBUF_CONTENT_TYPE,
        dataschema,
        // the active span's, when a tracer is installed (ADR 035): the outbox row and the bus carry it
        traceparent: input.traceparent ?? currentTraceparent(),
        ...(input.extensions === undefined ? {} : { extensions: { ...input.extensions } }),
        data: codec.encode(input.data).finish(),
      };
      validateDraft(draft);
      return draft;
    },
    is: (event) => event.type === type,
    decode(event) {
      if (event.type !== type) {
        throw new AppError('EVENT_UNKNOWN_TYPE', `expected an event of type ${type}, got ${event.type}`, {
          details: { meta: { expected: type, actual: event.type } },
        });
      }
      try {
        return codec.decode(event.data);
      } catch (cause) {
        throw malformed('data', `the body is not a valid ${dataschema}`, cause);
      }
    },
  };
  return definition;
}

/** Throws EVENT_MALFORMED naming the first invalid attribute of a draft. */
export function validateDraft(event: EventDraft): void {
  checkAttribute('id', event.id);
  checkAttribute('source', event.source);
  checkAttribute('type', event.type);
  checkAttribute('subject', event.subject);
  checkAttribute('time', event.time);
  checkAttribute('specversion', event.specversion);
  checkAttribute('datacontenttype', event.datacontenttype);
  checkAttribute('dataschema', event.dataschema);
  if (event.traceparent !== undefined) checkAttribute('traceparent', event.traceparent);
  checkExtensions(event.extensions);
  if (!(event.data instanceof Uint8Array)) throw malformed('data', 'data must be bytes');
}

/** At most this many extension attributes per event (beyond `sequence` and `traceparent`). */
export const MAX_EXTENSIONS = 8;
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
// names the envelope already uses: an extension may not shadow them
const RESERVED_NAMES = new Set([
  'id',
  'source',
  'type',
  'subject',
  'time',
  'specversion',
  'datacontenttype',
  'dataschema',
  'sequence',
  'traceparent',
  'data',
  'extensions',
]);

/** Throws EVENT_MALFORMED for a bad extension name or value, or too many extensions. */
export function checkExtensions(extensions: Readonly<Record<string, string>> | undefined): void {
  if (extensions === undefined) return;
  const names = Object.keys(extensions);
  if (names.length > MAX_EXTENSIONS) throw malformed('extensions', `at most ${MAX_EXTENSIONS} extension attributes`);
  for (const name of names) {
    if (!EXTENSION_NAME.test(name) || RESERVED_NAMES.has(name)) {
      throw malformed('extensions', `extension name ${JSON.stringify(name).slice(0, 40)} is not allowed`);
    }
    checkAttribute(name, extensions[name]);
  }
}

/** Throws EVENT_MALFORMED naming the first invalid attribute of an envelope (a draft plus its sequence). */
export function validateEnvelope(event: EventEnvelope): void {
  validateDraft(event);
  checkAttribute('sequence', event.sequence);
}

/** Returns the envelope: the draft with its sequence. */
export function withSequence(draft: EventDraft, sequence: string | bigint): EventEnvelope {
  const envelope: EventEnvelope = { ...draft, sequence: String(sequence) };
  checkAttribute('sequence', envelope.sequence);
  return envelope;
}

/** The rule for each attribute; throws EVENT_MALFORMED naming it. */
export function checkAttribute(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) throw malformed(name, `${name} is missing or empty`);
  if (value.length > MAX_ATTRIBUTE_LENGTH) throw malformed(name, `${name} is longer than ${MAX_ATTRIBUTE_LENGTH}`);
  const problem = attributeProblem(name, value);
  if (problem !== undefined) throw malformed(name, problem);
}

function attributeProblem(name: string, value: string): string | undefined {
  switch (name) {
    case 'specversion':
      return value === SPEC_VERSION ? undefined : `specversion must be ${SPEC_VERSION}`;
    case 'datacontenttype':
      return value === PROTOBUF_CONTENT_TYPE ? undefined : `datacontenttype must be ${PROTOBUF_CONTENT_TYPE}`;
    case 'time':
      return RFC3339.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'time must be an RFC 3339 instant';
    case 'type':
      return TYPE_PATTERN.test(value) ? undefined : 'type must be dotted lower-case words, e.g. certificate.issued';
    case 'source':
      // a URI-reference: no spaces or control characters; this package's sources are absolute paths
      return /^[^\s\p{Cc}]+$/u.test(value) ? undefined : 'source must be a URI-reference';
    case 'sequence':
      return SEQUENCE_PATTERN.test(value) ? undefined : 'sequence must be a positive decimal integer';
    case 'traceparent':
      return TRACEPARENT.test(value) ? undefined : 'traceparent must be a W3C trace context';
    default:
      // id, subject, dataschema: any printable text (they become Kafka headers and keys)
      return /\p{Cc}/u.test(value) ? `${name} must not contain control characters` : undefined;
  }
}

/** An EVENT_MALFORMED error naming the attribute at fault (in `details.fields` and `details.meta.attribute`). */
export function malformed(attribute: string, description: string, cause?: unknown): AppError {
  return new AppError('EVENT_MALFORMED', `malformed event: ${description}`, {
    cause,
    details: {
      fields: [{ field: attribute, reason: 'EVENT_MALFORMED', description }],
      meta: { attribute },
    },
  });
}
