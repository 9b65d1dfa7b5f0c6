import { describe, expect, it } from 'vitest';
import { TODAY } from '../test/arbitraries.js';
import {
  HOLDER_CODE_TYPES,
  isHolderCodeType,
  maskHolderCode,
  parseHolderCode,
  validateCitizenId,
  validateHolderCode,
  validateUscc,
} from './index.js';

const USCC = '91310105BBH0R5H7ML';
const CITIZEN_ID = '310107194001228156';
const options = { today: TODAY };

describe('validateHolderCode', () => {
  it('validates type 001 as a credit code and type 111 as a citizen ID', () => {
    expect(validateHolderCode(USCC.toLowerCase(), '001')).toEqual({ ok: true, value: USCC });
    expect(validateHolderCode(CITIZEN_ID, '111', options)).toEqual({ ok: true, value: CITIZEN_ID });
  });

  it('returns the same failure as the rules of the declared type', () => {
    expect(validateHolderCode('91310105BBH0R5H7MJ', '001')).toEqual(validateUscc('91310105BBH0R5H7MJ'));
    expect(validateHolderCode('310107194001228152', '111', options)).toEqual(
      validateCitizenId('310107194001228152', options),
    );
  });

  it('does not accept a valid code of the other type', () => {
    // All digits are in the credit code alphabet: only the check character tells this one apart. About 1 in 31
    // citizen IDs would pass as a credit code, which is why the type is required rather than guessed.
    expect(validateHolderCode(CITIZEN_ID, '001')).toMatchObject({ ok: false, reason: 'CHECK_CHARACTER' });
    expect(validateHolderCode(USCC, '111', options)).toMatchObject({ ok: false, reason: 'ALPHABET' });
  });

  it.each(['', '1', '01', '002', '110', 'USCC'])('rejects the type %j', (type) => {
    expect(validateHolderCode(USCC, type)).toMatchObject({ ok: false, reason: 'HOLDER_CODE_TYPE' });
  });

  it('tolerates spaces around the type', () => {
    expect(validateHolderCode(USCC, ' 001 ').ok).toBe(true);
  });
});

describe('parseHolderCode', () => {
  it('returns the code or throws an IdError whose kind says what was wrong', () => {
    expect(parseHolderCode(CITIZEN_ID, '111', options)).toBe(CITIZEN_ID);
    expect(() => parseHolderCode(USCC, '999')).toThrow(
      expect.objectContaining({ kind: 'holder-code-type', reason: 'HOLDER_CODE_TYPE' }),
    );
    expect(() => parseHolderCode('91310105BBH0R5H7MJ', '001')).toThrow(
      expect.objectContaining({ kind: 'uscc', reason: 'CHECK_CHARACTER' }),
    );
    expect(() => parseHolderCode('310107194013228153', '111', options)).toThrow(
      expect.objectContaining({ kind: 'citizen-id', reason: 'BIRTH_DATE' }),
    );
  });
});

describe('maskHolderCode', () => {
  it('masks citizen IDs and leaves credit codes', () => {
    expect(maskHolderCode(CITIZEN_ID, '111')).toBe('310107********8156');
    expect(maskHolderCode(USCC, '001')).toBe(USCC);
  });

  it('treats an unknown type as personal data', () => {
    expect(maskHolderCode(CITIZEN_ID, '999')).toBe('310107********8156');
    expect(maskHolderCode('12345', '')).toBe('*****');
  });
});

describe('HOLDER_CODE_TYPES', () => {
  it('are 001 and 111', () => {
    expect(HOLDER_CODE_TYPES).toEqual(['001', '111']);
    expect(isHolderCodeType('111')).toBe(true);
    expect(isHolderCodeType(111)).toBe(false);
  });
});
