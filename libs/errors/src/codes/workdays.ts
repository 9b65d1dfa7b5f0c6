import type { AreaCodes } from './status-name.js';

/** Working-day calendars (libs/workdays): a malformed date or count, a year whose holiday notice is not loaded,
 * a notice file added by an operator that does not check. */
export const WORKDAYS_CODES = {
  DATE_INVALID: 'INVALID_ARGUMENT',
  CALENDAR_YEAR_NOT_LOADED: 'FAILED_PRECONDITION',
  NOTICE_INVALID: 'FAILED_PRECONDITION',
} as const satisfies AreaCodes;
