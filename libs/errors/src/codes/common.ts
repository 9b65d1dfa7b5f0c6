import type { AreaCodes } from './status-name.js';

/** Codes every service may answer with: validation, identity, state, transport. */
export const COMMON_CODES = {
  // request validation: the caller sent something wrong and nothing was written
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  REQUEST_TOO_LARGE: 'RESOURCE_EXHAUSTED',
  // a request message that does not decode, or that carries the invalid protobuf field number 0
  REQUEST_MALFORMED: 'INVALID_ARGUMENT',
  // free text breaking the text rule (invalid UTF-8, not NFC, control, bidi or invisible characters)
  TEXT_INVALID: 'INVALID_ARGUMENT',
  // a citizen ID typed into free text: the holder belongs in the holder field, where it is hashed and masked
  PERSONAL_DATA_IN_TEXT: 'INVALID_ARGUMENT',
  // identity and permission
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  // an OAuth 2.0 access token (Authorization: Bearer) that is malformed, not signed by the hub, for another
  // audience or issuer, or not yet valid (ADR 036)
  TOKEN_INVALID: 'UNAUTHENTICATED',
  // an access token past its expiry: ask the token endpoint for a new one
  TOKEN_EXPIRED: 'UNAUTHENTICATED',
  // a valid access token whose scopes do not cover the method called
  SCOPE_MISSING: 'PERMISSION_DENIED',
  // state
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  IDEMPOTENCY_CONFLICT: 'ALREADY_EXISTS',
  // configuration and start-up
  CONFIG_MISSING: 'FAILED_PRECONDITION',
  CONFIG_INVALID: 'FAILED_PRECONDITION',
  // transport
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  UNAVAILABLE: 'UNAVAILABLE',
  SHUTTING_DOWN: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const satisfies AreaCodes;
