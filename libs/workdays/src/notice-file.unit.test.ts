import { describe, expect, it } from 'vitest';
import { nextYearMissing, WorkCalendar } from './calendar.js';
import { isCalendarError } from './errors.js';
import { parseYearNotice } from './notice-file.js';
import { YEAR_2025 } from './years/2025.js';
import { YEAR_2026 } from './years/2026.js';

// A shipped year written as an operator would write its file: it must come back equal to the shipped data.
const text2026 = JSON.stringify(YEAR_2026);

function refusal(text: string): string {
  try {
    parseYearNotice(text, '2026.json');
  } catch (err) {
    if (isCalendarError(err) && err.code === 'NOTICE_INVALID') return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseYearNotice', () => {
  it('reads a notice file into the same calendar as the shipped year', () => {
    const notice = parseYearNotice(text2026, '2026.json');
    expect(notice).toEqual(YEAR_2026);
    const fromFile = WorkCalendar.fromNotices([notice]);
    const shipped = WorkCalendar.fromNotices([YEAR_2026]);
    expect(fromFile.addWorkingDays('2026-02-12', 3)).toBe('2026-02-24');
    expect(fromFile.workingDaysBetween('2026-01-01', '2026-12-31')).toBe(
      shipped.workingDaysBetween('2026-01-01', '2026-12-31'),
    );
  });

  it('refuses what is not JSON, naming the file', () => {
    expect(refusal('{year: 2026')).toMatch(/^2026\.json: not JSON/);
  });

  it('refuses a wrong shape with every problem listed', () => {
    const message = refusal(JSON.stringify({ year: '2026', holidays: [{ name: '春节' }] }));
    expect(message).toContain('year: expected a year');
    expect(message).toContain('notice: expected {title, number, issued}');
    expect(message).toContain('holidays[0]: expected {name, from, to, days}');
    expect(message).toContain('makeUpWorkdays: expected a list');
  });

  it('refuses a period whose dates do not add up to the days the notice states (a typo in either)', () => {
    const typo = { ...YEAR_2026, holidays: YEAR_2026.holidays.map((h) => (h.name === '春节' ? { ...h, days: 8 } : h)) };
    expect(refusal(JSON.stringify(typo))).toContain('春节: 2026-02-15 to 2026-02-23 is 9 days, the notice says 8');
  });

  it('refuses a make-up working day on a weekday', () => {
    const weekday = { ...YEAR_2026, makeUpWorkdays: [{ date: '2026-02-13', for: '春节' }] };
    expect(refusal(JSON.stringify(weekday))).toContain('make-up day 2026-02-13 is not a Saturday or a Sunday');
  });
});

describe('nextYearMissing', () => {
  const calendar = WorkCalendar.fromNotices([YEAR_2026]);
  it('names the next year from October when its notice is not loaded', () => {
    expect(nextYearMissing(calendar, '2026-09-30')).toBeUndefined();
    expect(nextYearMissing(calendar, '2026-10-01')).toBe(2027);
    expect(nextYearMissing(calendar, '2026-12-31')).toBe(2027);
  });
  it('is quiet once the next year is loaded', () => {
    expect(nextYearMissing(WorkCalendar.fromNotices([YEAR_2025, YEAR_2026]), '2025-11-01')).toBeUndefined();
  });
});
