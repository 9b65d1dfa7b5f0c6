import { Metadata, type ServiceError, type status } from '@grpc/grpc-js';
import { Any, BadRequest, ErrorInfo, RpcStatus } from '@onceonly/contracts';
import { AppError, type ErrorDetails } from '../app-error.js';
import { isErrorCode } from '../codes/index.js';
import { grpcStatusOf } from './status-table.js';

/** Domain of ErrorInfo entries that the hub writes. */
export const ERROR_DOMAIN = 'onceonly.gov.cn';
const DETAILS_KEY = 'grpc-status-details-bin';
const TYPE_PREFIX = 'type.googleapis.com/';

/**
 * Turns an AppError into a grpc-js ServiceError whose `grpc-status-details-bin` trailer holds a google.rpc.Status
 * with an ErrorInfo (reason = the code) and, when fields are named, a google.rpc.BadRequest.
 */
export function toServiceError(err: AppError): Partial<ServiceError> & { code: status } {
  const code = grpcStatusOf(err.code);
  const details = [
    Any.fromPartial({
      typeUrl: `${TYPE_PREFIX}google.rpc.ErrorInfo`,
      value: Buffer.from(
        ErrorInfo.encode({ reason: err.code, domain: ERROR_DOMAIN, metadata: err.details.meta ?? {} }).finish(),
      ),
    }),
  ];
  if (err.fields.length > 0) {
    const badRequest = BadRequest.fromPartial({ fieldViolations: err.fields });
    details.push(
      Any.fromPartial({
        typeUrl: `${TYPE_PREFIX}google.rpc.BadRequest`,
        value: Buffer.from(BadRequest.encode(badRequest).finish()),
      }),
    );
  }
  const metadata = new Metadata();
  metadata.set(DETAILS_KEY, Buffer.from(RpcStatus.encode({ code, message: err.message, details }).finish()));
  metadata.set('onceonly-error-code', err.code);
  return { code, details: err.message, message: err.message, metadata };
}

/**
 * The client side: rebuilds an AppError from a gRPC error, when the server put its details in the trailer.
 * Errors from elsewhere become UNAVAILABLE, DEADLINE_EXCEEDED or INTERNAL by their status.
 */
export function fromServiceError(err: Partial<ServiceError>): AppError {
  const raw = err.metadata?.get(DETAILS_KEY)[0];
  const message = err.details ?? err.message ?? 'unknown error';
  if (raw instanceof Buffer) {
    const rpc = RpcStatus.decode(raw);
    const details: ErrorDetails = {};
    let code: string | undefined;
    for (const any of rpc.details) {
      if (any.typeUrl.endsWith('google.rpc.ErrorInfo')) {
        const info = ErrorInfo.decode(any.value);
        code = info.reason;
        if (Object.keys(info.metadata).length > 0) details.meta = info.metadata;
      } else if (any.typeUrl.endsWith('google.rpc.BadRequest')) {
        details.fields = BadRequest.decode(any.value).fieldViolations;
      }
    }
    if (isErrorCode(code)) return new AppError(code, rpc.message || message, { details, cause: err });
  }
  return new AppError(fallbackCode(err.code), message, { cause: err });
}

function fallbackCode(code: number | undefined): 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'UNAUTHENTICATED' | 'INTERNAL' {
  switch (code) {
    case 14:
      return 'UNAVAILABLE';
    case 4:
      return 'DEADLINE_EXCEEDED';
    case 16:
      return 'UNAUTHENTICATED';
    default:
      return 'INTERNAL';
  }
}
