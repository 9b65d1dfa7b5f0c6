import { AppError, isAppError } from '@onceonly/errors';
import { isCalendarError, type PlainDate, type WorkCalendar } from '@onceonly/workdays';
import { addMonths, dayBefore } from './dates.js';

/**
 * Publicity windows (双公示) from rules kept as data: publication within 7 working days of the decision; per regime
 * (NDRC Order 58 for 信用中国, SAMR for market regulation) the minimum period after which repair may be applied for
 * and the maximum after which a record leaves the public feed by itself; warning-only penalties and SAMR's
 * simple-procedure penalties not published. A decision combining several penalty kinds takes the longest rule.
 * Sources: ../shared/design/DOMAIN.md, section "Credit". The SAMR "low fine" threshold is set by each province and
 * is configuration here (`lowFineAtMostFen`), not a national figure.
 */

export type PenaltyKind =
  | 'warning'
  | 'criticism'
  | 'fine'
  | 'confiscation'
  | 'licence-suspended'
  | 'qualification-lowered'
  | 'licence-revoked'
  | 'business-restricted'
  | 'suspension-ordered'
  | 'closure-ordered'
  | 'employment-restricted'
  | 'detention'
  | 'other';

export const PENALTY_KINDS: readonly PenaltyKind[] = [
  'warning',
  'criticism',
  'fine',
  'confiscation',
  'licence-suspended',
  'qualification-lowered',
  'licence-revoked',
  'business-restricted',
  'suspension-ordered',
  'closure-ordered',
  'employment-restricted',
  'detention',
  'other',
];

export type Regime = 'ndrc' | 'samr';
export type Sector = 'general' | 'special-equipment' | 'work-safety' | 'fire' | 'food' | 'drugs';

/** When repair may be applied for: after some months, never early (heavy sanctions), or not needed (short window). */
export type RepairAfter = { readonly months: number } | 'never' | 'not-needed';

/** What a rule applies to; every given condition must hold. */
export interface RuleMatch {
  readonly kinds?: readonly PenaltyKind[];
  readonly sectors?: readonly Sector[];
  /** A fine at most this amount (fen); other kinds than fines ignore it. */
  readonly fineAtMostFen?: number;
}

/** One window rule: the first whose match holds applies, per penalty kind of the decision. */
export interface WindowRule {
  readonly id: string;
  readonly match?: RuleMatch;
  /** The window runs from the decision date or from the day of publication. */
  readonly from: 'decision' | 'publication';
  readonly repairAfter: RepairAfter;
  readonly maxMonths: number;
  /** The publication deadline of this kind, when it is not the rule set's (`publishWithinWorkingDays`). */
  readonly publishWithinWorkingDays?: number;
}

/** A rule under which a penalty is not published at all. */
export interface UnpublishedRule {
  readonly id: string;
  readonly regime?: Regime;
  /** Every kind of the decision is one of these. */
  readonly onlyKinds?: readonly PenaltyKind[];
  readonly simpleProcedure?: boolean;
}

export type WindowedKind =
  | 'listing-entry'
  | 'listing-exit'
  | 'commendation'
  | 'licensing'
  | 'post-check'
  | 'inspection';

export interface PublicityRuleSet {
  readonly version: string;
  readonly publishWithinWorkingDays: number;
  readonly unpublished: readonly UnpublishedRule[];
  readonly penalty: Readonly<Record<Regime, readonly WindowRule[]>>;
  /** The window of each other kind; a kind a rule set has no rule for is not recorded under it. */
  readonly kinds: Readonly<Partial<Record<WindowedKind, WindowRule>>>;
}

/** SAMR's "low fine" (较低数额罚款) threshold: set by each province; configuration, replace with the local figure. */
export const SAMR_LOW_FINE_AT_MOST_FEN = 1_000_000;

/**
 * The rule set of 2026-2 (licensing decisions and broken commitments added to 2026-1), kept as data: a record keeps
 * the version it was computed under, and its window stays what that version gave.
 */
export const PUBLICITY_RULES_2026_2: PublicityRuleSet = Object.freeze({
  version: 'publicity/2026-2',
  publishWithinWorkingDays: 7,
  unpublished: [
    { id: 'warning-only', onlyKinds: ['warning'] },
    { id: 'samr/simple-procedure', regime: 'samr', simpleProcedure: true },
  ],
  penalty: {
    ndrc: [
      {
        id: 'ndrc/safety',
        match: { sectors: ['special-equipment', 'work-safety', 'fire'] },
        from: 'decision',
        repairAfter: { months: 12 },
        maxMonths: 36,
      },
      { id: 'ndrc/general', from: 'decision', repairAfter: { months: 3 }, maxMonths: 36 },
    ],
    samr: [
      {
        id: 'samr/light',
        match: { kinds: ['warning', 'criticism', 'fine'], fineAtMostFen: SAMR_LOW_FINE_AT_MOST_FEN },
        from: 'publication',
        repairAfter: 'not-needed',
        maxMonths: 3,
      },
      {
        id: 'samr/heavy',
        match: { kinds: ['suspension-ordered', 'licence-revoked', 'closure-ordered'] },
        from: 'publication',
        repairAfter: 'never',
        maxMonths: 36,
      },
      {
        id: 'samr/food-drugs-equipment',
        match: { sectors: ['food', 'drugs', 'special-equipment'] },
        from: 'publication',
        repairAfter: { months: 12 },
        maxMonths: 36,
      },
      { id: 'samr/general', from: 'publication', repairAfter: { months: 6 }, maxMonths: 36 },
    ],
  },
  kinds: {
    // 严重违法失信名单: moved off after 3 years; early exit (repair) after 1 year
    'listing-entry': { id: 'listing/entry', from: 'decision', repairAfter: { months: 12 }, maxMonths: 36 },
    'listing-exit': { id: 'listing/exit', from: 'decision', repairAfter: 'not-needed', maxMonths: 36 },
    commendation: { id: 'commendation', from: 'decision', repairAfter: 'not-needed', maxMonths: 36 },
    // 2026-2: licensing decisions (双公示, from the certificate service's events) and broken commitments (批后核查)
    licensing: { id: 'licensing', from: 'decision', repairAfter: 'not-needed', maxMonths: 36 },
    'post-check': { id: 'post-check/broken', from: 'decision', repairAfter: 'never', maxMonths: 36 },
  },
} satisfies PublicityRuleSet);

/**
 * The rule set in force: 2026-3 adds the results of 双随机 inspections (一公开), published on the credit platform
 * within 20 working days of the inspection (SAMR's 双随机、一公开 rules, a longer deadline than 双公示's 7), for 3
 * years like the other records (plausible, not sourced), with no repair (a result is a fact, not a sanction).
 */
export const PUBLICITY_RULES: PublicityRuleSet = Object.freeze({
  ...PUBLICITY_RULES_2026_2,
  version: 'publicity/2026-3',
  kinds: {
    ...PUBLICITY_RULES_2026_2.kinds,
    inspection: {
      id: 'inspection',
      from: 'decision',
      repairAfter: 'not-needed',
      maxMonths: 36,
      publishWithinWorkingDays: 20,
    },
  },
} satisfies PublicityRuleSet);

/** Every publicity rule set, by version (the records computed under each stay reproducible). */
export const PUBLICITY_RULE_SETS: ReadonlyMap<string, PublicityRuleSet> = new Map(
  [PUBLICITY_RULES_2026_2, PUBLICITY_RULES].map((r) => [r.version, r]),
);

/** What the window rules look at in a penalty. */
export interface PenaltyTerms {
  readonly kinds: readonly PenaltyKind[];
  readonly regime: Regime;
  readonly sector: Sector;
  readonly amountFen: number;
  readonly simpleProcedure: boolean;
}

/** A record's publicity, computed once when it is recorded. */
export interface Publicity {
  readonly published: boolean;
  readonly notPublishedReason?: string;
  /** The last day to publish: `publishWithinWorkingDays` working days after the decision. */
  readonly publishBy?: PlainDate;
  /**
   * Recorded after `publishBy`. When the deadline falls in a year whose holiday notice is not loaded yet (a decision
   * late in December), `publishBy` is absent: the deadline lies after the last loaded day, so a record recorded by
   * then is not late (ADR 029).
   */
  readonly late: boolean;
  readonly publicFrom?: PlainDate;
  /** First day repair may be applied for; absent when the record cannot be (or need not be) repaired. */
  readonly repairFrom?: PlainDate;
  /** Last day in the public feed. */
  readonly publicUntil?: PlainDate;
  /** The rules applied (one per penalty kind when they differ), e.g. `samr/general`. */
  readonly rules: readonly string[];
  readonly ruleSet: string;
  /** Early repair is excluded (a heavy sanction). */
  readonly repairExcluded: boolean;
}

function matches(rule: WindowRule, kind: PenaltyKind, terms: PenaltyTerms): boolean {
  const m = rule.match;
  if (!m) return true;
  if (m.kinds && !m.kinds.includes(kind)) return false;
  if (m.sectors && !m.sectors.includes(terms.sector)) return false;
  if (m.fineAtMostFen !== undefined && kind === 'fine' && terms.amountFen > m.fineAtMostFen) return false;
  return true;
}

/** The rule of each penalty kind of a decision (first match in the regime's list). */
export function penaltyRules(terms: PenaltyTerms, rules: PublicityRuleSet = PUBLICITY_RULES): WindowRule[] {
  return terms.kinds.map((kind) => {
    const rule = rules.penalty[terms.regime].find((r) => matches(r, kind, terms));
    if (!rule) throw new AppError('INTERNAL', `no ${terms.regime} publicity rule for ${kind} (${rules.version})`);
    return rule;
  });
}

/** Why a penalty is not published, or undefined when it is. */
export function unpublishedReason(terms: PenaltyTerms, rules: PublicityRuleSet = PUBLICITY_RULES): string | undefined {
  const hit = rules.unpublished.find(
    (u) =>
      (u.regime === undefined || u.regime === terms.regime) &&
      (u.onlyKinds === undefined || terms.kinds.every((k) => u.onlyKinds!.includes(k))) &&
      (u.simpleProcedure === undefined || u.simpleProcedure === terms.simpleProcedure),
  );
  return hit?.id;
}

/**
 * The last day to publish a decision of `decisionDate` (`days` working days after it: the rule set's deadline unless
 * the kind's rule has its own). @throws AppError CALENDAR_YEAR_NOT_LOADED.
 */
export function publishBy(
  decisionDate: PlainDate,
  calendar: WorkCalendar,
  rules = PUBLICITY_RULES,
  days = rules.publishWithinWorkingDays,
): PlainDate {
  try {
    return calendar.addWorkingDays(decisionDate, days);
  } catch (err) {
    if (isCalendarError(err)) throw new AppError(err.code, err.message, { cause: err });
    throw err;
  }
}

/**
 * The publication deadline and whether `recordedOn` is after it. A deadline in a year not loaded yet, of a decision in
 * a loaded year recorded by the last loaded day, is after `recordedOn` (not late) and left unset; anything else the
 * calendar cannot count is refused (CALENDAR_YEAR_NOT_LOADED).
 */
function deadline(
  decisionDate: PlainDate,
  recordedOn: PlainDate,
  calendar: WorkCalendar,
  rules: PublicityRuleSet,
  days?: number,
): Pick<Publicity, 'publishBy' | 'late'> {
  try {
    const by = publishBy(decisionDate, calendar, rules, days);
    return { publishBy: by, late: recordedOn > by };
  } catch (err) {
    // every year from the decision to the recording loaded: the missing year, hence the deadline, is after both
    const from = Number(decisionDate.slice(0, 4));
    const to = Number(recordedOn.slice(0, 4));
    const years = Array.from({ length: Math.max(0, to - from) + 1 }, (_, i) => from + i);
    const counted = to >= from && years.every((y) => calendar.years.includes(y));
    if (isAppError(err, 'CALENDAR_YEAR_NOT_LOADED') && counted) return { late: false };
    throw err;
  }
}

/**
 * The window of `windowRules` applied together (the longest rule wins): the latest end, the latest repair date;
 * early repair excluded when any rule excludes it; no repair when every rule says it is not needed.
 */
function combine(
  windowRules: readonly WindowRule[],
  decisionDate: PlainDate,
  publicFrom: PlainDate,
): Pick<Publicity, 'repairFrom' | 'publicUntil' | 'repairExcluded'> {
  let until: PlainDate | undefined;
  let repairFrom: PlainDate | undefined;
  let excluded = false;
  for (const rule of windowRules) {
    const start = rule.from === 'decision' ? decisionDate : publicFrom;
    const end = dayBefore(addMonths(start, rule.maxMonths));
    if (until === undefined || end > until) until = end;
    if (rule.repairAfter === 'never') excluded = true;
    else if (rule.repairAfter !== 'not-needed') {
      const from = addMonths(start, rule.repairAfter.months);
      if (repairFrom === undefined || from > repairFrom) repairFrom = from;
    }
  }
  return {
    ...(until ? { publicUntil: until } : {}),
    ...(repairFrom && !excluded ? { repairFrom } : {}),
    repairExcluded: excluded,
  };
}

/**
 * The publicity of a penalty decided on `decisionDate` and recorded on `recordedOn` (its first day in the feed
 * when published).
 */
export function penaltyPublicity(
  terms: PenaltyTerms,
  decisionDate: PlainDate,
  recordedOn: PlainDate,
  calendar: WorkCalendar,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): Publicity {
  const base = { ...deadline(decisionDate, recordedOn, calendar, rules), ruleSet: rules.version };
  const reason = unpublishedReason(terms, rules);
  if (reason !== undefined) {
    return { ...base, published: false, notPublishedReason: reason, rules: [reason], repairExcluded: false };
  }
  const windowRules = penaltyRules(terms, rules);
  return {
    ...base,
    published: true,
    publicFrom: recordedOn,
    rules: [...new Set(windowRules.map((r) => r.id))],
    ...combine(windowRules, decisionDate, recordedOn),
  };
}

/** The publicity of a record of another kind (one rule per kind). */
export function kindPublicity(
  kind: WindowedKind,
  decisionDate: PlainDate,
  recordedOn: PlainDate,
  calendar: WorkCalendar,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): Publicity {
  const rule = rules.kinds[kind];
  if (!rule) throw new AppError('INTERNAL', `no publicity rule for ${kind} (${rules.version})`);
  return {
    ...deadline(decisionDate, recordedOn, calendar, rules, rule.publishWithinWorkingDays),
    ruleSet: rules.version,
    published: true,
    publicFrom: recordedOn,
    rules: [rule.id],
    ...combine([rule], decisionDate, recordedOn),
  };
}

/** Whether a record with this publicity is in the public feed on `day` (before repair is considered). */
export function inWindow(p: Publicity, day: PlainDate): boolean {
  return (
    p.published &&
    p.publicFrom !== undefined &&
    p.publicFrom <= day &&
    (p.publicUntil === undefined || day <= p.publicUntil)
  );
}
