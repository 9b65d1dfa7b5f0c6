import { describe, expect, it } from 'vitest';
import { codePoints, textFault } from './text-rule.js';

const LINE = { max: 100 };
const PROSE = { max: 100, multiline: true };

describe('the text rule', () => {
  it.each([
    ['Chinese text', '上海普陀小笼包餐饮有限公司'],
    ['Latin with accents in NFC', 'Café Zoë'],
    ['an emoji with a variation selector', '☕️ shop'],
    ['punctuation and spaces', 'No. 12, Lane 3 (rear) – 2/F'],
  ])('accepts %s', (_case, value) => {
    expect(textFault(value, LINE)).toBeUndefined();
  });

  it.each([
    ['a NUL byte', 'a\u0000b', 'CONTROL_CHARACTER'],
    ['U+FFFD from invalid UTF-8', 'a\ufffdb', 'INVALID_UTF8'],
    ['a lone surrogate', 'a\ud800b', 'INVALID_UTF8'],
    ['a line feed in a one-line field', 'a\nb', 'CONTROL_CHARACTER'],
    ['a tab in a one-line field', 'a\tb', 'CONTROL_CHARACTER'],
    ['an ESC sequence', 'a\u001b[31mred', 'CONTROL_CHARACTER'],
    ['DEL', 'a\u007fb', 'CONTROL_CHARACTER'],
    ['a C1 control', 'a\u0085b', 'CONTROL_CHARACTER'],
    ['a line separator', 'a\u2028b', 'CONTROL_CHARACTER'],
    ['a right-to-left override', 'abc\u202egpj.exe', 'BIDI_CONTROL'],
    ['a left-to-right isolate', 'a\u2066b', 'BIDI_CONTROL'],
    ['a right-to-left mark', 'a\u200fb', 'BIDI_CONTROL'],
    ['an Arabic letter mark', 'a\u061cb', 'BIDI_CONTROL'],
    ['a zero-width space', 'a\u200bb', 'INVISIBLE_CHARACTER'],
    ['a zero-width joiner', 'a\u200db', 'INVISIBLE_CHARACTER'],
    ['a word joiner', 'a\u2060b', 'INVISIBLE_CHARACTER'],
    ['an invisible plus', 'a\u2064b', 'INVISIBLE_CHARACTER'],
    ['a BOM', '\ufeffabc', 'INVISIBLE_CHARACTER'],
    ['a soft hyphen', 'a\u00adb', 'INVISIBLE_CHARACTER'],
    ['a decomposed é (not NFC)', 'Cafe\u0301', 'NOT_NFC'],
    ['101 code points', '章'.repeat(101), 'TOO_LONG'],
  ])('refuses %s', (_case, value, fault) => {
    expect(textFault(value, LINE)).toBe(fault);
  });

  it('lets multi-line prose keep line feeds and tabs, but not a carriage return or NUL', () => {
    expect(textFault('first line\n\tsecond line', PROSE)).toBeUndefined();
    expect(textFault('a\r\nb', PROSE)).toBe('CONTROL_CHARACTER');
    expect(textFault('a\u0000b', PROSE)).toBe('CONTROL_CHARACTER');
  });

  it('counts code points, not UTF-16 units', () => {
    expect(codePoints('𠀀𠀁')).toBe(2);
    expect(textFault('𠀀'.repeat(100), LINE)).toBeUndefined();
  });
});
