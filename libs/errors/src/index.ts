/**
 * @onceonly/errors: a closed union of error codes (each area owns its file under `codes/`), `AppError` and its
 * helpers. Dependency-free: the gRPC mapping lives in the `@onceonly/errors/grpc` subpath, for adapters only.
 */
export {
  AppError,
  type AppErrorOptions,
  CODED_ERROR_MARK,
  type ErrorDetails,
  type FieldViolation,
  invalid,
  isAppError,
  isCodedError,
  toAppError,
} from './app-error.js';
export {
  AREAS,
  type AreaCodes,
  ERROR_CODES,
  type ErrorCode,
  isErrorCode,
  STATUS_NAMES,
  type StatusName,
  statusNameOf,
} from './codes/index.js';
