import type { AreaCodes } from './status-name.js';

/** The audit log (services/audit). */
export const AUDIT_CODES = {
  AUDIT_EVENT_NOT_FOUND: 'NOT_FOUND',
  AUDIT_CHECKPOINT_NOT_FOUND: 'NOT_FOUND',
  AUDIT_NOT_YET_CHECKPOINTED: 'FAILED_PRECONDITION',
  AUDIT_WITNESS_UNKNOWN: 'PERMISSION_DENIED',
  AUDIT_COSIGNATURE_INVALID: 'INVALID_ARGUMENT',
  AUDIT_BUNDLE_INVALID: 'INVALID_ARGUMENT',
  AUDIT_VERIFICATION_FAILED: 'FAILED_PRECONDITION',
  /** The replay's sources belong to different hubs (log origin or key, bus, database): nothing is compared. */
  AUDIT_SOURCE_MISMATCH: 'FAILED_PRECONDITION',
  /** The caller's role does not let it read these entries (see services/audit README, "Who may read what"). */
  AUDIT_READ_DENIED: 'PERMISSION_DENIED',
} as const satisfies AreaCodes;
