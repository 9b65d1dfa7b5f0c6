import { CalendarError } from './errors.js';

/** A calendar date in mainland China, `YYYY-MM-DD` (ISO 8601 extended format, no time, no zone). */
export type PlainDate = string & { readonly __plainDate: unique symbol };

/** Mainland China keeps one zone, UTC+8, without daylight saving since 1991 (Asia/Shanghai in the tz database). */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks a `YYYY-MM-DD` string names a real date (no 2025-02-29, no 2025-13-01), or throws DATE_INVALID.
 * Years 1900–9999 only: a calendar of working days has nothing to say outside them.
 */
export function parsePlainDate(value: string): PlainDate {
  const m = SHAPE.exec(value);
  if (m) {
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const at = new Date(Date.UTC(year, month - 1, day));
    if (year >= 1900 && at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day) {
      return value as PlainDate;
    }
  }
  throw new CalendarError('DATE_INVALID', `not a calendar date (YYYY-MM-DD): ${JSON.stringify(value.slice(0, 40))}`);
}

/** True for a real `YYYY-MM-DD` calendar date (years 1900–9999), the test {@link parsePlainDate} makes. */
export function isPlainDate(value: string): value is PlainDate {
  try {
    parsePlainDate(value);
    return true;
  } catch {
    return false;
  }
}

/** The date in mainland China at `instant` (UTC+8). */
export function chinaDateOf(instant: Date): PlainDate {
  if (Number.isNaN(instant.getTime())) throw new CalendarError('DATE_INVALID', 'not a valid instant');
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10) as PlainDate;
}

/** The instant a date begins in mainland China (00:00 UTC+8). */
export function startOfChinaDay(date: PlainDate): Date {
  return new Date(epochDay(date) * DAY_MS - CHINA_OFFSET_MS);
}

/** @internal Days since 1970-01-01 (negative before). */
export function epochDay(date: PlainDate): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/** @internal The date `days` days after epoch day 0. */
export function fromEpochDay(days: number): PlainDate {
  return new Date(days * DAY_MS).toISOString().slice(0, 10) as PlainDate;
}

/** The date `days` calendar days after `date` (before it when negative). */
export function addCalendarDays(date: PlainDate, days: number): PlainDate {
  return fromEpochDay(epochDay(date) + days);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: PlainDate): number {
  const day = new Date(epochDay(date) * DAY_MS).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The year of a date. */
export function yearOf(date: PlainDate): number {
  return Number(date.slice(0, 4));
}
