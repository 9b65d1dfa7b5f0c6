import { type BinaryLike, createHmac, type KeyObject } from 'node:crypto';
import type { Brand } from './brand.js';
import { type DivisionCode, validateDivision } from './division.js';
import { accept, IdError, type IdValidation, reject, unwrap } from './id-result.js';
import { normaliseId, readInput } from './normalise.js';

/**
 * A valid citizen identity number (公民身份号码, GB 11643-1999), normalised (upper-case `X`). Personal data: never
 * log it; store {@link hashCitizenId} and show {@link maskCitizenId}.
 */
export type CitizenId = Brand<string, 'CitizenId'>;

/** Sex as encoded by the parity of the sequence number: odd for men, even for women. */
export type Sex = 'male' | 'female';

/** The reading of a valid citizen ID. */
export interface CitizenIdDetails {
  /** The normalised number. */
  readonly id: CitizenId;
  /** Division of first registration (digits 1-6); it may be a code abolished since. */
  readonly division: DivisionCode;
  /** Birth date, `YYYY-MM-DD` (digits 7-14). */
  readonly birthDate: string;
  /** Sequence number among people of the same division and birth date (digits 15-17). */
  readonly sequence: string;
  /** From the parity of the sequence number. */
  readonly sex: Sex;
}

/** Options of {@link validateCitizenId}. */
export interface CitizenIdOptions {
  /**
   * The current instant, against which a birth date in the future is rejected. Its calendar date is taken in China
   * Standard Time (UTC+8). Defaults to the system clock; pass the clock port's time in domain code.
   */
  readonly today?: Date;
}

/** A key for {@link hashCitizenId}: at least 16 bytes of secret. */
export type CitizenIdHashKey = BinaryLike | KeyObject;

/** 2^(17-i) mod 11 for positions 1-17; the check character has weight 1. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character by (weighted sum mod 11): ISO 7064 MOD 11-2, with X for 10. */
const CHECKS = '10X98765432';
/**
 * No floor is set by GB 11643-1999. 1800 catches typed years such as 0984 or 1094 but keeps the few holders born
 * before 1900 (Chinese supercentenarians held 18-digit numbers; civil-affairs records still refer to them).
 */
const EARLIEST_BIRTH_DATE = '1800-01-01';
const MIN_KEY_BYTES = 16;
const HOUR_MS = 3_600_000;

/** Trims, turns full-width characters into half-width ones and upper-cases (a final `x` becomes `X`). */
export function normaliseCitizenId(input: string): string {
  return normaliseId(input);
}

function checkOf(body: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body.charAt(i)) * WEIGHTS[i]!;
  return CHECKS.charAt(sum % 11);
}

/**
 * The check character (`0`-`9` or `X`) for the first 17 digits of a citizen ID.
 * @throws IdError (kind `citizen-id`, reason LENGTH or ALPHABET) unless given exactly 17 digits.
 */
export function computeCitizenIdCheck(first17: string): string {
  const body = normaliseCitizenId(first17);
  if (body.length !== 17) throw new IdError('citizen-id', 'LENGTH', `expected 17 digits, got ${body.length}`);
  if (!/^\d{17}$/.test(body)) throw new IdError('citizen-id', 'ALPHABET', 'expected digits only');
  return checkOf(body);
}

/** The calendar date of an instant in China Standard Time: UTC+8 all year, no daylight saving since 1991. */
function chinaDate(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('today is an invalid Date');
  return new Date(instant.getTime() + 8 * HOUR_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` when the eight digits are a real calendar date, else undefined. */
function calendarDate(yyyymmdd: string): string | undefined {
  const iso = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  // 31 February either fails to parse or rolls over into March; both differ from the text.
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : undefined;
}

function birthDateProblem(birthDate: string | undefined, today: string): string | undefined {
  if (birthDate === undefined) return 'the birth date is not a calendar date';
  if (birthDate < EARLIEST_BIRTH_DATE) return `the birth date is before ${EARLIEST_BIRTH_DATE}`;
  if (birthDate > today) return 'the birth date is in the future';
  return undefined;
}

/**
 * Validates an 18-character citizen ID and reads it. Reasons, in the order they are tested: EMPTY, LENGTH,
 * ALPHABET (17 digits then a digit or X), DIVISION (no such province), BIRTH_DATE (not a calendar date, before
 * 1800, or after today), CHECK_CHARACTER. First-generation 15-digit numbers are rejected (LENGTH).
 *
 * Messages never repeat the number or any part of it.
 */
export function validateCitizenId(input: string, options: CitizenIdOptions = {}): IdValidation<CitizenIdDetails> {
  const read = readInput(input);
  if (!read.ok) return read;
  const id = read.value;
  if (id.length !== 18) return reject('LENGTH', `a citizen ID has 18 characters, got ${id.length}`);
  if (!/^\d{17}[\dX]$/.test(id)) return reject('ALPHABET', 'a citizen ID has 17 digits and then a digit or X');
  const division = validateDivision(id.slice(0, 6));
  if (!division.ok) return reject('DIVISION', 'the first two digits name no province');
  const birthDate = calendarDate(id.slice(6, 14));
  const problem = birthDateProblem(birthDate, chinaDate(options.today ?? new Date()));
  if (problem !== undefined) return reject('BIRTH_DATE', problem);
  if (id.charAt(17) !== checkOf(id)) return reject('CHECK_CHARACTER', 'the check character does not match');
  const sequence = id.slice(14, 17);
  const sex: Sex = Number(sequence) % 2 === 1 ? 'male' : 'female';
  return accept({ id: id as CitizenId, division: division.value, birthDate: birthDate!, sequence, sex });
}

/** {@link validateCitizenId}, throwing an IdError of kind `citizen-id` when the number is invalid. */
export function parseCitizenId(input: string, options: CitizenIdOptions = {}): CitizenIdDetails {
  return unwrap('citizen-id', validateCitizenId(input, options));
}

/**
 * Masks a citizen ID for display: the 6-digit division and the last 4 characters stay, the birth date and the
 * first sequence digit become `*` (`310107********1234`). Input that is not 18 characters long is masked entirely,
 * so that a malformed number never shows more than a well-formed one would.
 */
export function maskCitizenId(id: string): string {
  const text = normaliseCitizenId(id);
  if (text.length !== 18) return '*'.repeat(text.length);
  return `${text.slice(0, 6)}${'*'.repeat(8)}${text.slice(14)}`;
}

function keyBytes(key: CitizenIdHashKey): number {
  if (typeof key === 'string') return Buffer.byteLength(key, 'utf8');
  if (ArrayBuffer.isView(key)) return key.byteLength;
  return key.type === 'secret' ? (key.symmetricKeySize ?? 0) : 0;
}

/**
 * A keyed hash of a citizen ID (HMAC-SHA256, lower-case hex): store it to look a person up without storing the
 * number. The key must stay secret and be used for nothing else: there are only about 10^10 plausible numbers,
 * so an unkeyed hash could be reversed by trying them all.
 * @throws RangeError when the key is shorter than 16 bytes or not a secret key.
 */
export function hashCitizenId(id: CitizenId, key: CitizenIdHashKey): string {
  if (keyBytes(key) < MIN_KEY_BYTES)
    throw new RangeError(`the hash key must be a secret of at least ${MIN_KEY_BYTES} bytes`);
  // Normalised again so that a cast string with a lower-case x hashes like the validated number.
  return createHmac('sha256', key).update(normaliseCitizenId(id), 'utf8').digest('hex');
}
