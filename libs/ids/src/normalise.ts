import { accept, type IdValidation, reject } from './id-result.js';

/**
 * Identifiers are short (the longest, a licence identifier, is at most 126 characters). Input comes from callers
 * and may be hostile: anything longer is rejected before it is copied or scanned.
 */
const MAX_INPUT_LENGTH = 256;

/** Full-width ASCII (U+FF01-U+FF5E, typed by Chinese input methods) and the ideographic space, as ASCII. */
export function toHalfWidth(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ');
}

/**
 * Half-width, trimmed, ASCII letters upper-cased. Only a-z are upper-cased: full Unicode case mapping would turn,
 * for example, the dotless `ı` into `I` and let it through.
 */
export function normaliseId(text: string): string {
  return toHalfWidth(text)
    .trim()
    .replace(/[a-z]/g, (ch) => ch.toUpperCase());
}

/** The normalised input, or EMPTY / LENGTH for input that is no identifier at all. */
export function readInput(input: unknown): IdValidation<string> {
  if (typeof input !== 'string') return reject('EMPTY', 'expected a string');
  if (input.length > MAX_INPUT_LENGTH) return reject('LENGTH', `longer than ${MAX_INPUT_LENGTH} characters`);
  const text = normaliseId(input);
  return text === '' ? reject('EMPTY', 'empty') : accept(text);
}

/** Index of the first character of `text` that is not in `alphabet`, or -1. */
export function indexOutside(text: string, alphabet: string): number {
  for (let i = 0; i < text.length; i++) if (!alphabet.includes(text.charAt(i))) return i;
  return -1;
}
