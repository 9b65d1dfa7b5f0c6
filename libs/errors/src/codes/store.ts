import type { AreaCodes } from './status-name.js';

/** Storage and migrations (libs/store). */
export const STORE_CODES = {
  DB_UNAVAILABLE: 'UNAVAILABLE',
  MIGRATION_CHECKSUM_MISMATCH: 'FAILED_PRECONDITION',
  MIGRATION_FAILED: 'INTERNAL',
} as const satisfies AreaCodes;
