import { CalendarError } from './errors.js';
import { addCalendarDays, epochDay, isoWeekday, type PlainDate, parsePlainDate, yearOf } from './plain-date.js';
import type { YearNotice } from './year-notice.js';

/** What a day is: a plain working day, a weekend, a day of a holiday period, or a weekend made a working day. */
export type DayKind = 'working' | 'weekend' | 'holiday' | 'make-up';

/** One day of the calendar. `holiday` names the holiday period the day belongs to or makes up for. */
export interface DayInfo {
  readonly date: PlainDate;
  readonly working: boolean;
  readonly kind: DayKind;
  readonly holiday?: string;
}

/**
 * Working days in mainland China for the years whose State Council notices are loaded. Deadlines are counted as the
 * law counts periods: the day a period starts from is not counted; it runs from the next day (民法典 art. 201;
 * 行政许可法 art. 82 counts its periods in working days). A date in a year that is not loaded is refused with
 * CALENDAR_YEAR_NOT_LOADED, never guessed from weekdays: the notice for a year decides which weekends are worked.
 */
export class WorkCalendar {
  readonly #years: ReadonlySet<number>;
  readonly #special = new Map<string, { kind: 'holiday' | 'make-up'; holiday: string }>();
  readonly #notices: readonly YearNotice[];

  private constructor(notices: readonly YearNotice[]) {
    this.#notices = [...notices].sort((a, b) => a.year - b.year);
    this.#years = new Set(this.#notices.map((n) => n.year));
    if (this.#years.size !== notices.length) throw new RangeError('a year is loaded twice');
    for (const notice of this.#notices) this.#load(notice);
  }

  /** A calendar of the given years' notices; each is checked against itself first (see {@link checkNotice}). */
  static fromNotices(notices: readonly YearNotice[]): WorkCalendar {
    return new WorkCalendar(notices);
  }

  /** The years loaded, in order. */
  get years(): readonly number[] {
    return this.#notices.map((n) => n.year);
  }

  /** The notice each loaded year comes from, for citing in answers and documentation. */
  get notices(): readonly YearNotice[] {
    return this.#notices;
  }

  /** What `date` is. CALENDAR_YEAR_NOT_LOADED outside the loaded years, DATE_INVALID for a malformed date. */
  day(date: string): DayInfo {
    const d = this.#loaded(date);
    const special = this.#special.get(d);
    if (special) return { date: d, working: special.kind === 'make-up', ...special };
    const weekend = isoWeekday(d) >= 6;
    return { date: d, working: !weekend, kind: weekend ? 'weekend' : 'working' };
  }

  /** Whether `date` is a working day. */
  isWorkingDay(date: string): boolean {
    return this.day(date).working;
  }

  /**
   * The `count`-th working day after `start` (not counting `start` itself): the last day of a period of `count`
   * working days that starts from `start`. `count` 0 answers `start`. Refused (CALENDAR_YEAR_NOT_LOADED) when the
   * period runs into a year that is not loaded.
   */
  addWorkingDays(start: string, count: number): PlainDate {
    nonNegativeInteger(count, 'count');
    let d = this.#loaded(start);
    for (let left = count; left > 0; ) {
      d = addCalendarDays(d, 1);
      if (this.isWorkingDay(d)) left--;
    }
    return d;
  }

  /**
   * Working days in (`from`, `to`]: how many working days after `from` it took to reach `to` (0 when `to` is not
   * after `from`). `workingDaysBetween(d, addWorkingDays(d, n)) === n`.
   */
  workingDaysBetween(from: string, to: string): number {
    const a = this.#loaded(from);
    const b = this.#loaded(to);
    let count = 0;
    for (let d = addCalendarDays(a, 1); epochDay(d) <= epochDay(b); d = addCalendarDays(d, 1)) {
      if (this.isWorkingDay(d)) count++;
    }
    return count;
  }

  /** `date` when it is a working day, else the first working day after it. */
  workingDayOnOrAfter(date: string): PlainDate {
    let d = this.#loaded(date);
    while (!this.isWorkingDay(d)) d = addCalendarDays(d, 1);
    return d;
  }

  #loaded(date: string): PlainDate {
    const d = parsePlainDate(date);
    const year = yearOf(d);
    if (!this.#years.has(year)) {
      const loaded = this.years.length > 0 ? `${this.years[0]}–${this.years.at(-1)}` : 'none';
      throw new CalendarError(
        'CALENDAR_YEAR_NOT_LOADED',
        `no State Council holiday notice is loaded for ${year} (loaded: ${loaded}); working days in ${year} cannot be counted`,
        year,
      );
    }
    return d;
  }

  #load(notice: YearNotice): void {
    for (const problem of checkNotice(notice)) throw new RangeError(`notice of ${notice.year}: ${problem}`);
    for (const h of notice.holidays) {
      for (let d = h.from as PlainDate; epochDay(d) <= epochDay(h.to as PlainDate); d = addCalendarDays(d, 1)) {
        this.#special.set(d, { kind: 'holiday', holiday: h.name });
      }
    }
    for (const m of notice.makeUpWorkdays) this.#special.set(m.date, { kind: 'make-up', holiday: m.for });
  }
}

/**
 * What is wrong with a year's data, checked against the notice's own words: each period's stated number of days
 * equals its dates, each make-up working day is a Saturday or a Sunday of that year outside every holiday period
 * and names a holiday of the notice, and no two periods overlap. Empty when the data is consistent.
 */
export function checkNotice(notice: YearNotice): string[] {
  const problems: string[] = [];
  const date = (value: string, what: string): PlainDate | undefined => {
    try {
      return parsePlainDate(value);
    } catch {
      problems.push(`${what} ${JSON.stringify(value)} is not a date`);
      return undefined;
    }
  };
  const periods: { from: number; to: number; name: string }[] = [];
  for (const h of notice.holidays) {
    const from = date(h.from, `${h.name} from`);
    const to = date(h.to, `${h.name} to`);
    if (!from || !to) continue;
    const days = epochDay(to) - epochDay(from) + 1;
    if (days !== h.days) problems.push(`${h.name}: ${h.from} to ${h.to} is ${days} days, the notice says ${h.days}`);
    if (yearOf(to) !== notice.year) problems.push(`${h.name} ends outside ${notice.year}`);
    for (const p of periods) {
      if (epochDay(from) <= p.to && epochDay(to) >= p.from) problems.push(`${h.name} overlaps ${p.name}`);
    }
    periods.push({ from: epochDay(from), to: epochDay(to), name: h.name });
  }
  const names = new Set(notice.holidays.map((h) => h.name));
  for (const m of notice.makeUpWorkdays) {
    const d = date(m.date, 'make-up day');
    if (!d) continue;
    if (yearOf(d) !== notice.year) problems.push(`make-up day ${m.date} is outside ${notice.year}`);
    if (isoWeekday(d) < 6) problems.push(`make-up day ${m.date} is not a Saturday or a Sunday`);
    if (!names.has(m.for)) problems.push(`make-up day ${m.date} makes up for ${m.for}, which the notice does not name`);
    if (periods.some((p) => epochDay(d) >= p.from && epochDay(d) <= p.to)) {
      problems.push(`make-up day ${m.date} lies inside a holiday period`);
    }
  }
  return problems;
}

/**
 * The next year when its notice is due and not loaded: from 1 October of `today`'s year (the State Council publishes
 * the notice for the next year between October and December), so that a host can warn before deadlines running
 * into that year start to be refused. `undefined` otherwise.
 */
export function nextYearMissing(calendar: WorkCalendar, today: string): number | undefined {
  const d = parsePlainDate(today);
  const next = yearOf(d) + 1;
  if (Number(d.slice(5, 7)) < 10 || calendar.years.includes(next)) return undefined;
  return next;
}

function nonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CalendarError('DATE_INVALID', `${what} must be a whole number of days ≥ 0, got ${value}`);
  }
}
