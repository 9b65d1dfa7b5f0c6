import { describe, expect, it } from 'vitest';
import { computeCitizenIdCheck } from './citizen-id.js';
import { containsCitizenId } from './citizen-id-in-text.js';

const ID = `11010119900307451${computeCitizenIdCheck('11010119900307451')}`;
const WRONG_CHECK = `${ID.slice(0, 17)}${ID.endsWith('0') ? '1' : '0'}`;
// 11010119900307 + a sequence whose check character is X
const X_ID = ((): string => {
  for (let seq = 100; seq < 1000; seq++) {
    const body = `11010119900307${seq}`;
    if (computeCitizenIdCheck(body) === 'X') return `${body}X`;
  }
  throw new Error('no sequence with check character X');
})();
const FULL_WIDTH = [...ID].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');

describe('containsCitizenId', () => {
  it.each([
    ['alone', ID],
    ['inside Chinese text', `申请人身份证${ID}号，经营者`],
    ['after a label', `ID: ${ID}.`],
    ['with a lower-case x check character', X_ID.toLowerCase()],
    ['in full-width digits', `证件号${FULL_WIDTH}`],
  ])('finds a citizen ID %s', (_case, text) => {
    expect(containsCitizenId(text)).toBe(true);
  });

  it.each([
    ['an empty text', ''],
    ['a number with a wrong check character', WRONG_CHECK],
    ['an ID inside a longer run of digits', `9${ID}9`],
    ['a 17-digit number', ID.slice(0, 17)],
    ['a licence number', 'JY13101070001234'],
    ['a credit code', '91310107MA1H2B3C4X'],
    ['a plain reason', '经营场所变更，依法注销'],
  ])('finds nothing in %s', (_case, text) => {
    expect(containsCitizenId(text)).toBe(false);
  });
});
