import { checkNotice } from './calendar.js';
import { CalendarError } from './errors.js';
import type { YearNotice } from './year-notice.js';

/**
 * A year's notice from a JSON file an operator adds (`<year>.json`, the shape of {@link YearNotice}), so that a
 * district can load the State Council's notice for the next year the day it is published, without a new release.
 * The file is held to what a shipped year is held to: its shape, then {@link checkNotice} (each period's dates
 * against the number of days the notice states, make-up days on weekends of that year, no overlaps). Anything wrong
 * is `NOTICE_INVALID` with every problem listed; `source` names the file in the message.
 */
export function parseYearNotice(text: string, source: string): YearNotice {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(source, [`not JSON (${(err as Error).message})`]);
  }
  const problems: string[] = [];
  const notice = shapeOf(value, problems);
  if (notice) problems.push(...checkNotice(notice));
  if (!notice || problems.length > 0) throw invalid(source, problems);
  return notice;
}

function shapeOf(value: unknown, problems: string[]): YearNotice | undefined {
  if (!isRecord(value)) {
    problems.push('expected an object {year, notice, holidays, makeUpWorkdays}');
    return undefined;
  }
  const { year, notice, holidays, makeUpWorkdays } = value;
  if (!Number.isSafeInteger(year) || (year as number) < 1949 || (year as number) > 9999) {
    problems.push('year: expected a year such as 2027');
  }
  if (!isRecord(notice) || !nonEmpty(notice.title) || !nonEmpty(notice.number) || !nonEmpty(notice.issued)) {
    problems.push('notice: expected {title, number, issued}: the notice cited as the State Council published it');
  }
  if (!Array.isArray(holidays) || holidays.length === 0) {
    problems.push('holidays: expected a non-empty list of {name, from, to, days}');
  } else {
    holidays.forEach((h, i) => {
      if (!isRecord(h) || !nonEmpty(h.name) || !nonEmpty(h.from) || !nonEmpty(h.to) || !Number.isSafeInteger(h.days)) {
        problems.push(`holidays[${i}]: expected {name, from, to, days}`);
      }
    });
  }
  if (!Array.isArray(makeUpWorkdays)) {
    problems.push('makeUpWorkdays: expected a list of {date, for} (empty when the notice names none)');
  } else {
    makeUpWorkdays.forEach((m, i) => {
      if (!isRecord(m) || !nonEmpty(m.date) || !nonEmpty(m.for))
        problems.push(`makeUpWorkdays[${i}]: expected {date, for}`);
    });
  }
  return problems.length === 0 ? (value as unknown as YearNotice) : undefined;
}

function invalid(source: string, problems: readonly string[]): CalendarError {
  return new CalendarError('NOTICE_INVALID', `${source}: ${problems.join('; ')}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
