import { isAppError } from '@onceonly/errors';
import { CHINA_WORKDAYS, type PlainDate, parsePlainDate } from '@onceonly/workdays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PENALTY_KINDS,
  type PenaltyKind,
  type PenaltyTerms,
  penaltyPublicity,
  publishBy,
  SAMR_LOW_FINE_AT_MOST_FEN,
} from './publicity.js';

const cal = CHINA_WORKDAYS;
const d = (s: string) => s as PlainDate;

function terms(more: Partial<PenaltyTerms> = {}): PenaltyTerms {
  return { kinds: ['fine'], regime: 'ndrc', sector: 'general', amountFen: 5_000_000, simpleProcedure: false, ...more };
}

describe('publication deadline', () => {
  it('is 7 working days after the decision, holidays and make-up days counted by the calendar', () => {
    // Mon 2026-02-09: 02-10…13 (4), Sat 02-14 worked (5), 02-15…23 Spring Festival, 02-24 (6), 02-25 (7)
    expect(publishBy(d('2026-02-09'), cal)).toBe('2026-02-25');
    // Fri 2026-03-06: the next week's five days and two more
    expect(publishBy(d('2026-03-06'), cal)).toBe('2026-03-17');
  });

  it('is refused, never guessed, in a year whose holiday notice is not loaded', () => {
    try {
      publishBy(d('2019-05-06'), cal);
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('CALENDAR_YEAR_NOT_LOADED');
    }
  });

  it('marks a record recorded after the deadline as late', () => {
    expect(penaltyPublicity(terms(), d('2026-03-02'), d('2026-03-11'), cal).late).toBe(false);
    expect(penaltyPublicity(terms(), d('2026-03-02'), d('2026-03-12'), cal).late).toBe(true);
  });
});

describe('under NDRC Order 58', () => {
  it('publishes a penalty from the decision date for at least 3 months and at most 3 years', () => {
    const p = penaltyPublicity(terms(), d('2026-03-02'), d('2026-03-04'), cal);
    expect(p).toMatchObject({
      published: true,
      publicFrom: '2026-03-04',
      repairFrom: '2026-06-02',
      publicUntil: '2029-03-01',
      rules: ['ndrc/general'],
      ruleSet: 'publicity/2026-3',
      repairExcluded: false,
    });
  });

  it('keeps special equipment, work safety and fire penalties at least a year', () => {
    for (const sector of ['special-equipment', 'work-safety', 'fire'] as const) {
      const p = penaltyPublicity(terms({ sector }), d('2026-03-02'), d('2026-03-04'), cal);
      expect(p).toMatchObject({ repairFrom: '2027-03-02', publicUntil: '2029-03-01', rules: ['ndrc/safety'] });
    }
  });

  it('does not publish a warning-only penalty', () => {
    const p = penaltyPublicity(terms({ kinds: ['warning'], amountFen: 0 }), d('2026-03-02'), d('2026-03-04'), cal);
    expect(p).toMatchObject({ published: false, notPublishedReason: 'warning-only' });
    expect(p.publicFrom).toBeUndefined();
    expect(p.repairFrom).toBeUndefined();
  });
});

describe('under SAMR', () => {
  const samr = (more: Partial<PenaltyTerms>) => terms({ regime: 'samr', ...more });

  it('stops a criticism or a low fine after 3 months from publication, with nothing to repair', () => {
    for (const t of [samr({ kinds: ['criticism'], amountFen: 0 }), samr({ amountFen: SAMR_LOW_FINE_AT_MOST_FEN })]) {
      const p = penaltyPublicity(t, d('2026-03-02'), d('2026-03-05'), cal);
      expect(p).toMatchObject({ published: true, publicUntil: '2026-06-04', rules: ['samr/light'] });
      expect(p.repairFrom).toBeUndefined();
    }
  });

  it('keeps other penalties 3 years, repairable after 6 months (food, drugs, special equipment: a year)', () => {
    const high = SAMR_LOW_FINE_AT_MOST_FEN + 1;
    const general = penaltyPublicity(samr({ amountFen: high }), d('2026-03-02'), d('2026-03-05'), cal);
    expect(general).toMatchObject({ repairFrom: '2026-09-05', publicUntil: '2029-03-04', rules: ['samr/general'] });
    for (const sector of ['food', 'drugs', 'special-equipment'] as const) {
      const p = penaltyPublicity(samr({ amountFen: high, sector }), d('2026-03-02'), d('2026-03-05'), cal);
      expect(p).toMatchObject({ repairFrom: '2027-03-05', rules: ['samr/food-drugs-equipment'] });
    }
  });

  it('excludes heavy sanctions from early repair', () => {
    const p = penaltyPublicity(
      samr({ kinds: ['suspension-ordered'], amountFen: 0 }),
      d('2026-03-02'),
      d('2026-03-05'),
      cal,
    );
    expect(p).toMatchObject({ published: true, repairExcluded: true, publicUntil: '2029-03-04' });
    expect(p.repairFrom).toBeUndefined();
  });

  it('does not publish a simple-procedure penalty', () => {
    const p = penaltyPublicity(samr({ simpleProcedure: true }), d('2026-03-02'), d('2026-03-05'), cal);
    expect(p).toMatchObject({ published: false, notPublishedReason: 'samr/simple-procedure' });
  });

  it('applies the longest rule when one decision combines kinds', () => {
    const combined = penaltyPublicity(
      samr({ kinds: ['criticism', 'fine'], amountFen: SAMR_LOW_FINE_AT_MOST_FEN * 3 }),
      d('2026-03-02'),
      d('2026-03-05'),
      cal,
    );
    expect(combined).toMatchObject({ publicUntil: '2029-03-04', repairFrom: '2026-09-05' });
    expect(combined.rules).toEqual(['samr/light', 'samr/general']);
    const withRevocation = penaltyPublicity(
      samr({ kinds: ['criticism', 'licence-revoked'], amountFen: 0 }),
      d('2026-03-02'),
      d('2026-03-05'),
      cal,
    );
    expect(withRevocation).toMatchObject({ repairExcluded: true, publicUntil: '2029-03-04' });
  });
});

describe('any penalty', () => {
  const day = fc
    .integer({ min: 0, max: 700 })
    .map((n) => parsePlainDate(new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 10)));
  const penalty = fc.record({
    kinds: fc.uniqueArray(fc.constantFrom(...PENALTY_KINDS), { minLength: 1, maxLength: 4 }),
    regime: fc.constantFrom('ndrc' as const, 'samr' as const),
    sector: fc.constantFrom(
      'general' as const,
      'special-equipment' as const,
      'work-safety' as const,
      'fire' as const,
      'food' as const,
      'drugs' as const,
    ),
    amountFen: fc.integer({ min: 0, max: 100_000_000 }),
    simpleProcedure: fc.boolean(),
  });

  it('is published for at least as long as each of its kinds alone, and no earlier repairable', () => {
    fc.assert(
      fc.property(penalty, day, fc.integer({ min: 0, max: 30 }), (t, decided, delay) => {
        const recordedOn = parsePlainDate(
          new Date(Date.parse(`${decided}T00:00:00Z`) + delay * 86_400_000).toISOString().slice(0, 10),
        );
        const p = penaltyPublicity(t, decided, recordedOn, cal);
        // a deadline past the loaded years is unset (ADR 029), and then the record is not late
        if (p.publishBy === undefined) expect(p.late).toBe(false);
        else expect(cal.workingDaysBetween(decided, p.publishBy)).toBe(7);
        if (!p.published) {
          expect(t.kinds.every((k) => k === 'warning') || (t.regime === 'samr' && t.simpleProcedure)).toBe(true);
          return;
        }
        expect(p.publicFrom).toBe(recordedOn);
        if (p.repairFrom) expect(p.repairFrom <= p.publicUntil!).toBe(true);
        if (p.repairExcluded) expect(p.repairFrom).toBeUndefined();
        for (const kind of t.kinds) {
          const alone: PenaltyKind[] = kind === 'warning' ? ['warning', 'criticism'] : [kind];
          const single = penaltyPublicity({ ...t, kinds: alone, simpleProcedure: false }, decided, recordedOn, cal);
          expect(p.publicUntil! >= single.publicUntil!).toBe(true);
          if (single.repairFrom && p.repairFrom) expect(p.repairFrom >= single.repairFrom).toBe(true);
          if (single.repairExcluded) expect(p.repairExcluded).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
