import { createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGITS, replaceAt, swapAt, TODAY, validCitizenId } from '../test/arbitraries.js';
import { readVectors, vectorFile } from '../test/read-vectors.js';
import {
  type CitizenId,
  computeCitizenIdCheck,
  hashCitizenId,
  type IdReason,
  maskCitizenId,
  parseCitizenId,
  validateCitizenId,
} from './index.js';

// libs/ids/test/vectors: copied from the design folder's data/ (an independent implementation); see their first line.
const vectors = readVectors(vectorFile('citizen-id-vectors.csv'));

/** The reason each kind of damaged vector must be rejected for; rows with other notes are only checked invalid. */
const REASON_BY_CASE: Record<string, IdReason> = {
  'bad check digit': 'CHECK_CHARACTER',
  // These rows carry a correct check digit: only the calendar check rejects them.
  'month 13': 'BIRTH_DATE',
  '17 characters': 'LENGTH',
};

const KEY = 'a-test-key-of-32-bytes-length!!!';
const validate = (input: string) => validateCitizenId(input, { today: TODAY });

describe('the shared citizen ID vectors', () => {
  it('are all read', () => {
    expect(vectors.length).toBe(120);
  });

  it.each(vectors)('$input is $expected $case', ({ input, expected, case: note }) => {
    const result = validate(input);
    expect(result.ok).toBe(expected === 'valid');
    const reason = REASON_BY_CASE[note];
    if (!result.ok && reason !== undefined) expect(result.reason).toBe(reason);
  });

  it.each(vectors.filter((v) => v.expected === 'valid'))('$input is valid with the system clock', ({ input }) => {
    expect(validateCitizenId(input).ok).toBe(true);
  });
});

describe('validateCitizenId', () => {
  it('reads division, birth date, sequence and sex', () => {
    expect(validate('310107194001228156')).toEqual({
      ok: true,
      value: { id: '310107194001228156', division: '310107', birthDate: '1940-01-22', sequence: '815', sex: 'male' },
    });
    expect(validate('110105200203254481')).toMatchObject({ ok: true, value: { sequence: '448', sex: 'female' } });
  });

  it('normalises a lower-case x, spaces and full-width digits', () => {
    expect(validate(' 11010519921025891x ')).toMatchObject({ ok: true, value: { id: '11010519921025891X' } });
    expect(validate('１１０１０５１９９２１０２５８９１ｘ')).toMatchObject({
      ok: true,
      value: { id: '11010519921025891X' },
    });
  });

  it.each([
    ['', 'EMPTY'],
    ['310107400122815', 'LENGTH'], // a first-generation 15-digit number
    ['3101071940012281567', 'LENGTH'],
    ['31010719400122815X'.replace('1940', '19A0'), 'ALPHABET'],
    ['X10107194001228156', 'ALPHABET'],
    ['000000194001228156', 'DIVISION'],
    ['990107194001228156', 'DIVISION'],
  ] as const)('rejects %j with %s', (input, reason) => {
    expect(validate(input)).toMatchObject({ ok: false, reason });
  });

  describe('the birth date', () => {
    const withBirth = (yyyymmdd: string) => {
      const body = `310107${yyyymmdd}815`;
      return body + computeCitizenIdCheck(body);
    };

    it('accepts 29 February in a leap year, also 2000, and rejects it otherwise, also 1900', () => {
      expect(validate(withBirth('20000229')).ok).toBe(true);
      expect(validate(withBirth('19960229')).ok).toBe(true);
      expect(validate(withBirth('19000229'))).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
      expect(validate(withBirth('20230229'))).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
    });

    it.each(['19400001', '19400100', '19400132', '19400431', '19401301'])('rejects %s', (date) => {
      expect(validate(withBirth(date))).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
    });

    it('accepts holders born before 1900 but not before 1800', () => {
      expect(validate(withBirth('18860625')).ok).toBe(true);
      expect(validate(withBirth('18000101')).ok).toBe(true);
      expect(validate(withBirth('17991231'))).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
      expect(validate(withBirth('09840101'))).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
    });

    it('accepts a birth today and rejects tomorrow, by the calendar in Shanghai', () => {
      // 2025-05-31T16:30Z is already 1 June in Shanghai.
      const today = new Date('2025-05-31T16:30:00Z');
      expect(validateCitizenId(withBirth('20250601'), { today }).ok).toBe(true);
      expect(validateCitizenId(withBirth('20250602'), { today })).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
      const dayBefore = new Date('2025-05-31T15:59:59Z');
      expect(validateCitizenId(withBirth('20250601'), { today: dayBefore })).toMatchObject({ reason: 'BIRTH_DATE' });
    });

    it('refuses an invalid today', () => {
      expect(() => validateCitizenId(withBirth('20000229'), { today: new Date('x') })).toThrow(RangeError);
    });
  });

  it('never repeats a digit of the number in a message', () => {
    const arb = fc.tuple(validCitizenId, fc.nat({ max: 17 }), fc.constantFrom(...DIGITS));
    fc.assert(
      fc.property(arb, ([id, at, digit]) => {
        const result = validate(replaceAt(id, at, digit));
        // The only digits a message may hold are those of the earliest accepted birth date.
        if (!result.ok) expect(result.message.replace('1800-01-01', '')).not.toMatch(/\d/);
      }),
    );
  });
});

describe('parseCitizenId', () => {
  it('returns the details or throws an IdError of kind citizen-id', () => {
    expect(parseCitizenId('310101195811152989', { today: TODAY }).sex).toBe('female');
    expect(() => parseCitizenId('310101195811152980', { today: TODAY })).toThrow(
      expect.objectContaining({ name: 'IdError', kind: 'citizen-id', reason: 'CHECK_CHARACTER' }),
    );
  });
});

describe('computeCitizenIdCheck', () => {
  it('computes X for 10', () => {
    expect(computeCitizenIdCheck('11010519921025891')).toBe('X');
  });

  it.each([
    ['1101051992102589', 'LENGTH'],
    ['1101051992102589X', 'ALPHABET'],
  ] as const)('rejects %s with %s', (input, reason) => {
    expect(() => computeCitizenIdCheck(input)).toThrow(expect.objectContaining({ kind: 'citizen-id', reason }));
  });
});

describe('maskCitizenId', () => {
  it('keeps the division and the last 4 characters', () => {
    expect(maskCitizenId('310107194001228156')).toBe('310107********8156');
    expect(maskCitizenId('11010519921025891x')).toBe('110105********891X');
  });

  it('masks anything that is not 18 characters entirely', () => {
    expect(maskCitizenId('310107400122815')).toBe('*'.repeat(15));
    expect(maskCitizenId('')).toBe('');
  });

  it('lets no digit of the birth date or the first sequence digit survive', () => {
    fc.assert(
      fc.property(validCitizenId, (id) => {
        const masked = maskCitizenId(id);
        expect(masked).toHaveLength(18);
        expect(masked.slice(6, 14)).toBe('********');
        expect(masked).not.toContain(id.slice(6, 14));
        expect(masked.slice(0, 6) + masked.slice(14)).toBe(id.slice(0, 6) + id.slice(14));
      }),
    );
  });
});

describe('hashCitizenId', () => {
  const id = '310107194001228156' as CitizenId;

  it('is 64 hex characters that do not contain the number', () => {
    const hash = hashCitizenId(id, KEY);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(id);
  });

  it('gives the same hash for the same key, also from bytes or a KeyObject', () => {
    expect(hashCitizenId(id, KEY)).toBe(hashCitizenId(id, KEY));
    expect(hashCitizenId(id, Buffer.from(KEY))).toBe(hashCitizenId(id, KEY));
    expect(hashCitizenId(id, createSecretKey(Buffer.from(KEY)))).toBe(hashCitizenId(id, KEY));
  });

  it('gives a different hash for a different key', () => {
    expect(hashCitizenId(id, `${KEY}.`)).not.toBe(hashCitizenId(id, KEY));
  });

  it('gives different hashes for different numbers and one hash for x and X', () => {
    expect(hashCitizenId('310101195811152989' as CitizenId, KEY)).not.toBe(hashCitizenId(id, KEY));
    const upper = hashCitizenId('11010519921025891X' as CitizenId, KEY);
    expect(hashCitizenId('11010519921025891x' as CitizenId, KEY)).toBe(upper);
  });

  it('is HMAC-SHA256 of the number under the key', () => {
    expect(hashCitizenId(id, KEY)).toBe(createHmac('sha256', KEY).update(id).digest('hex'));
  });

  it('refuses a key shorter than 16 bytes', () => {
    expect(() => hashCitizenId(id, 'short')).toThrow(RangeError);
    expect(() => hashCitizenId(id, new Uint8Array(15))).toThrow(RangeError);
  });
});

// GB 11643 is ISO 7064 MOD 11-2: weights 2^(18-i) mod 11, check weight 1 (X = 10), valid when the weighted sum
// ≡ 1 (mod 11). 11 is prime and no weight is 0, so a single changed digit always changes the sum. Swapping
// neighbours a, b at positions i, i+1 changes it by (a - b)(w(i) - w(i+1)) = (a - b)·w(i+1) since w(i) = 2·w(i+1)
// (mod 11), also for the pair (17, check) whose weights are 2 and 1; |a - b| ≤ 10 so that is never 0 mod 11.
// Every single substitution and every adjacent transposition is detected, check position included.
describe('the check digit (properties)', () => {
  const alphabetAt = (at: number) => (at === 17 ? `${DIGITS}X` : DIGITS);

  it('accepts every number with a real date, a real province and a computed check', () => {
    fc.assert(
      fc.property(validCitizenId, (id) => {
        expect(validate(id)).toMatchObject({ ok: true, value: { id } });
      }),
    );
  });

  it('detects any single changed character', () => {
    const arb = fc
      .tuple(validCitizenId, fc.nat({ max: 17 }))
      .chain(([id, at]) => fc.tuple(fc.constant(id), fc.constant(at), fc.constantFrom(...alphabetAt(at))));
    fc.assert(
      fc.property(arb, ([id, at, ch]) => {
        fc.pre(id.charAt(at) !== ch);
        const changed = replaceAt(id, at, ch);
        expect(computeCitizenIdCheck(changed.slice(0, 17))).not.toBe(changed.charAt(17));
        expect(validate(changed).ok).toBe(false);
      }),
    );
  });

  it('detects any swap of two different neighbours', () => {
    fc.assert(
      fc.property(fc.tuple(validCitizenId, fc.nat({ max: 16 })), ([id, at]) => {
        fc.pre(id.charAt(at) !== id.charAt(at + 1));
        const swapped = swapAt(id, at);
        expect(validate(swapped).ok).toBe(false);
        // An X moved into position 17 is caught by the alphabet; any other swap by the check digit itself.
        if (!swapped.slice(0, 17).includes('X')) {
          expect(computeCitizenIdCheck(swapped.slice(0, 17))).not.toBe(swapped.charAt(17));
        }
      }),
    );
  });
});
