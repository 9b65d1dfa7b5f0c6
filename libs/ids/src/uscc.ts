import type { Brand } from './brand.js';
import { accept, IdError, type IdValidation, reject, unwrap } from './id-result.js';
import { indexOutside, normaliseId, readInput } from './normalise.js';

/** A valid unified social credit code (统一社会信用代码, GB 32100-2015), normalised to upper case. */
export type Uscc = Brand<string, 'Uscc'>;

/** The fields of a credit code, by position. */
export interface UsccParts {
  /** Position 1: registration authority (1 机构编制, 5 民政, 9 工商, Y other, ...). */
  readonly registrationAuthority: string;
  /** Position 2: organisation category within the authority. */
  readonly category: string;
  /** Positions 3-8: division code of the registering authority (`100000` for national bodies). */
  readonly division: string;
  /** Positions 9-17: organisation code. */
  readonly organisationCode: string;
  /** Position 18: check character. */
  readonly check: string;
}

/** 31 symbols: digits and capitals without I, O, S, V, Z. A symbol's value is its index. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** 3^i mod 31, for positions 1-17. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/**
 * Trims, turns full-width characters into half-width ones and upper-cases. Inner spaces and hyphens are kept, so
 * that a code with them is rejected rather than silently repaired.
 */
export function normaliseUscc(input: string): string {
  return normaliseId(input);
}

function checkOf(body: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(body.charAt(i)) * WEIGHTS[i]!;
  // The outer "mod 31" matters: when the sum divides by 31 the check is '0'. Without it the index would be 31,
  // past the end of the alphabet (a mistake some public implementations make).
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/**
 * The check character for the first 17 characters of a credit code (normalised first).
 * @throws IdError (kind `uscc`, reason LENGTH or ALPHABET) for anything but 17 characters of the code alphabet.
 */
export function computeUsccCheck(first17: string): string {
  const body = normaliseUscc(first17);
  if (body.length !== 17) throw new IdError('uscc', 'LENGTH', `expected 17 characters, got ${body.length}`);
  const at = indexOutside(body, ALPHABET);
  if (at >= 0) throw new IdError('uscc', 'ALPHABET', `character ${at + 1} is not in the code alphabet`);
  return checkOf(body);
}

/**
 * Validates a unified social credit code: 18 characters of the code alphabet, a 6-digit division in positions 3-8,
 * and a matching check character. Reasons, in the order they are tested: EMPTY, LENGTH, ALPHABET, DIVISION,
 * CHECK_CHARACTER.
 *
 * The division is only required to be six digits, not a known province: national bodies register under `100000`
 * (for example `11100000000013338W`).
 */
export function validateUscc(input: string): IdValidation<Uscc> {
  const read = readInput(input);
  if (!read.ok) return read;
  const code = read.value;
  if (code.length !== 18) return reject('LENGTH', `a credit code has 18 characters, got ${code.length}`);
  const at = indexOutside(code, ALPHABET);
  if (at >= 0) {
    return reject('ALPHABET', `character ${at + 1} is not in the code alphabet (0-9 and A-Z except I, O, S, V, Z)`);
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) return reject('DIVISION', 'positions 3-8 must be a 6-digit division code');
  const check = checkOf(code);
  if (code.charAt(17) !== check) return reject('CHECK_CHARACTER', `the check character should be ${check}`);
  return accept(code as Uscc);
}

/** {@link validateUscc}, throwing an IdError of kind `uscc` when the code is invalid. */
export function parseUscc(input: string): Uscc {
  return unwrap('uscc', validateUscc(input));
}

/** True when the input is a valid credit code (after normalisation). */
export function isUscc(input: string): boolean {
  return validateUscc(input).ok;
}

/** The fields of a validated credit code. */
export function usccParts(code: Uscc): UsccParts {
  return {
    registrationAuthority: code.slice(0, 1),
    category: code.slice(1, 2),
    division: code.slice(2, 8),
    organisationCode: code.slice(8, 17),
    check: code.slice(17),
  };
}

/**
 * Masks a credit code for display: the first 8 characters (authority, category, division) and the last 2 stay,
 * the 8 between become `*`. Credit codes are not personal data; the mask is for screens that want less detail.
 * Input that is not 18 characters long is masked entirely.
 */
export function maskUscc(code: string): string {
  const text = normaliseUscc(code);
  if (text.length !== 18) return '*'.repeat(text.length);
  return `${text.slice(0, 8)}${'*'.repeat(8)}${text.slice(16)}`;
}
