import type { AreaCodes } from './status-name.js';

/** Codes every service may answer with: validation, identity, state, transport. */
export const COMMON_CODES = {
  // request validation: the caller sent something wrong and nothing was written
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  REQUEST_TOO_LARGE: 'RESOURCE_EXHAUSTED',
  // identity and permission
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
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
