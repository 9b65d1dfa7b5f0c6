import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGITS, MOD3736_ALPHABET, replaceAt, stringOf, swapAt, validUscc } from '../test/arbitraries.js';
import {
  formatLicenceId,
  type IdReason,
  LICENCE_ID_PREFIX,
  mod3736Check,
  mod3736Valid,
  parseLicenceId,
  validateLicenceId,
} from './index.js';

const value = (ch: string) => MOD3736_ALPHABET.indexOf(ch);

/**
 * The worked example. Body = type code + issuer code + number + version, joined without dots:
 *   11100000000013338W032 113101077DRH391JC5 2025000001 001 (52 characters).
 * MOD 37,36 from c = 36; per character: c = (c + value) mod 36, 0 → 36; c = 2c mod 37. Running c after each:
 *   1:2 1:6 1:14 0:28 0:19 0:1 0:2 0:4 0:8 0:16 0:32 0:27 1:19
 *   3:7 3:20 3:9 8:34 W:23 0:9 3:24 2:15 1:32 1:29 3:27 1:19 0:1
 *   1:4 0:8 7:30 7:2 D:30 R:5 H:7 3:20 9:21 1:7 J:15 C:17 5:7
 *   2:18 0:36 2:4 5:18 0:36 0:35 0:33 0:29 0:21 1:7 0:14 0:28 1:21
 * (e.g. W = 32: (34 + 32) mod 36 = 30, 2·30 mod 37 = 23). Final c = 21; check = alphabet[(37 - 21) mod 36] = [16] = G.
 */
const EXAMPLE = {
  typeCode: '11100000000013338W032',
  issuerCode: '113101077DRH391JC5',
  number: '2025000001',
  version: '001',
} as const;
const EXAMPLE_ID = '1.2.156.3005.2.11100000000013338W032.113101077DRH391JC5.2025000001.001.G';

/** Identifiers published in national-platform integration documents and code, with their own check characters. */
const PUBLISHED = [
  '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S',
  '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U',
  '1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0',
  '1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3',
];

const validInput = fc.record({
  typeCode: fc.tuple(validUscc, stringOf(DIGITS, 3)).map(([code, sequence]) => code + sequence),
  issuerCode: validUscc,
  number: stringOf(MOD3736_ALPHABET, 1, 64),
  version: stringOf(DIGITS, 3),
});

describe('formatLicenceId and parseLicenceId', () => {
  it('compute the worked example', () => {
    expect(formatLicenceId(EXAMPLE)).toBe(EXAMPLE_ID);
    expect(mod3736Check('11100000000013338W032113101077DRH391JC52025000001001')).toBe('G');
  });

  it('round-trip the worked example', () => {
    expect(parseLicenceId(EXAMPLE_ID)).toEqual({
      id: EXAMPLE_ID,
      ...EXAMPLE,
      typeAuthority: '11100000000013338W',
      typeSequence: '032',
      check: 'G',
    });
  });

  it.each(PUBLISHED)('accept the published identifier %s', (id) => {
    expect(validateLicenceId(id)).toMatchObject({ ok: true, value: { id } });
  });

  it('round-trip any valid parts', () => {
    fc.assert(
      fc.property(validInput, (input) => {
        const id = formatLicenceId(input);
        expect(id.startsWith(LICENCE_ID_PREFIX)).toBe(true);
        expect(parseLicenceId(id)).toMatchObject(input);
        expect(parseLicenceId(id).id).toBe(id);
      }),
    );
  });

  it('normalise lower case and full-width characters, and pad a numeric version', () => {
    const lower = { ...EXAMPLE, issuerCode: '113101077drh391jc5', version: 1 };
    expect(formatLicenceId(lower)).toBe(EXAMPLE_ID);
    expect(parseLicenceId(` ${EXAMPLE_ID.toLowerCase().replaceAll('.', '．')} `).id).toBe(EXAMPLE_ID);
  });

  it.each([
    [{ typeCode: '11100000000013338W03' }, 'TYPE_CODE'],
    [{ typeCode: '11100000000013338X032' }, 'TYPE_CODE'],
    [{ typeCode: '11100000000013338WA32' }, 'TYPE_CODE'],
    [{ issuerCode: '113101077DRH391JC4' }, 'ISSUER_CODE'],
    [{ issuerCode: '113101077DRH391JC' }, 'ISSUER_CODE'],
    [{ number: '' }, 'LICENCE_NUMBER'],
    [{ number: 'JY-2025' }, 'LICENCE_NUMBER'],
    [{ number: 'A'.repeat(65) }, 'LICENCE_NUMBER'],
    [{ version: '01' }, 'VERSION'],
    [{ version: 1000 }, 'VERSION'],
    [{ version: 1.5 }, 'VERSION'],
  ] as const)('formatLicenceId rejects %j with %s', (change, reason) => {
    expect(() => formatLicenceId({ ...EXAMPLE, ...change })).toThrow(
      expect.objectContaining({ name: 'IdError', kind: 'licence-id', reason }),
    );
  });
});

describe('validateLicenceId', () => {
  const segments = EXAMPLE_ID.slice(LICENCE_ID_PREFIX.length).split('.');
  const withSegment = (at: number, text: string) =>
    LICENCE_ID_PREFIX + segments.map((s, i) => (i === at ? text : s)).join('.');

  it.each([
    ['', 'EMPTY'],
    ['x'.repeat(300), 'LENGTH'],
    [EXAMPLE_ID.replace('1.2.156.3005.2.', '1.2.156.3005.1.'), 'PREFIX'],
    [`${EXAMPLE_ID}.1`, 'SEGMENTS'],
    [EXAMPLE_ID.replace('.001.G', '.G'), 'SEGMENTS'],
    [withSegment(0, '11100000000013338W03 '), 'TYPE_CODE'],
    [withSegment(1, ' 113101077DRH391JC5'), 'ISSUER_CODE'],
    [withSegment(2, '2025 000001'), 'LICENCE_NUMBER'],
    [withSegment(3, '1'), 'VERSION'],
    [withSegment(4, 'H'), 'CHECK_CHARACTER'],
    [withSegment(4, 'GG'), 'CHECK_CHARACTER'],
    [withSegment(4, ''), 'CHECK_CHARACTER'],
    // Published in an interface document as an example, with a check character that does not match (it should be D).
    [
      '1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M',
      'CHECK_CHARACTER',
    ],
  ] as [string, IdReason][])('rejects %j with %s', (input, reason) => {
    expect(validateLicenceId(input)).toMatchObject({ ok: false, reason });
    expect(() => parseLicenceId(input)).toThrow(expect.objectContaining({ kind: 'licence-id', reason }));
  });

  it('detects any single changed character of any segment', () => {
    const arb = fc.tuple(validInput, fc.nat(), fc.constantFrom(...MOD3736_ALPHABET));
    fc.assert(
      fc.property(arb, ([input, n, ch]) => {
        const id = formatLicenceId(input);
        const positions = [...id].flatMap((c, i) => (i >= LICENCE_ID_PREFIX.length && c !== '.' ? [i] : []));
        const at = positions[n % positions.length]!;
        fc.pre(id.charAt(at) !== ch);
        expect(validateLicenceId(replaceAt(id, at, ch)).ok).toBe(false);
      }),
    );
  });
});

// MOD 37,36 is an ISO 7064 hybrid system. Each step c ↦ 2·((c + v) mod* 36) mod 37 is a bijection in v for a fixed
// c and in c for a fixed v, so a single changed character leaves a different running value to the end: every single
// substitution is detected, check position included.
//
// Adjacent transpositions are NOT all detected. Write p = (c + a) mod* 36 (1..36) for the value before doubling.
// Swapping neighbours a, b at running value c goes undetected exactly when the two orders reach the same value,
// i.e. 2p mod 37 - 2q mod 37 ≡ a - b (mod 36) with q = (c + b) mod* 36. When p and q are both ≤ 18 or both > 18
// the left side is 2(a - b), equal to a - b only for a = b. Otherwise one doubling wraps past 37 and the left side
// is 2(a - b) ± 1, which equals a - b exactly when b ≡ a + 1 (mod 36) and p = 18 (or the mirror). So: a swap of
// the values x and x + 1 (mod 36, including Z↔0) goes undetected exactly when (c + x) ≡ 18 (mod 36), which is one
// unordered pair out of 630 for each running value. Moving the check character k one place left (swapping it with
// the last body character a) goes undetected only for c = 18 and {a, k} = {0, 1}.
//
// Hence the properties below: every swap of neighbours whose values do not differ by exactly 1 (mod 36) is
// detected, and the exhaustive tests pin down the exceptions exactly.
describe('mod3736Check and mod3736Valid', () => {
  const body = stringOf(MOD3736_ALPHABET, 0, 80);
  const withCheck = body.map((s) => s + mod3736Check(s));
  /** The running value c after `prefix`, recovered from its check character: (c + check) ≡ 1 (mod 36). */
  const runningValue = (prefix: string) => (37 - value(mod3736Check(prefix))) % 36 || 36;
  /** True when b's value is a's plus 1 (mod 36): a is the "x" of the pair x, x + 1. */
  const successor = (a: string, b: string) => (value(b) - value(a) + 36) % 36 === 1;
  const differByOne = (a: string, b: string) => successor(a, b) || successor(b, a);

  it('accepts every string with its computed check character', () => {
    fc.assert(
      fc.property(withCheck, (s) => {
        expect(mod3736Valid(s)).toBe(true);
      }),
    );
  });

  it('reads lower case as upper case and rejects other characters', () => {
    expect(mod3736Check('11100000000013338w032113101077drh391jc52025000001001')).toBe('G');
    expect(mod3736Valid('abcg')).toBe(mod3736Valid('ABCG'));
    expect(() => mod3736Check('AB-C')).toThrow(expect.objectContaining({ reason: 'ALPHABET' }));
    expect(mod3736Valid('AB-C')).toBe(false);
    expect(mod3736Valid('')).toBe(false);
  });

  it('detects any single changed character', () => {
    fc.assert(
      fc.property(withCheck, fc.nat(), fc.constantFrom(...MOD3736_ALPHABET), (s, n, ch) => {
        const at = n % s.length;
        fc.pre(s.charAt(at) !== ch);
        expect(mod3736Valid(replaceAt(s, at, ch))).toBe(false);
      }),
    );
  });

  it('detects any swap of neighbours whose values do not differ by exactly 1 (mod 36)', () => {
    fc.assert(
      fc.property(stringOf(MOD3736_ALPHABET, 2, 80), fc.nat(), (b, n) => {
        const s = b + mod3736Check(b);
        const at = n % (s.length - 1);
        fc.pre(s.charAt(at) !== s.charAt(at + 1) && !differByOne(s.charAt(at), s.charAt(at + 1)));
        expect(mod3736Valid(swapAt(s, at))).toBe(false);
      }),
    );
  });

  it('misses a swap of x and x + 1 in the body exactly when (running value + x) ≡ 18 (mod 36)', () => {
    // One-character prefixes reach all 36 running values, so this covers every case.
    const misses: string[] = [];
    for (const prefix of MOD3736_ALPHABET) {
      const c = runningValue(prefix);
      for (const a of MOD3736_ALPHABET) {
        for (const b of MOD3736_ALPHABET) {
          if (a === b) continue;
          const detected = mod3736Check(prefix + a + b) !== mod3736Check(prefix + b + a);
          const x = successor(a, b) ? a : successor(b, a) ? b : undefined;
          const missed = x !== undefined && (c + value(x)) % 36 === 18;
          expect(detected, `${prefix}|${a}${b}`).toBe(!missed);
          if (!detected) misses.push(prefix + a + b);
        }
      }
    }
    expect(new Set(MOD3736_ALPHABET.split('').map(runningValue)).size).toBe(36);
    expect(misses).toHaveLength(72); // one unordered pair per running value, in both orders
  });

  it('misses a swap of the check character with its left neighbour only for 0 and 1 at running value 18', () => {
    const misses: [number, string, string][] = [];
    for (const prefix of MOD3736_ALPHABET) {
      for (const a of MOD3736_ALPHABET) {
        const k = mod3736Check(prefix + a);
        if (k !== a && mod3736Valid(prefix + k + a)) misses.push([runningValue(prefix), a, k]);
      }
    }
    expect(misses.sort()).toEqual([
      [18, '0', '1'],
      [18, '1', '0'],
    ]);
  });
});
