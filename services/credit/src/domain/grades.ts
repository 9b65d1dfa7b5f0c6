import { addCalendarDays, type PlainDate } from '@onceonly/workdays';
import { addMonths } from './dates.js';
import type { PenaltyKind } from './publicity.js';
import { type CreditRecord, type InspectionOutcome, openListings, type RecordKind } from './records.js';

/**
 * Credit grades A/B/C/D (credit risk low / general / higher / high, as SAMR classifies enterprises) from a rule set
 * kept as data and versioned. The rules are tried from the worst grade to the best; the first grade with a rule
 * that holds is the grade, and every rule of that grade that holds is a reason, in words, with the records it
 * counted; when none holds, B. A grade also says the first day it may change without a new record (`reviewOn`: a
 * counted record leaving a rule's window), for the sweep that recomputes grades as time passes.
 */

export type GradeLetter = 'A' | 'B' | 'C' | 'D';

/** Which records a rule counts. */
export interface RecordFilter {
  readonly kinds: readonly RecordKind[];
  /** Penalties only when not minor (see {@link GradeRuleSet.minorPenalty}). */
  readonly nonMinorPenalty?: boolean;
  /** Repaired records count too (a repaired record no longer makes a grade worse, but it is history). */
  readonly includeRepaired: boolean;
  /** Inspection results only with one of these outcomes (other kinds are not filtered by it). */
  readonly outcomes?: readonly InspectionOutcome[];
}

export type GradeCondition =
  /** An open entry on the serious-dishonesty list. */
  | { readonly type: 'listed' }
  /** At least `count` records of the filter decided within the last `withinMonths` months. */
  | { readonly type: 'at-least'; readonly count: number; readonly of: RecordFilter; readonly withinMonths: number }
  /** No record of the filter decided within the last `withinMonths` months. */
  | { readonly type: 'none'; readonly of: RecordFilter; readonly withinMonths: number };

export interface GradeRule {
  readonly id: string;
  readonly grade: Exclude<GradeLetter, 'B'>;
  readonly when: GradeCondition;
  /** The reason in words; `{n}` is replaced by the number of records counted. */
  readonly words: { readonly zh: string; readonly en: string };
}

export interface GradeRuleSet {
  readonly version: string;
  /** A penalty is minor when every kind is one of `kinds` and a fine is at most `fineAtMostFen`. */
  readonly minorPenalty: { readonly kinds: readonly PenaltyKind[]; readonly fineAtMostFen: number };
  /** In order of precedence: D before C before A. */
  readonly rules: readonly GradeRule[];
  readonly otherwise: { readonly id: string; readonly words: { readonly zh: string; readonly en: string } };
}

/** Negative records of 2026-2: penalties, list entries, broken commitments, inspection results (none existed). */
const NEGATIVE_2026_2: readonly RecordKind[] = ['penalty', 'listing-entry', 'post-check', 'inspection'];

/**
 * The rule set of 2026-2 (a broken commitment added to 2026-1), kept as data so that a grade computed under it is
 * recomputed by the replay exactly as it was. Examples from the issue; the thresholds are configuration.
 */
export const GRADE_RULES_2026_2: GradeRuleSet = Object.freeze({
  version: 'grades/2026-2',
  minorPenalty: { kinds: ['warning', 'criticism', 'fine'], fineAtMostFen: 1_000_000 },
  rules: [
    {
      id: 'listed',
      grade: 'D',
      when: { type: 'listed' },
      words: { zh: '被列入严重违法失信名单', en: 'on the serious-dishonesty list' },
    },
    {
      id: 'non-minor-penalties-12m',
      grade: 'C',
      when: {
        type: 'at-least',
        count: 2,
        of: { kinds: ['penalty'], nonMinorPenalty: true, includeRepaired: false },
        withinMonths: 12,
      },
      words: {
        zh: '12个月内受到{n}次非轻微行政处罚',
        en: '{n} penalties other than minor ones within 12 months',
      },
    },
    {
      // 2026-2: 告知承诺 (Fengxian 2025 plan §一.4): a commitment found broken by its post-approval check
      id: 'broken-commitment-12m',
      grade: 'C',
      when: {
        type: 'at-least',
        count: 1,
        of: { kinds: ['post-check'], includeRepaired: false },
        withinMonths: 12,
      },
      words: {
        zh: '12个月内{n}次违反告知承诺',
        en: '{n} broken commitment(s) within 12 months',
      },
    },
    {
      id: 'no-negative-36m',
      grade: 'A',
      when: { type: 'none', of: { kinds: NEGATIVE_2026_2, includeRepaired: true }, withinMonths: 36 },
      words: { zh: '3年内无失信记录', en: 'no negative record within 3 years' },
    },
  ],
  otherwise: {
    id: 'general',
    words: { zh: '不符合A、C、D类规则，为一般信用风险', en: 'no rule of A, C or D applies' },
  },
} satisfies GradeRuleSet);

/** The outcomes of an inspection that are negative: a problem found, a case opened, the entity not found. */
const ADVERSE_OUTCOMES: readonly InspectionOutcome[] = ['ordered-to-correct', 'case-opened', 'not-located'];

/**
 * The rule set in force, 2026-3: the results of 双随机 inspections (一公开) join the grades. An inspection that found
 * nothing wrong is not negative (2026-2 would have counted every inspection result against A); one that found a
 * problem, opened a case or did not find the entity at its registered address is; and an entity not found at its
 * address (查无下落, the ground for the abnormal-operation list) within 12 months is C.
 */
export const GRADE_RULES: GradeRuleSet = Object.freeze({
  ...GRADE_RULES_2026_2,
  version: 'grades/2026-3',
  rules: [
    ...GRADE_RULES_2026_2.rules.filter((r) => r.grade !== 'A'),
    {
      id: 'not-located-12m',
      grade: 'C',
      when: {
        type: 'at-least',
        count: 1,
        of: { kinds: ['inspection'], outcomes: ['not-located'], includeRepaired: false },
        withinMonths: 12,
      },
      words: {
        zh: '12个月内{n}次双随机抽查在登记的住所查无下落',
        en: '{n} inspection(s) within 12 months that did not find the entity at its registered address',
      },
    },
    {
      id: 'no-negative-36m',
      grade: 'A',
      when: {
        type: 'none',
        of: {
          kinds: ['penalty', 'listing-entry', 'post-check', 'inspection'],
          outcomes: ADVERSE_OUTCOMES,
          includeRepaired: true,
        },
        withinMonths: 36,
      },
      words: { zh: '3年内无失信记录', en: 'no negative record within 3 years' },
    },
  ],
} satisfies GradeRuleSet);

/** Every grade rule set, by version: a grade names its version, and the replay recomputes it under that one. */
export const GRADE_RULE_SETS: ReadonlyMap<string, GradeRuleSet> = new Map(
  [GRADE_RULES_2026_2, GRADE_RULES].map((r) => [r.version, r]),
);

export interface GradeReason {
  readonly ruleId: string;
  readonly zh: string;
  readonly en: string;
  readonly recordIds: readonly string[];
}

export interface Grade {
  readonly grade: GradeLetter;
  readonly ruleSet: string;
  readonly reasons: readonly GradeReason[];
  readonly asOf: PlainDate;
  readonly reviewOn?: PlainDate;
}

/** Whether a penalty record is minor under the rule set. */
export function isMinorPenalty(record: CreditRecord, rules: GradeRuleSet = GRADE_RULES): boolean {
  if (record.body.kind !== 'penalty') return false;
  const { kinds, amountFen } = record.body;
  return (
    kinds.every((k) => rules.minorPenalty.kinds.includes(k)) &&
    (!kinds.includes('fine') || amountFen <= rules.minorPenalty.fineAtMostFen)
  );
}

function counted(record: CreditRecord, filter: RecordFilter, rules: GradeRuleSet): boolean {
  if (!filter.kinds.includes(record.kind)) return false;
  if (!filter.includeRepaired && record.status === 'repaired') return false;
  if (filter.nonMinorPenalty && isMinorPenalty(record, rules)) return false;
  if (filter.outcomes && record.body.kind === 'inspection' && !filter.outcomes.includes(record.body.outcome)) {
    return false;
  }
  return true;
}

/** Records of the filter decided in the `months` months up to `today` (a record decided today counts). */
function within(
  records: readonly CreditRecord[],
  filter: RecordFilter,
  months: number,
  today: PlainDate,
  rules: GradeRuleSet,
) {
  const since = addMonths(today, -months);
  return records.filter((r) => r.decisionDate > since && r.decisionDate <= today && counted(r, filter, rules));
}

function holds(
  rule: GradeRule,
  records: readonly CreditRecord[],
  today: PlainDate,
  rules: GradeRuleSet,
): CreditRecord[] | undefined {
  const when = rule.when;
  switch (when.type) {
    case 'listed': {
      const open = openListings(records, today);
      return open.length > 0 ? open : undefined;
    }
    case 'at-least': {
      const hits = within(records, when.of, when.withinMonths, today, rules);
      return hits.length >= when.count ? hits : undefined;
    }
    case 'none':
      return within(records, when.of, when.withinMonths, today, rules).length === 0 ? [] : undefined;
  }
}

/** The first day after `today` on which a counted record leaves a rule's window or a list entry lapses. */
function reviewOn(records: readonly CreditRecord[], today: PlainDate, rules: GradeRuleSet): PlainDate | undefined {
  const days: PlainDate[] = [];
  for (const rule of rules.rules) {
    const when = rule.when;
    if (when.type === 'listed') {
      for (const r of openListings(records, today)) {
        // an entry lapses the day after its last day
        if (r.publicity.publicUntil) days.push(addCalendarDays(r.publicity.publicUntil, 1));
      }
      continue;
    }
    for (const r of records) {
      // a record leaves a window on the day `withinMonths` months after its decision
      if (counted(r, when.of, rules) && r.decisionDate <= today)
        days.push(addMonths(r.decisionDate, when.withinMonths));
    }
  }
  return days.filter((d) => d > today).sort()[0];
}

function words(template: string, n: number): string {
  return template.replaceAll('{n}', String(n));
}

/** The grade of a subject whose records are `records`, on `today`. */
export function gradeOf(records: readonly CreditRecord[], today: PlainDate, rules: GradeRuleSet = GRADE_RULES): Grade {
  const review = reviewOn(records, today, rules);
  const base = { ruleSet: rules.version, asOf: today, ...(review ? { reviewOn: review } : {}) };
  for (const letter of ['D', 'C', 'A'] as const) {
    const reasons: GradeReason[] = [];
    for (const rule of rules.rules.filter((r) => r.grade === letter)) {
      const hits = holds(rule, records, today, rules);
      if (hits === undefined) continue;
      reasons.push({
        ruleId: rule.id,
        zh: words(rule.words.zh, hits.length),
        en: words(rule.words.en, hits.length),
        recordIds: hits.map((r) => r.id),
      });
    }
    if (reasons.length > 0) return { grade: letter, reasons, ...base };
  }
  const reason = { ruleId: rules.otherwise.id, ...rules.otherwise.words, recordIds: [] };
  return { grade: 'B', reasons: [reason], ...base };
}

/** Whether a new grade differs from the stored one in what it says (letter or rules), not just its date. */
export function gradeChanged(before: Grade | undefined, after: Grade): boolean {
  if (before === undefined) return true;
  const rulesOf = (g: Grade) => g.reasons.map((r) => r.ruleId).join(',');
  return before.grade !== after.grade || before.ruleSet !== after.ruleSet || rulesOf(before) !== rulesOf(after);
}
