import { describe, expect, it } from 'vitest';
import { addDays, addYears, chinaDate, isCalendarDate, parseDateTime, validityEnd } from './dates.js';

describe('calendar dates', () => {
  it('takes the date of an instant in China Standard Time', () => {
    expect(chinaDate(new Date('2025-03-09T15:59:59Z'))).toBe('2025-03-09');
    expect(chinaDate(new Date('2025-03-09T16:00:00Z'))).toBe('2025-03-10');
  });

  it('recognises real dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2025-3-1')).toBe(false);
    expect(isCalendarDate('2025-13-01')).toBe(false);
  });

  it('ends a validity of n years the day before the anniversary', () => {
    expect(validityEnd('2025-01-01', 5)).toBe('2029-12-31');
    expect(validityEnd('2025-03-10', 4)).toBe('2029-03-09');
  });

  it('moves 29 February to 28 February in a common year', () => {
    expect(addYears('2024-02-29', 1)).toBe('2025-02-28');
    expect(addYears('2024-02-29', 4)).toBe('2028-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });
});

describe('parseDateTime', () => {
  it('reads a date-time with an offset', () => {
    expect(parseDateTime('2027-02-28T08:00:00+08:00')?.toISOString()).toBe('2027-02-28T00:00:00.000Z');
  });

  it.each(['2027-02-30T00:00:00Z', '2027-02-28T00:00:00', '2027-02-28', '2027-02-28T24:00:00Z', 'soon'])(
    'refuses %s',
    (text) => {
      expect(parseDateTime(text)).toBeUndefined();
    },
  );
});
