import { chinaDateOf, isPlainDate } from '@onceonly/workdays';

/**
 * Calendar dates (`YYYY-MM-DD`) in China Standard Time, the way licences state their validity: both ends
 * included, so that five years from 2025-01-01 ends on 2029-12-31.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

const DAY_MS = 86_400_000;

function utcOf(date: CalendarDate): Date {
  return new Date(`${date}T00:00:00Z`);
}

function format(utc: Date): CalendarDate {
  return utc.toISOString().slice(0, 10);
}

/** True for a real calendar date in `YYYY-MM-DD` form (2025-02-29 is not one). */
export function isCalendarDate(value: string): boolean {
  return isPlainDate(value);
}

/** The calendar date of an instant in China Standard Time (UTC+8, no daylight saving). */
export function chinaDate(instant: Date): CalendarDate {
  return chinaDateOf(instant);
}

/** The date `days` days after (or before, when negative) a date. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  return format(new Date(utcOf(date).getTime() + days * DAY_MS));
}

/** The same day `years` years later; 29 February becomes 28 February in a common year. */
export function addYears(date: CalendarDate, years: number): CalendarDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  // Date.UTC rolls 29 Feb over to 1 Mar in a common year; step back to the last day of February.
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return format(target);
}

/** The last day of a validity of `years` years starting on `from`: one day before the anniversary. */
export function validityEnd(from: CalendarDate, years: number): CalendarDate {
  return addDays(addYears(from, years), -1);
}

/** The earlier of two dates (ISO dates compare as strings). */
export function earlierDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a <= b ? a : b;
}

/** The later of two dates. */
export function laterDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a >= b ? a : b;
}

const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?([Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * The instant of an RFC 3339 date-time that names a real calendar date and carries an offset (`Z` or `±hh:mm`);
 * undefined otherwise. `new Date()` alone would roll 2027-02-30 over into March and read a time without an offset
 * in the server's zone.
 */
export function parseDateTime(text: string): Date | undefined {
  const match = DATE_TIME.exec(text);
  if (!match || !isCalendarDate(match[1]!)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
