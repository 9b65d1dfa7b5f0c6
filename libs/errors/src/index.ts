/**
 * @onceonly/errors: a closed union of error codes, AppError, and the one table from codes to gRPC status.
 */
export {
  AppError,
  type AppErrorOptions,
  type ErrorDetails,
  type FieldViolation,
  invalid,
  isAppError,
  toAppError,
} from './app-error.js';
export { ERROR_CODES, type ErrorCode, GRPC_STATUS, grpcStatusOf, isErrorCode } from './codes.js';
export { ERROR_DOMAIN, fromServiceError, toServiceError } from './grpc.js';
