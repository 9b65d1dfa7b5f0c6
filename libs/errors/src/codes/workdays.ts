import type { AreaCodes } from './status-name.js';

/** Working-day calendars (libs/workdays): a malformed date or count, a year whose holiday notice is not loaded. */
export const WORKDAYS_CODES = {
  DATE_INVALID: 'INVALID_ARGUMENT',
  CALENDAR_YEAR_NOT_LOADED: 'FAILED_PRECONDITION',
} as const satisfies AreaCodes;
