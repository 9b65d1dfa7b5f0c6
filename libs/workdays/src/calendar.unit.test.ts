import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHINA_WORKDAYS, checkNotice, isoWeekday, parsePlainDate, WorkCalendar, YEAR_NOTICES } from './index.js';
import { YEAR_2025 } from './years/2025.js';

const cal = CHINA_WORKDAYS;

describe('the shipped notices', () => {
  it.each(YEAR_NOTICES.map((n) => [n.year, n] as const))('%i agrees with itself', (_year, notice) => {
    expect(checkNotice(notice)).toEqual([]);
  });

  // weekdays as the notices print them beside the dates (an independent check of the data entry)
  it.each([
    ['2024-02-04', 7, '2024: 2月4日（周日）上班'],
    ['2024-02-18', 7, '2024: 2月18日（周日）上班'],
    ['2024-05-11', 6, '2024: 5月11日（周六）上班'],
    ['2025-01-28', 2, '2025: 1月28日（农历除夕、周二）'],
    ['2025-02-04', 2, '2025: 2月4日（农历正月初七、周二）'],
    ['2025-01-26', 7, '2025: 1月26日（周日）上班'],
    ['2025-02-08', 6, '2025: 2月8日（周六）上班'],
    ['2025-10-11', 6, '2025: 10月11日（周六）上班'],
    ['2026-02-15', 7, '2026: 2月15日（农历腊月二十八、周日）'],
    ['2026-02-14', 6, '2026: 2月14日（周六）上班'],
    ['2026-02-28', 6, '2026: 2月28日（周六）上班'],
    ['2026-09-20', 7, '2026: 9月20日（周日）上班'],
  ])('%s is ISO weekday %i (%s)', (date, weekday) => {
    expect(isoWeekday(parsePlainDate(date))).toBe(weekday);
  });

  it('finds a period whose dates and stated days disagree, and a make-up day on a weekday', () => {
    const broken = {
      ...YEAR_2025,
      holidays: YEAR_2025.holidays.map((h) => (h.name === '春节' ? { ...h, days: 7 } : h)),
      makeUpWorkdays: [...YEAR_2025.makeUpWorkdays, { date: '2025-03-03', for: '春节' }],
    };
    expect(checkNotice(broken)).toEqual([
      '春节: 2025-01-28 to 2025-02-04 is 8 days, the notice says 7',
      'make-up day 2025-03-03 is not a Saturday or a Sunday',
    ]);
    expect(() => WorkCalendar.fromNotices([broken])).toThrow(/notice of 2025/);
  });
});

describe('days', () => {
  it('tells holidays, make-up working days, weekends and plain working days apart', () => {
    expect(cal.day('2025-01-29')).toEqual({ date: '2025-01-29', working: false, kind: 'holiday', holiday: '春节' });
    expect(cal.day('2025-01-26')).toEqual({ date: '2025-01-26', working: true, kind: 'make-up', holiday: '春节' });
    expect(cal.day('2025-03-01')).toEqual({ date: '2025-03-01', working: false, kind: 'weekend' });
    expect(cal.day('2025-03-03')).toEqual({ date: '2025-03-03', working: true, kind: 'working' });
  });

  it('refuses a year with no notice loaded, never guessing from weekdays', () => {
    expect(() => cal.isWorkingDay('2027-03-01')).toThrow(
      expect.objectContaining({ code: 'CALENDAR_YEAR_NOT_LOADED', year: 2027 }),
    );
    expect(() => cal.isWorkingDay('2022-12-30')).toThrow(expect.objectContaining({ code: 'CALENDAR_YEAR_NOT_LOADED' }));
    // a period that runs past the last loaded year is refused too, not cut short
    expect(() => cal.addWorkingDays('2026-12-24', 10)).toThrow(
      expect.objectContaining({ code: 'CALENDAR_YEAR_NOT_LOADED', year: 2027 }),
    );
  });

  it.each(['2025-02-29', '2025-13-01', '25-01-01', '2025-1-1', '2025-01-01T00:00:00Z', '', '\u00002025-01-01'])(
    'refuses %j as a date',
    (value) => {
      expect(() => cal.day(value)).toThrow(expect.objectContaining({ code: 'DATE_INVALID' }));
    },
  );

  it('refuses a negative or fractional count', () => {
    expect(() => cal.addWorkingDays('2025-03-03', -1)).toThrow(expect.objectContaining({ code: 'DATE_INVALID' }));
    expect(() => cal.addWorkingDays('2025-03-03', 1.5)).toThrow(expect.objectContaining({ code: 'DATE_INVALID' }));
  });
});

describe('deadlines across a Spring Festival (counted by hand from the notices)', () => {
  it.each([
    // 2025: received Fri 01-24; 01-25 Sat rest; 01-26 Sun worked (1); 01-27 Mon (2); 01-28 … 02-04 holiday;
    // 02-05 Wed (3), 02-06 Thu (4), 02-07 Fri (5)
    ['2025-01-24', 5, '2025-02-07'],
    // 2025: 02-08 Sat is a make-up working day: 02-05 (1) 02-06 (2) 02-07 (3) 02-08 (4) 02-10 Mon (5)
    ['2025-02-04', 5, '2025-02-10'],
    // 2026: received Thu 02-12; 02-13 Fri (1); 02-14 Sat worked (2); 02-15 … 02-23 holiday; 02-24 Tue (3)
    ['2026-02-12', 3, '2026-02-24'],
    // 2026: 15 working days from Mon 02-09: 02-10 … 02-13 (4), 02-14 (5), 02-24 … 02-27 (9), 02-28 Sat (10),
    // 03-02 … 03-06 (15)
    ['2026-02-09', 15, '2026-03-06'],
    // 2024: received Fri 02-02; 02-04 Sun worked (1); 02-05 … 02-09 (6); 02-10 … 02-17 holiday; 02-18 Sun worked (7)
    ['2024-02-02', 7, '2024-02-18'],
    // across a year end: 2025-12-31 Wed; 2026-01-01 … 01-03 holiday; 01-04 Sun worked (1); 01-05 Mon (2)
    ['2025-12-31', 2, '2026-01-05'],
    ['2025-03-03', 0, '2025-03-03'],
  ])('%s + %i working days = %s', (start, days, due) => {
    expect(cal.addWorkingDays(start, days)).toBe(due);
    expect(cal.workingDaysBetween(start, due)).toBe(days);
  });

  it('moves a rest day to the next working day', () => {
    expect(cal.workingDayOnOrAfter('2026-02-15')).toBe('2026-02-24');
    expect(cal.workingDayOnOrAfter('2026-02-14')).toBe('2026-02-14');
  });
});

describe('properties over every loaded day', () => {
  const first = Date.UTC(2023, 0, 1);
  const days = (Date.UTC(2026, 11, 31) - first) / 86_400_000;
  const date = fc
    .integer({ min: 0, max: days - 120 })
    .map((i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));

  it('a period of n working days ends on a working day, n working days later, and periods add up', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), (start, n, m) => {
        const end = cal.addWorkingDays(start, n);
        expect(cal.isWorkingDay(end)).toBe(true);
        expect(cal.workingDaysBetween(start, end)).toBe(n);
        expect(cal.addWorkingDays(end, m)).toBe(cal.addWorkingDays(start, n + m));
      }),
    );
  });

  it('every Monday to Friday outside a holiday period is a working day, every weekend day outside a make-up day is not', () => {
    fc.assert(
      fc.property(date, (d) => {
        const info = cal.day(d);
        const weekday = isoWeekday(parsePlainDate(d));
        if (info.kind === 'working') expect(weekday).toBeLessThan(6);
        if (info.kind === 'weekend') expect(weekday).toBeGreaterThanOrEqual(6);
        if (info.kind === 'make-up') expect(weekday).toBeGreaterThanOrEqual(6);
        expect(info.working).toBe(info.kind === 'working' || info.kind === 'make-up');
      }),
    );
  });
});
