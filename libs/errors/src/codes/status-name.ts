/**
 * The canonical gRPC status names (google.rpc.Code) that an error code may map to. Names, not numbers, so that
 * the root of `@onceonly/errors` needs no gRPC library; `@onceonly/errors/grpc` turns them into grpc-js statuses.
 */
export type StatusName =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** The codes of one area: each code names the status a client sees. */
export type AreaCodes = Readonly<Record<string, StatusName>>;
