import type { AreaCodes } from './status-name.js';

/** Identifiers checked at the edge (libs/ids): each names its own check-character failure. */
export const IDS_CODES = {
  USCC_INVALID: 'INVALID_ARGUMENT',
  CITIZEN_ID_INVALID: 'INVALID_ARGUMENT',
  LICENCE_ID_INVALID: 'INVALID_ARGUMENT',
  DIVISION_INVALID: 'INVALID_ARGUMENT',
  HOLDER_CODE_TYPE_INVALID: 'INVALID_ARGUMENT',
} as const satisfies AreaCodes;
