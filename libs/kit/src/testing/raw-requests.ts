import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { type AppError, isAppError } from '@onceonly/errors';
import { fromServiceError } from '@onceonly/errors/grpc';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '../caller.js';

// Hostile bytes for edge tests: requests that no generated client would send (invalid UTF-8, field numbers 0,
// oversized messages), sent as they are through a raw grpc-js client.

/**
 * An encoded request with `bytes` spliced in, byte for byte, where a string field held a placeholder: `encode`
 * encodes the request with that placeholder (a run of `#` as long as `bytes`) in the field under test.
 */
export function withRawBytes(encode: (placeholder: string) => Uint8Array, bytes: Buffer): Buffer {
  const placeholder = '#'.repeat(bytes.length);
  const encoded = Buffer.from(encode(placeholder));
  const at = encoded.indexOf(placeholder);
  if (at < 0) throw new Error('withRawBytes: the placeholder is not in the encoded request');
  return Buffer.concat([encoded.subarray(0, at), bytes, encoded.subarray(at + bytes.length)]);
}

/** A request of `size` bytes (at least 16): one unknown length-delimited field, number 1000. */
export function oversizedRequest(size: number): Buffer {
  const length = size - 8;
  const varint: number[] = [];
  for (let v = length; v >= 0x80; v >>>= 7) varint.push((v & 0x7f) | 0x80);
  varint.push(length >>> (7 * varint.length));
  return Buffer.concat([Buffer.from([0xc2, 0x3e, ...varint]), Buffer.alloc(length)]);
}

/**
 * The development identity's metadata (caller code and, when given, role), made afresh per call: what a test
 * client's `metadata` option takes to call a loopback server as that department.
 */
export function devCallerMetadata(code: string, role?: string): () => Metadata {
  return () => {
    const md = new Metadata();
    md.set(DEV_CALLER_HEADER, code);
    if (role) md.set(DEV_ROLE_HEADER, role);
    return md;
  };
}

/** The error code a call was refused with, `not an AppError: …` for another failure, `no error` when it succeeded. */
export async function errorCodeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return isAppError(err) ? err.code : `not an AppError: ${String(err)}`;
  }
  return 'no error';
}

/** Who sends a raw request: a development identity (the server must allow it, on loopback). */
export interface RawCaller {
  readonly code: string;
  readonly role?: string;
}

/**
 * Sends `bytes` as the request of the unary method at `path` (`/pkg.Service/Method`) and resolves with the error the
 * server answered, rebuilt as an AppError (its cause is the grpc-js ServiceError); rejects when the call succeeds.
 */
export function refusedRawCall(address: string, path: string, bytes: Buffer, caller: RawCaller): Promise<AppError> {
  const client = new Client(address, credentials.createInsecure());
  const md = devCallerMetadata(caller.code, caller.role)();
  const same = (b: Buffer) => b;
  return new Promise<AppError>((resolve, reject) => {
    client.makeUnaryRequest(path, same, same, bytes, md, { deadline: Date.now() + 30_000 }, (err) =>
      err ? resolve(fromServiceError(err)) : reject(new Error(`expected ${path} to be refused`)),
    );
  }).finally(() => client.close());
}

/** What a hostile-input case expects of a refusal: the gRPC status, the error code, one field and its reason. */
export interface ExpectedRefusal {
  status: number;
  code: string;
  field: string;
  reason: string;
}

/** The refusal of one field, INVALID_ARGUMENT unless another gRPC status is named. */
export function refusal(
  code: string,
  field: string,
  reason: string,
  grpcStatus: number = status.INVALID_ARGUMENT,
): ExpectedRefusal {
  return { status: grpcStatus, code, field, reason };
}

/**
 * The refusal `err` carries, in the shape of an {@link ExpectedRefusal}: the gRPC status the server answered, the
 * error code and, of the field violations, the one about `field` (empty field and reason when there is none). A
 * hostile-input case compares it whole: `expect(refusalOf(err, expected.field)).toEqual(expected)`.
 */
export function refusalOf(err: AppError, field: string): ExpectedRefusal {
  const violation = err.fields.find((f) => f.field === field);
  return {
    status: (err.cause as ServiceError | undefined)?.code ?? -1,
    code: err.code,
    field: violation?.field ?? '',
    reason: violation?.reason ?? '',
  };
}
