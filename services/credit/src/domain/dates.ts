import { addCalendarDays, type PlainDate, parsePlainDate } from '@onceonly/workdays';

/**
 * Calendar months, as publicity periods are stated ("at least 3 months", "at most 3 years"): the same day of the
 * month `months` later (earlier when negative), or the month's last day when it has no such day (01-31 + 1 month =
 * 02-28 or 02-29).
 */
export function addMonths(date: PlainDate | string, months: number): PlainDate {
  if (!Number.isInteger(months)) throw new RangeError(`months must be an integer, got ${months}`);
  const d = parsePlainDate(date);
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
  return parsePlainDate(text);
}

/** The day before `date`. */
export function dayBefore(date: PlainDate): PlainDate {
  return addCalendarDays(date, -1);
}

/** The later of two dates (ISO dates compare as strings). */
export function later(a: PlainDate, b: PlainDate): PlainDate {
  return a >= b ? a : b;
}
