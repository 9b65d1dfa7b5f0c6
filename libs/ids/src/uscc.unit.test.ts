import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replaceAt, stringOf, swapAt, USCC_ALPHABET, validUscc } from '../test/arbitraries.js';
import { readVectors, vectorFile } from '../test/read-vectors.js';
import {
  computeUsccCheck,
  type IdReason,
  isIdError,
  isUscc,
  maskUscc,
  normaliseUscc,
  parseUscc,
  type Uscc,
  usccParts,
  validateUscc,
} from './index.js';

// libs/ids/test/vectors: copied from the design folder's data/ (an independent implementation); see their first line.
const vectors = readVectors(vectorFile('uscc-vectors.csv'));

/** The reason each kind of damaged vector must be rejected for; rows with other notes are only checked invalid. */
const REASON_BY_CASE: Record<string, IdReason> = {
  'bad check character': 'CHECK_CHARACTER',
  'one character changed': 'CHECK_CHARACTER',
  'adjacent characters swapped': 'CHECK_CHARACTER',
  'letter outside the code alphabet': 'ALPHABET',
  '17 characters': 'LENGTH',
  '19 characters': 'LENGTH',
};

describe('the shared USCC vectors', () => {
  it('are all read', () => {
    expect(vectors.length).toBe(279);
  });

  it.each(vectors)('$input is $expected $case', ({ input, expected, case: note }) => {
    const result = validateUscc(input);
    expect(result.ok).toBe(expected === 'valid');
    const reason = REASON_BY_CASE[note];
    if (!result.ok && reason !== undefined) expect(result.reason).toBe(reason);
  });
});

describe('computeUsccCheck', () => {
  it('gives 0 when the weighted sum divides by 31 (the final mod)', () => {
    // 52310107TDYP14T8M0 is a vector whose sum is a multiple of 31; without the outer mod the index would be 31.
    expect(computeUsccCheck('52310107TDYP14T8M')).toBe('0');
  });

  it('matches the credit code inside a published licence type code', () => {
    expect(computeUsccCheck('11100000000013338')).toBe('W');
  });

  it('normalises its input', () => {
    expect(computeUsccCheck('91310105bbh0r5h7m')).toBe('L');
  });

  it.each([
    ['9131010', 'LENGTH'],
    ['91310105BBH0R5H7ML', 'LENGTH'],
    ['91310105BBH0R5H7I', 'ALPHABET'],
  ] as const)('rejects %s with %s', (input, reason) => {
    expect(() => computeUsccCheck(input)).toThrow(expect.objectContaining({ kind: 'uscc', reason }));
  });
});

describe('validateUscc', () => {
  it('accepts a national body registered under division 100000', () => {
    expect(validateUscc('11100000000013338W')).toEqual({ ok: true, value: '11100000000013338W' });
  });

  it('trims, upper-cases and turns full-width characters into half-width ones', () => {
    expect(validateUscc('  91310105bbh0r5h7ml\t')).toMatchObject({ ok: true, value: '91310105BBH0R5H7ML' });
    expect(validateUscc('　９１３１０１０５ＢＢＨ０Ｒ５Ｈ７ＭＬ　')).toMatchObject({
      ok: true,
      value: '91310105BBH0R5H7ML',
    });
  });

  it.each([
    ['', 'EMPTY'],
    ['   ', 'EMPTY'],
    ['9131 0105BBH0R5H7ML', 'LENGTH'],
    ['9131-0105BBH0R5H7M', 'ALPHABET'],
    ['91310105BBH0R5H7MLX'.repeat(20), 'LENGTH'],
    ['9131A105BBH0R5H7ML', 'DIVISION'],
    ['91310105BBH0R5H7MJ', 'CHECK_CHARACTER'],
  ] as const)('rejects %j with %s', (input, reason) => {
    expect(validateUscc(input)).toMatchObject({ ok: false, reason });
  });

  it('rejects a non-string from an untyped caller as EMPTY', () => {
    expect(validateUscc(undefined as unknown as string)).toMatchObject({ ok: false, reason: 'EMPTY' });
  });

  it('names the expected check character in the message', () => {
    const result = validateUscc('91310105BBH0R5H7MJ');
    expect(result.ok ? '' : result.message).toContain('L');
  });
});

describe('parseUscc', () => {
  it('returns the normalised code', () => {
    expect(parseUscc('91310105bbh0r5h7ml')).toBe('91310105BBH0R5H7ML');
    expect(isUscc('91310105BBH0R5H7ML')).toBe(true);
  });

  it('throws an IdError with kind and reason', () => {
    expect(() => parseUscc('91310105BBH0R5H7MJ')).toThrow(
      expect.objectContaining({ name: 'IdError', kind: 'uscc', reason: 'CHECK_CHARACTER' }),
    );
    const thrown = (() => {
      try {
        parseUscc('913');
      } catch (err) {
        return err;
      }
    })();
    expect(isIdError(thrown)).toBe(true);
    expect(isIdError(thrown, 'LENGTH')).toBe(true);
    expect(isIdError(thrown, 'ALPHABET')).toBe(false);
    expect(isIdError(new Error('LENGTH'))).toBe(false);
  });
});

describe('usccParts', () => {
  it('splits a code by position', () => {
    expect(usccParts('91310105BBH0R5H7ML' as Uscc)).toEqual({
      registrationAuthority: '9',
      category: '1',
      division: '310105',
      organisationCode: 'BBH0R5H7M',
      check: 'L',
    });
  });
});

describe('maskUscc', () => {
  it('keeps the first 8 and the last 2 characters', () => {
    expect(maskUscc('91310105BBH0R5H7ML')).toBe('91310105********ML');
  });

  it('masks anything that is not 18 characters entirely', () => {
    expect(maskUscc('91310105BBH0R5H7M')).toBe('*'.repeat(17));
  });

  it('leaves nothing of positions 9-16', () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        const masked = maskUscc(code);
        expect(masked.slice(8, 16)).toBe('********');
        expect(masked.slice(0, 8) + masked.slice(16)).toBe(code.slice(0, 8) + code.slice(16));
      }),
    );
  });
});

// GB 32100 weights are 3^(i-1) mod 31 for positions 1-17, and the check character has weight 1: a code is valid
// when Σ value × weight ≡ 0 (mod 31). 31 is prime and no weight is 0 mod 31, so changing one character always
// changes the sum. Swapping neighbours a, b at positions i, i+1 changes it by (a - b)(w(i) - w(i+1)); for
// i < 17 that is -2·w(i)·(a - b), and for the pair (17, check) it is (28 - 1)(a - b): never 0 mod 31 when a ≠ b.
// So every single substitution and every adjacent transposition is detected, check position included.
describe('the check character (properties)', () => {
  it('accepts every code with a computed check character', () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        expect(validateUscc(code)).toEqual({ ok: true, value: code });
      }),
    );
  });

  it('detects any single changed character', () => {
    const arb = fc.tuple(validUscc, fc.nat({ max: 17 }), fc.constantFrom(...USCC_ALPHABET));
    fc.assert(
      fc.property(arb, ([code, at, ch]) => {
        fc.pre(code.charAt(at) !== ch);
        const changed = replaceAt(code, at, ch);
        expect(computeUsccCheck(changed.slice(0, 17))).not.toBe(changed.charAt(17));
        expect(validateUscc(changed).ok).toBe(false);
      }),
    );
  });

  it('detects any swap of two different neighbours', () => {
    fc.assert(
      fc.property(fc.tuple(validUscc, fc.nat({ max: 16 })), ([code, at]) => {
        fc.pre(code.charAt(at) !== code.charAt(at + 1));
        const swapped = swapAt(code, at);
        expect(computeUsccCheck(swapped.slice(0, 17))).not.toBe(swapped.charAt(17));
        expect(validateUscc(swapped).ok).toBe(false);
      }),
    );
  });

  it('reports DIVISION, not ALPHABET, for a letter of the alphabet in positions 3-8', () => {
    fc.assert(
      fc.property(validUscc, fc.nat({ max: 5 }), stringOf('ABCDEFGHJKLMNPQRTUWXY', 1), (code, at, letter) => {
        expect(validateUscc(replaceAt(code, 2 + at, letter))).toMatchObject({ ok: false, reason: 'DIVISION' });
      }),
    );
  });

  it('normalises idempotently', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(normaliseUscc(normaliseUscc(s))).toBe(normaliseUscc(s));
      }),
    );
  });
});
