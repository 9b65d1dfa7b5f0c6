/**
 * `@onceonly/workdays/files`: the calendar of the shipped years plus the notices an operator put in a folder
 * (`<year>.json` each, see {@link parseYearNotice}). Kept apart from the pure entry point because it reads files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nextYearMissing, WorkCalendar } from './calendar.js';
import { CalendarError } from './errors.js';
import { parseYearNotice } from './notice-file.js';
import { chinaDateOf } from './plain-date.js';
import type { YearNotice } from './year-notice.js';
import { YEAR_NOTICES } from './years/index.js';

/** What a service module says about its variable `ONCEONLY_WORKDAYS_DIR` (`onceonly config` lists it). */
export const WORKDAYS_DIR_DOC =
  'folder of <year>.json State Council holiday notices added to the shipped years (see libs/workdays README)';

/**
 * The shipped years, plus every `<year>.json` in `dir` (none when `dir` is undefined or empty). A file that does not
 * parse or check, a name that is not its year, or a year already shipped is refused (`NOTICE_INVALID`): a service
 * must not start on a calendar that differs from what its operator meant. `added` lists the years read from `dir`.
 */
export async function loadWorkCalendar(
  dir: string | undefined,
  shipped: readonly YearNotice[] = YEAR_NOTICES,
): Promise<{ calendar: WorkCalendar; added: readonly YearNotice[] }> {
  if (dir === undefined || dir === '') return { calendar: WorkCalendar.fromNotices(shipped), added: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new CalendarError('NOTICE_INVALID', `${dir}: cannot read the folder (${(err as Error).message})`);
  }
  const shippedYears = new Set(shipped.map((n) => n.year));
  const added: YearNotice[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const notice = parseYearNotice(await readFile(path, 'utf8'), path);
    if (name !== `${notice.year}.json`) {
      throw new CalendarError(
        'NOTICE_INVALID',
        `${path}: holds the notice of ${notice.year}; name it ${notice.year}.json`,
      );
    }
    if (shippedYears.has(notice.year)) {
      throw new CalendarError(
        'NOTICE_INVALID',
        `${path}: ${notice.year} is shipped with the hub (${shipped.find((n) => n.year === notice.year)?.notice.number}); remove the file`,
      );
    }
    added.push(notice);
  }
  return { calendar: WorkCalendar.fromNotices([...shipped, ...added]), added };
}

/** The two log levels {@link loadServiceCalendar} writes at (pino's signature). */
export interface CalendarLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * What a service module starts with: {@link loadWorkCalendar} of its `ONCEONLY_WORKDAYS_DIR`, each added notice
 * logged, and a warning from 1 October while the next year's notice is not loaded (deadlines running into that
 * year are refused until it is), so that every service that counts working days says the same thing.
 */
export async function loadServiceCalendar(
  dir: string | undefined,
  at: { now: Date; log: CalendarLog },
): Promise<WorkCalendar> {
  const { calendar, added } = await loadWorkCalendar(dir);
  for (const n of added) at.log.info({ year: n.year, notice: n.notice.number }, 'working-day calendar: notice added');
  const missing = nextYearMissing(calendar, chinaDateOf(at.now));
  if (missing !== undefined) {
    at.log.warn(
      { year: missing },
      `working-day calendar: no holiday notice loaded for ${missing}; deadlines running into ${missing} are refused (CALENDAR_YEAR_NOT_LOADED) until its notice is put in ONCEONLY_WORKDAYS_DIR (onceonly workdays check <file>)`,
    );
  }
  return calendar;
}
