/**
 * Why the calendar refused: `DATE_INVALID` (not a calendar date, or a negative count), `CALENDAR_YEAR_NOT_LOADED` (a
 * date in a year whose State Council notice is not loaded: the answer would be a guess), `NOTICE_INVALID` (a notice
 * file an operator added does not parse or check). The codes are listed in
 * `libs/errors` (area `workdays`) so that services answer them with one status each.
 */
export type CalendarErrorCode = 'DATE_INVALID' | 'CALENDAR_YEAR_NOT_LOADED' | 'NOTICE_INVALID';

/** A refused date or count. `year` names the missing year for CALENDAR_YEAR_NOT_LOADED. */
export class CalendarError extends Error {
  override readonly name = 'CalendarError';
  constructor(
    readonly code: CalendarErrorCode,
    message: string,
    readonly year?: number,
  ) {
    super(message);
    // libs/errors' CODED_ERROR_MARK (this library has no dependencies): hosts answer it as an AppError of `code`
    Object.defineProperty(this, Symbol.for('onceonly.coded-error'), { value: true });
  }
}

/** True for a {@link CalendarError}. */
export function isCalendarError(err: unknown): err is CalendarError {
  return err instanceof CalendarError;
}
