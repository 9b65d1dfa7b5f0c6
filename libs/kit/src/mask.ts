import { maskCitizenId, normaliseCitizenId } from '@onceonly/ids';

/** An 18-character identifier (citizen ID: 17 digits + check digit or X; credit code: 18 letters and digits). */
const EIGHTEEN_CHAR_CODE = /^[0-9A-Z]{18}$/;

/**
 * A citizen ID anywhere in a text: 6-digit division, plausible date of birth, 3-digit sequence, check character,
 * not part of a longer run of letters or digits. The date keeps the false positives (other 18-digit numbers) rare.
 */
const CITIZEN_ID_IN_TEXT =
  /(?<![0-9A-Za-z])(\d{6})(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(\d{3}[\dXx])(?![0-9A-Za-z])/g;

/**
 * Masks a value shaped like an 18-character identifier (after the same normalisation @onceonly/ids applies:
 * full-width to half-width, trimmed, upper-cased), keeping the first 6 and last 4 characters:
 * `310107********1234`. Returns undefined for any other value.
 */
export function maskIdentifier(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const text = normaliseCitizenId(value);
  return EIGHTEEN_CHAR_CODE.test(text) ? maskCitizenId(text) : undefined;
}

/** Masks every citizen ID found in a text (the logger's last line of defence). */
export function maskCitizenIdsInText(text: string): string {
  return text.replace(CITIZEN_ID_IN_TEXT, (_m, head: string, tail: string) => `${head}********${tail}`);
}
