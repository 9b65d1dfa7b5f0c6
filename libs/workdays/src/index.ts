/**
 * @onceonly/workdays: working days in mainland China, with the statutory holidays and make-up working days of each
 * year as data, from the State Council's notices (one file per year under `src/years`, each citing its notice).
 * Pure functions, no dependencies. Shared by every service that counts deadlines in working days (assistance,
 * credit publicity).
 */
export { checkNotice, type DayInfo, type DayKind, nextYearMissing, WorkCalendar } from './calendar.js';
export { CalendarError, type CalendarErrorCode, isCalendarError } from './errors.js';
export { parseYearNotice } from './notice-file.js';
export {
  addCalendarDays,
  chinaDateOf,
  isoWeekday,
  isPlainDate,
  type PlainDate,
  parsePlainDate,
  startOfChinaDay,
  yearOf,
} from './plain-date.js';
export type { YearNotice } from './year-notice.js';
export { YEAR_NOTICES } from './years/index.js';

import { WorkCalendar } from './calendar.js';
import { YEAR_NOTICES } from './years/index.js';

/** The calendar of every year shipped (see `YEAR_NOTICES`). */
export const CHINA_WORKDAYS: WorkCalendar = WorkCalendar.fromNotices(YEAR_NOTICES);
