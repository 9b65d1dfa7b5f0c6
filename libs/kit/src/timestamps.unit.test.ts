import { describe, expect, it } from 'vitest';
import { parseInstant } from './timestamps.js';

describe('parseInstant', () => {
  it.each([
    ['2025-03-10T08:00:00Z', '2025-03-10T08:00:00.000Z'],
    ['2025-03-10T08:00:00+08:00', '2025-03-10T00:00:00.000Z'],
    ['2025-03-10t08:00:00.5-01:30', '2025-03-10T09:30:00.500Z'],
    ['2024-02-29T23:59:59.123456789z', '2024-02-29T23:59:59.123Z'],
  ])('reads %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['a date that does not exist', '2027-02-30T00:00:00Z'],
    ['29 February in a common year', '2025-02-29T00:00:00Z'],
    ['no offset', '2025-03-10T08:00:00'],
    ['a date without a time', '2025-03-10'],
    ['hour 24', '2025-03-10T24:00:00Z'],
    ['a leap second', '2025-03-10T23:59:60Z'],
    ['an offset past 23 hours', '2025-03-10T08:00:00+24:00'],
    ['trailing text', '2025-03-10T08:00:00Zjunk'],
    ['words', 'yesterday'],
  ])('refuses %s', (_case, text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});
