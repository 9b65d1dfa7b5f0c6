import { parsePlainDate } from '@onceonly/workdays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMonths } from './dates.js';

const day = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => parsePlainDate(d.toISOString().slice(0, 10)));

describe('addMonths', () => {
  it('keeps the day of the month, or takes the last day of a shorter month', () => {
    expect(addMonths('2026-03-02', 3)).toBe('2026-06-02');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15');
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
  });

  it('moves by whole months whatever the date', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: -120, max: 120 }), (d, m) => {
        const moved = addMonths(d, m);
        const months = (s: string) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7));
        expect(months(moved) - months(d)).toBe(m);
        expect(Number(moved.slice(8))).toBeLessThanOrEqual(Number(d.slice(8)));
      }),
    );
  });

  it('keeps the order of dates', () => {
    fc.assert(
      fc.property(day, day, fc.integer({ min: -60, max: 60 }), (a, b, m) => {
        if (a <= b) expect(addMonths(a, m) <= addMonths(b, m)).toBe(true);
      }),
    );
  });
});
