import type { PlainDate } from '@onceonly/workdays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listingCommand, penaltyCommand, recorded } from '../../test/records.js';
import { addMonths } from './dates.js';
import { GRADE_RULES, gradeChanged, gradeOf } from './grades.js';
import { PENALTY_KINDS, type PenaltyKind } from './publicity.js';
import type { CreditRecord } from './records.js';

const today = '2026-06-01' as PlainDate;
const heavyFine = (decisionDate: string) => recorded(penaltyCommand({ amountFen: 5_000_000, decisionDate }), today);
const lowFine = (decisionDate: string) => recorded(penaltyCommand({ amountFen: 50_000, decisionDate }), today);

describe('grades from the rule set', () => {
  it('gives A, with its reason in words, to a subject without a negative record in 3 years', () => {
    const grade = gradeOf([], today);
    expect(grade).toEqual({
      grade: 'A',
      ruleSet: GRADE_RULES.version,
      asOf: today,
      reasons: [
        { ruleId: 'no-negative-36m', zh: '3年内无失信记录', en: 'no negative record within 3 years', recordIds: [] },
      ],
    });
    expect(gradeOf([heavyFine('2023-05-31')], today).grade).toBe('A');
  });

  it('gives B to one penalty within 3 years, and says when it may change', () => {
    const fine = heavyFine('2026-03-02');
    const grade = gradeOf([fine], today);
    expect(grade.grade).toBe('B');
    expect(grade.reasons.map((r) => r.ruleId)).toEqual(['general']);
    // the fine leaves the 12-month window of the C rule first
    expect(grade.reviewOn).toBe('2027-03-02');
  });

  it('gives C to two non-minor penalties within 12 months, naming them', () => {
    const a = heavyFine('2025-07-01');
    const b = heavyFine('2026-05-20');
    const grade = gradeOf([a, b], today);
    expect(grade.grade).toBe('C');
    expect(grade.reasons).toEqual([
      {
        ruleId: 'non-minor-penalties-12m',
        zh: '12个月内受到2次非轻微行政处罚',
        en: '2 penalties other than minor ones within 12 months',
        recordIds: [a.id, b.id],
      },
    ]);
    expect(grade.reviewOn).toBe('2026-07-01');
    expect(gradeOf([a, b], '2026-07-01' as PlainDate).grade).toBe('B');
  });

  it('does not count minor penalties or repaired ones towards C', () => {
    expect(gradeOf([lowFine('2026-01-05'), lowFine('2026-02-05')], today).grade).toBe('B');
    const repaired: CreditRecord = { ...heavyFine('2026-01-05'), status: 'repaired' };
    expect(gradeOf([repaired, heavyFine('2026-02-05')], today).grade).toBe('B');
  });

  it('gives D while the subject is on the serious-dishonesty list, whatever else holds', () => {
    const entry = recorded(listingCommand('2026-03-02'), today);
    const grade = gradeOf([entry, heavyFine('2026-01-05'), heavyFine('2026-02-05')], today);
    expect(grade.grade).toBe('D');
    expect(grade.reasons).toEqual([expect.objectContaining({ ruleId: 'listed', recordIds: [entry.id] })]);
    const exit = recorded(listingCommand('2026-05-01', entry.id), today, [entry]);
    expect(gradeOf([entry, exit], today).grade).toBe('B');
  });

  it('tells a change of letter or rules from a recomputation that says the same', () => {
    const before = gradeOf([], today);
    expect(gradeChanged(undefined, before)).toBe(true);
    expect(gradeChanged(before, gradeOf([], '2026-06-02' as PlainDate))).toBe(false);
    expect(gradeChanged(before, gradeOf([heavyFine('2026-03-02')], today))).toBe(true);
  });
});

describe('any history', () => {
  const RANK = { A: 0, B: 1, C: 2, D: 3 } as const;
  const penalty = fc.record({
    kinds: fc.uniqueArray(fc.constantFrom(...PENALTY_KINDS), { minLength: 1, maxLength: 3 }),
    // the calendar holds 2023–2026: decisions from 2023-02 on
    daysAgo: fc.integer({ min: 0, max: 1200 }),
    amountFen: fc.integer({ min: 1, max: 5_000_000 }),
    repaired: fc.boolean(),
  });
  const history = fc.record({
    penalties: fc.array(penalty, { maxLength: 6 }),
    listedDaysAgo: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: undefined }),
  });
  const dateAgo = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

  function build(h: {
    penalties: { kinds: PenaltyKind[]; daysAgo: number; amountFen: number; repaired: boolean }[];
    listedDaysAgo?: number | undefined;
  }): CreditRecord[] {
    const records: CreditRecord[] = h.penalties.map((p) => {
      const money = p.kinds.includes('fine') || p.kinds.includes('confiscation');
      const r = recorded(
        penaltyCommand({ kinds: p.kinds, amountFen: money ? p.amountFen : 0, decisionDate: dateAgo(p.daysAgo) }),
        dateAgo(p.daysAgo),
      );
      return p.repaired ? { ...r, status: 'repaired' } : r;
    });
    if (h.listedDaysAgo !== undefined) {
      records.push(recorded(listingCommand(dateAgo(h.listedDaysAgo)), dateAgo(h.listedDaysAgo)));
    }
    return records;
  }

  it('always gives reasons, gives D exactly when listed, and never improves with one more penalty', () => {
    fc.assert(
      fc.property(history, penalty, (h, extra) => {
        const records = build(h);
        const before = gradeOf(records, today);
        expect(before.reasons.length).toBeGreaterThan(0);
        const listed = h.listedDaysAgo !== undefined && addMonths(dateAgo(h.listedDaysAgo), 36) > today;
        expect(before.grade === 'D').toBe(listed);
        const after = gradeOf(
          [...records, ...build({ penalties: [{ ...extra, daysAgo: 0, repaired: false }] })],
          today,
        );
        expect(RANK[after.grade]).toBeGreaterThanOrEqual(RANK[before.grade]);
        if (before.reviewOn) expect(before.reviewOn > today).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
