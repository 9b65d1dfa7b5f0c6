import { AppError } from '@onceonly/errors';

/**
 * A small check of the protobuf wire format of a request, before it is decoded. Field number 0 is invalid per the
 * encoding spec, yet the generated decoders skip it (or stop at a zero tag and keep what came before): a request
 * carrying it is refused. Only the top level is walked; nested messages are opaque bytes to it.
 */

/** Why a request's bytes are refused (the `reason` of REQUEST_MALFORMED). */
export type WireFault = 'FIELD_NUMBER_ZERO' | 'WIRE_TYPE' | 'TRUNCATED';

/** Reads a varint at `at`; undefined when it runs past the end or past 10 bytes. */
function varint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 10 && at + i < bytes.length; i++) {
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** Where the value of a field of `wireType` starting at `at` ends; undefined when it cannot be read. */
function skip(bytes: Uint8Array, at: number, wireType: number): number | undefined {
  if (wireType === 0) return varint(bytes, at)?.next;
  if (wireType === 1) return at + 8;
  if (wireType === 5) return at + 4;
  const length = varint(bytes, at);
  return length === undefined ? undefined : length.next + length.value;
}

/** The first fault of a message's top-level fields, or undefined when they are well formed. */
export function wireFault(bytes: Uint8Array): WireFault | undefined {
  let at = 0;
  while (at < bytes.length) {
    const tag = varint(bytes, at);
    if (tag === undefined) return 'TRUNCATED';
    if (Math.floor(tag.value / 8) === 0) return 'FIELD_NUMBER_ZERO';
    // proto3 has no groups (3, 4); 6 and 7 are not wire types
    const wireType = tag.value % 8;
    if (![0, 1, 2, 5].includes(wireType)) return 'WIRE_TYPE';
    const next = skip(bytes, tag.next, wireType);
    if (next === undefined || next > bytes.length) return 'TRUNCATED';
    at = next;
  }
  return undefined;
}

const DESCRIPTIONS: Record<WireFault | 'UNDECODABLE', string> = {
  FIELD_NUMBER_ZERO: 'field number 0 is not a valid protobuf field',
  WIRE_TYPE: 'an unknown or group wire type',
  TRUNCATED: 'the message ends inside a field',
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
 * Wraps a request deserializer: bytes that break the protobuf wire format (unless `checkWire` is false) or do not decode become a {@link MalformedRequest}
 * instead of an exception, which grpc-js would answer as an uncoded INTERNAL.
 */
export function checkedDeserializer<T>(
  decode: (bytes: Buffer) => T,
  checkWire = true,
): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    const fault = checkWire ? wireFault(bytes) : undefined;
    if (fault !== undefined) return malformed(fault);
    try {
      return decode(bytes);
    } catch (err) {
      return malformed('UNDECODABLE', err);
    }
  };
}
