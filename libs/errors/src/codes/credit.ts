import type { AreaCodes } from './status-name.js';

/** Credit (services/credit): records, publicity windows, repair, grades. */
export const CREDIT_CODES = {
  CREDIT_RECORD_NOT_FOUND: 'NOT_FOUND',
  // a department recording or deciding in another department's name, or on a record it does not own
  CREDIT_NOT_OWNER: 'PERMISSION_DENIED',
  // the same decision (owner, kind, decision number) recorded twice
  CREDIT_RECORD_EXISTS: 'ALREADY_EXISTS',
  CREDIT_ALREADY_LISTED: 'FAILED_PRECONDITION',
  CREDIT_LISTING_NOT_FOUND: 'FAILED_PRECONDITION',
  CREDIT_NOT_REPAIRABLE: 'FAILED_PRECONDITION',
  // before the minimum publicity period
  CREDIT_REPAIR_TOO_EARLY: 'FAILED_PRECONDITION',
  CREDIT_REPAIR_CONDITIONS_UNMET: 'FAILED_PRECONDITION',
  CREDIT_ILLEGAL_TRANSITION: 'FAILED_PRECONDITION',
  // a stale expected version, or a subject changed by concurrent records more often than retried
  CREDIT_VERSION_CONFLICT: 'ABORTED',
  // a post-check of a commitment the service does not track
  CREDIT_COMMITMENT_NOT_FOUND: 'NOT_FOUND',
  // a post-check of a commitment already checked (kept or broken)
  CREDIT_COMMITMENT_CHECKED: 'FAILED_PRECONDITION',
} as const satisfies AreaCodes;
