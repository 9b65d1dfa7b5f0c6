import { status } from '@grpc/grpc-js';
import { type ErrorCode, type StatusName, statusNameOf } from '../codes/index.js';

/**
 * The one table from canonical status names to grpc-js status numbers. Codes name their status in their area's
 * file (`codes/<area>.ts`); only this table knows gRPC. Only adapters (the server's error interceptor, clients) use it.
 */
export const GRPC_STATUS = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
} as const satisfies Record<StatusName, status>;

/** The gRPC status for a code. */
export function grpcStatusOf(code: ErrorCode): status {
  return GRPC_STATUS[statusNameOf(code)];
}
