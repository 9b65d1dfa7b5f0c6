import fc from 'fast-check';
import { computeCitizenIdCheck, computeUsccCheck, PROVINCE_CODES } from '../src/index.js';

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const DIGITS = '0123456789';
export const MOD3736_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Exactly `length` characters drawn from `alphabet`. */
export function stringOf(alphabet: string, length: number, maxLength = length): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...alphabet), minLength: length, maxLength });
}

/** A valid credit code: random authority, category and organisation code, a 6-digit division, computed check. */
export const validUscc: fc.Arbitrary<string> = fc
  .tuple(stringOf(USCC_ALPHABET, 2), stringOf(DIGITS, 6), stringOf(USCC_ALPHABET, 9))
  .map(([head, division, org]) => {
    const body = `${head}${division}${org}`;
    return body + computeUsccCheck(body);
  });

/** The instant the citizen-ID tests treat as now: 2025-06-01 00:00 in Shanghai. */
export const TODAY = new Date('2025-06-01T00:00:00+08:00');

/** A valid citizen ID: a real province, a birth date from 1800-01-01 to TODAY, any sequence, computed check. */
export const validCitizenId: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...PROVINCE_CODES),
    stringOf(DIGITS, 4),
    fc.date({ min: new Date('1800-01-01T00:00:00Z'), max: new Date('2025-05-31T00:00:00Z'), noInvalidDate: true }),
    stringOf(DIGITS, 3),
  )
  .map(([province, rest, birth, sequence]) => {
    const body = `${province}${rest}${birth.toISOString().slice(0, 10).replaceAll('-', '')}${sequence}`;
    return body + computeCitizenIdCheck(body);
  });

/** `text` with position `at` replaced by `ch`. */
export function replaceAt(text: string, at: number, ch: string): string {
  return text.slice(0, at) + ch + text.slice(at + 1);
}

/** `text` with the characters at `at` and `at + 1` swapped. */
export function swapAt(text: string, at: number): string {
  return text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
}
