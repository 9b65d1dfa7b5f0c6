import { describe, expect, it } from 'vitest';
import { chinaDateOf, parsePlainDate, startOfChinaDay } from './plain-date.js';

describe('dates in mainland China', () => {
  it('takes the date at UTC+8', () => {
    expect(chinaDateOf(new Date('2025-01-27T15:59:59.999Z'))).toBe('2025-01-27');
    expect(chinaDateOf(new Date('2025-01-27T16:00:00.000Z'))).toBe('2025-01-28');
    expect(startOfChinaDay(parsePlainDate('2025-01-28')).toISOString()).toBe('2025-01-27T16:00:00.000Z');
  });

  it('refuses an invalid instant', () => {
    expect(() => chinaDateOf(new Date('nope'))).toThrow(expect.objectContaining({ code: 'DATE_INVALID' }));
  });

  it('accepts 29 February only in leap years', () => {
    expect(parsePlainDate('2024-02-29')).toBe('2024-02-29');
    expect(() => parsePlainDate('2026-02-29')).toThrow(expect.objectContaining({ code: 'DATE_INVALID' }));
  });
});
