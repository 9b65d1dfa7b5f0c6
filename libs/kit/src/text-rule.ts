/**
 * The one text rule for free text at the edge. Protobuf decoding turns invalid UTF-8 into U+FFFD and PostgreSQL
 * refuses NUL in text (an uncoded INTERNAL), while bidi overrides, zero-width characters and escape sequences
 * let a sealed name read differently from what it is: all of them are refused here, before any work is done.
 */

/** Why a text breaks the rule (the `reason` of its field violation). */
export type TextFault =
  | 'INVALID_UTF8'
  | 'TOO_LONG'
  | 'CONTROL_CHARACTER'
  | 'BIDI_CONTROL'
  | 'INVISIBLE_CHARACTER'
  | 'NOT_NFC';

/** Options of {@link textFault}. */
export interface TextRuleOptions {
  /** Most code points allowed. */
  readonly max: number;
  /**
   * Prose that may run over lines (a dispute claim, a note, a multi-line face field): line feed and tab are allowed.
   * Carriage return is not: a lone CR rewrites terminal lines, and LF is the one line break stored.
   */
  readonly multiline?: boolean;
}

// a UTF-16 half without its other half: not text in any encoding
const LONE_SURROGATE = /\p{Cs}/u;
// C0, DEL, C1, and the line and paragraph separators (they break log lines as LF does)
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;
// embeddings and overrides, isolates, LRM/RLM and the Arabic letter mark
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
// every other format character: zero-width space/joiners, word joiner, invisible operators, BOM, soft hyphen, tags
const INVISIBLE = /\p{Cf}/u;

/** The first way `value` breaks the text rule, or undefined when it keeps it. Length counts code points. */
export function textFault(value: string, options: TextRuleOptions): TextFault | undefined {
  if (value.includes('\ufffd') || LONE_SURROGATE.test(value)) return 'INVALID_UTF8';
  if (codePoints(value) > options.max) return 'TOO_LONG';
  if ((options.multiline ? CONTROL_MULTILINE : CONTROL).test(value)) return 'CONTROL_CHARACTER';
  if (BIDI.test(value)) return 'BIDI_CONTROL';
  if (INVISIBLE.test(value)) return 'INVISIBLE_CHARACTER';
  if (value.normalize('NFC') !== value) return 'NOT_NFC';
  return undefined;
}

/** What a caller is told for each fault (never the offending text: it may be personal data). */
export const TEXT_FAULT_DESCRIPTIONS: Readonly<Record<Exclude<TextFault, 'TOO_LONG'>, string>> = {
  INVALID_UTF8: 'not valid UTF-8 (or contains U+FFFD)',
  CONTROL_CHARACTER: 'contains a control character',
  BIDI_CONTROL: 'contains a bidirectional override, isolate or mark',
  INVISIBLE_CHARACTER: 'contains an invisible (format) character such as a zero-width space or a BOM',
  NOT_NFC: 'not in Unicode normalisation form C (NFC)',
};

/** Length in code points (what a person counts as characters), not UTF-16 units. */
export function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}
