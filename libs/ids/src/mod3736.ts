import { IdError } from './id-result.js';
import { indexOutside } from './normalise.js';

/** ISO/IEC 7064 MOD 37,36: the 36 symbols 0-9 A-Z with values 0..35. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const M = 36;

function upper(text: string): string {
  return text.replace(/[a-z]/g, (ch) => ch.toUpperCase());
}

/** The running value after every character: the hybrid system's "P" (1..36), doubled mod 37 at each step. */
function runningValue(text: string): number {
  let c = M;
  for (const ch of text) {
    c = (c + ALPHABET.indexOf(ch)) % M;
    if (c === 0) c = M;
    c = (2 * c) % (M + 1);
  }
  return c;
}

/**
 * The ISO/IEC 7064 MOD 37,36 check character of a string of 0-9 A-Z (lower case is read as upper case).
 * The check makes (running value + check) ≡ 1 (mod 36).
 * @throws IdError (kind `licence-id`, reason ALPHABET) for any other character.
 */
export function mod3736Check(text: string): string {
  const body = upper(text);
  const at = indexOutside(body, ALPHABET);
  if (at >= 0) throw new IdError('licence-id', 'ALPHABET', `character ${at + 1} is not 0-9 or A-Z`);
  return ALPHABET.charAt((M + 1 - runningValue(body)) % M);
}

/** True when the last character is the MOD 37,36 check character of the rest. False for anything malformed. */
export function mod3736Valid(text: string): boolean {
  const all = upper(text);
  if (all.length === 0 || indexOutside(all, ALPHABET) >= 0) return false;
  return mod3736Check(all.slice(0, -1)) === all.slice(-1);
}
