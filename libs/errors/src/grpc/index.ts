/**
 * @onceonly/errors/grpc: the one table from error codes to gRPC status, and the conversions between `AppError` and
 * a grpc-js `ServiceError` (status details in the `grpc-status-details-bin` trailer). For adapters only: the
 * domain and the application layer import the dependency-free root `@onceonly/errors`.
 */
export { ERROR_DOMAIN, fromServiceError, toServiceError } from './service-error.js';
export { GRPC_STATUS, grpcStatusOf } from './status-table.js';
