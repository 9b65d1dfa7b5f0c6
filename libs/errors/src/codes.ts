import { status } from '@grpc/grpc-js';

/**
 * The one table from error codes to gRPC status. The set of codes is closed: a new code is added here,
 * and the compiler then demands its status. Only adapters (the gRPC server's error interceptor) use the status.
 */
export const GRPC_STATUS = {
  // request validation: the caller sent something wrong and nothing was written
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  USCC_INVALID: status.INVALID_ARGUMENT,
  CITIZEN_ID_INVALID: status.INVALID_ARGUMENT,
  LICENCE_ID_INVALID: status.INVALID_ARGUMENT,
  DIVISION_INVALID: status.INVALID_ARGUMENT,
  HOLDER_CODE_TYPE_INVALID: status.INVALID_ARGUMENT,
  REQUEST_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  // a request message that does not decode, or that carries the invalid protobuf field number 0
  REQUEST_MALFORMED: status.INVALID_ARGUMENT,
  // free text breaking the text rule (invalid UTF-8, not NFC, control, bidi or invisible characters)
  TEXT_INVALID: status.INVALID_ARGUMENT,
  // a citizen ID typed into free text: the holder belongs in the holder field, where it is hashed and masked
  PERSONAL_DATA_IN_TEXT: status.INVALID_ARGUMENT,
  // identity and permission
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  // state
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  IDEMPOTENCY_CONFLICT: status.ALREADY_EXISTS,
  // certificates (services/certificate): catalogue, face fields, lifecycle, industry licences, consents
  CERT_NOT_FOUND: status.NOT_FOUND,
  CERT_TYPE_UNKNOWN: status.INVALID_ARGUMENT,
  CERT_FIELDS_INVALID: status.INVALID_ARGUMENT,
  CERT_VALIDITY_INVALID: status.INVALID_ARGUMENT,
  CERT_NOT_ISSUER: status.PERMISSION_DENIED,
  CERT_TYPE_NOT_AUTHORISED: status.PERMISSION_DENIED,
  // a department issuing under a division code outside its jurisdiction (Putuo issuing for 110101)
  CERT_OUTSIDE_JURISDICTION: status.PERMISSION_DENIED,
  CERT_ILLEGAL_TRANSITION: status.FAILED_PRECONDITION,
  CERT_SUPERSEDED: status.FAILED_PRECONDITION,
  CERT_NOT_RENEWABLE: status.FAILED_PRECONDITION,
  CERT_VERSION_LIMIT: status.FAILED_PRECONDITION,
  CERT_DISPUTE_OPEN: status.FAILED_PRECONDITION,
  CERT_NO_OPEN_DISPUTE: status.FAILED_PRECONDITION,
  CERT_HOLDER_MISMATCH: status.FAILED_PRECONDITION,
  CERT_NUMBER_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  INDUSTRY_UNKNOWN: status.INVALID_ARGUMENT,
  INDUSTRY_COMPONENTS_INVALID: status.FAILED_PRECONDITION,
  CONSENT_NOT_FOUND: status.NOT_FOUND,
  CONSENT_INVALID: status.INVALID_ARGUMENT,
  CONSENT_NOT_ACTIVE: status.FAILED_PRECONDITION,
  STATUS_LIST_MALFORMED: status.INVALID_ARGUMENT,
  // the audit log (services/audit)
  AUDIT_EVENT_NOT_FOUND: status.NOT_FOUND,
  AUDIT_CHECKPOINT_NOT_FOUND: status.NOT_FOUND,
  AUDIT_NOT_YET_CHECKPOINTED: status.FAILED_PRECONDITION,
  AUDIT_WITNESS_UNKNOWN: status.PERMISSION_DENIED,
  AUDIT_COSIGNATURE_INVALID: status.INVALID_ARGUMENT,
  AUDIT_BUNDLE_INVALID: status.INVALID_ARGUMENT,
  AUDIT_VERIFICATION_FAILED: status.FAILED_PRECONDITION,
  // configuration and start-up
  CONFIG_MISSING: status.FAILED_PRECONDITION,
  CONFIG_INVALID: status.FAILED_PRECONDITION,
  // storage
  DB_UNAVAILABLE: status.UNAVAILABLE,
  MIGRATION_CHECKSUM_MISMATCH: status.FAILED_PRECONDITION,
  MIGRATION_FAILED: status.INTERNAL,
  // events
  EVENT_MALFORMED: status.INVALID_ARGUMENT,
  EVENT_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  EVENT_UNKNOWN_TYPE: status.INVALID_ARGUMENT,
  TOPIC_UNKNOWN: status.NOT_FOUND,
  BROKER_UNAVAILABLE: status.UNAVAILABLE,
  HANDLER_FAILED: status.INTERNAL,
  // seals and trust (libs/seal)
  KEY_INVALID: status.INVALID_ARGUMENT,
  KEY_DECRYPT_FAILED: status.FAILED_PRECONDITION,
  X509_INVALID: status.INVALID_ARGUMENT,
  JWS_MALFORMED: status.INVALID_ARGUMENT,
  SEAL_NOT_YET_VALID: status.FAILED_PRECONDITION,
  SEAL_EXPIRED: status.FAILED_PRECONDITION,
  SEAL_REVOKED: status.FAILED_PRECONDITION,
  // seals of departments (services/certificate, SealService)
  SEAL_NOT_FOUND: status.NOT_FOUND,
  SEAL_ALREADY_ACTIVE: status.ALREADY_EXISTS,
  SEAL_NOT_ACTIVE: status.FAILED_PRECONDITION,
  // transport
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  UNAVAILABLE: status.UNAVAILABLE,
  SHUTTING_DOWN: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
} as const satisfies Record<string, status>;

/** Every error code the hub can answer with: a closed union of stable strings. */
export type ErrorCode = keyof typeof GRPC_STATUS;

/** All codes, for exhaustive tests and documentation. */
export const ERROR_CODES = Object.keys(GRPC_STATUS) as ErrorCode[];

/** The gRPC status for a code. */
export function grpcStatusOf(code: ErrorCode): status {
  return GRPC_STATUS[code];
}

/** True when `value` is one of the known codes (for decoding codes that crossed a wire). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(GRPC_STATUS, value);
}
