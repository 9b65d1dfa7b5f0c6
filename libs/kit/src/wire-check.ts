import { AppError } from '@onceonly/errors';

/**
 * A small check of the protobuf wire format of a request, before it is decoded. Field number 0 is invalid per the
 * encoding spec ("Field numbers 1 through 536,870,911", protobuf.dev/programming-guides/encoding), yet the generated
 * decoders skip it (or stop at a zero tag and keep what came before): a request carrying it is refused. The top level
 * is always walked; with a {@link WireSchema} (from the .proto files, see wire-schema.ts) nested messages and map
 * entries are walked too, since a length-delimited field is a message only when the schema says so.
 */

/** Why a request's bytes are refused (the `reason` of REQUEST_MALFORMED). */
export type WireFault = 'FIELD_NUMBER_ZERO' | 'WIRE_TYPE' | 'TRUNCATED' | 'TOO_DEEP';

/** What the wire check knows of a message type: the schema of the message held by a field number, if any. */
export interface WireSchema {
  nested(fieldNumber: number): WireSchema | undefined;
}

/** Nesting deeper than this is refused (protobuf's own decoders stop at 100; no OnceOnly request nests past 5). */
export const MAX_WIRE_DEPTH = 32;

// 128^i for the bytes of a varint (multiplied, not shifted: a varint may hold more than 32 bits)
const POWERS_OF_128 = Array.from({ length: 10 }, (_, i) => 128 ** i);

/** The value of the varint read last by {@link readVarint} (kept here rather than in an object per read). */
let varintValue = 0;

/**
 * Reads a varint at `at` into {@link varintValue}; returns where it ends, or -1 when it runs past the end or past
 * 10 bytes. Every request is walked before it is decoded: no allocation per field.
 */
function readVarint(bytes: Uint8Array, at: number): number {
  let value = 0;
  const end = Math.min(at + 10, bytes.length);
  for (let i = at; i < end; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * POWERS_OF_128[i - at]!;
    if ((byte & 0x80) === 0) {
      varintValue = value;
      return i + 1;
    }
  }
  return -1;
}

/**
 * The first fault of a message's fields, or undefined when they are well formed. Without a schema only the top
 * level is walked; with one, every field the schema names as a message is walked as well, to {@link MAX_WIRE_DEPTH}.
 */
export function wireFault(bytes: Uint8Array, schema?: WireSchema, depth = 0): WireFault | undefined {
  if (depth > MAX_WIRE_DEPTH) return 'TOO_DEEP';
  let at = 0;
  while (at < bytes.length) {
    const afterTag = readVarint(bytes, at);
    if (afterTag < 0) return 'TRUNCATED';
    const fieldNumber = Math.floor(varintValue / 8);
    if (fieldNumber === 0) return 'FIELD_NUMBER_ZERO';
    // proto3 has no groups (3, 4); 6 and 7 are not wire types
    const wireType = varintValue % 8;
    let valueAt = afterTag;
    let next: number;
    if (wireType === 0) next = readVarint(bytes, afterTag);
    else if (wireType === 1) next = afterTag + 8;
    else if (wireType === 5) next = afterTag + 4;
    else if (wireType === 2) {
      valueAt = readVarint(bytes, afterTag);
      next = valueAt < 0 ? -1 : valueAt + varintValue;
    } else return 'WIRE_TYPE';
    if (next < 0 || next > bytes.length) return 'TRUNCATED';
    const inner = wireType === 2 ? schema?.nested(fieldNumber) : undefined;
    if (inner !== undefined) {
      const fault = wireFault(bytes.subarray(valueAt, next), inner, depth + 1);
      if (fault !== undefined) return fault;
    }
    at = next;
  }
  return undefined;
}

const DESCRIPTIONS: Record<WireFault | 'UNDECODABLE', string> = {
  FIELD_NUMBER_ZERO: 'field number 0 is not a valid protobuf field',
  WIRE_TYPE: 'an unknown or group wire type',
  TRUNCATED: 'the message ends inside a field',
  TOO_DEEP: `messages nested deeper than ${MAX_WIRE_DEPTH} levels`,
  UNDECODABLE: 'the message does not decode as the request type',
};

/** A request that could not be read: decoded to this marker, and answered by the kit's wrapper. */
export class MalformedRequest {
  constructor(readonly error: AppError) {}
}

function malformed(reason: WireFault | 'UNDECODABLE', cause?: unknown): MalformedRequest {
  const description = DESCRIPTIONS[reason];
  return new MalformedRequest(
    new AppError('REQUEST_MALFORMED', `request: ${description}`, {
      details: { fields: [{ field: 'request', reason, description }] },
      cause,
    }),
  );
}

/**
 * Wraps a request deserializer: bytes that break the protobuf wire format (unless `checkWire` is false; nested
 * messages too when a `schema` is given) or do not decode become a {@link MalformedRequest}
 * instead of an exception, which grpc-js would answer as an uncoded INTERNAL.
 */
export function checkedDeserializer<T>(
  decode: (bytes: Buffer) => T,
  checkWire = true,
  schema?: WireSchema,
): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    const fault = checkWire ? wireFault(bytes, schema) : undefined;
    if (fault !== undefined) return malformed(fault);
    try {
      return decode(bytes);
    } catch (err) {
      return malformed('UNDECODABLE', err);
    }
  };
}
