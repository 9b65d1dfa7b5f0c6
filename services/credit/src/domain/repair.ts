import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import type { PlainDate } from '@onceonly/workdays';
import type { Regime } from './publicity.js';
import {
  type Actor,
  type CreditRecord,
  MAX_TEXT,
  openListings,
  type RecordTransition,
  type RepairCondition,
} from './records.js';

/**
 * Credit repair (信用修复) as pure transitions. An application is possible from the record's `repairFrom` (its
 * minimum publicity period) while it is still public, for the kinds and sanctions the rules allow (heavy sanctions
 * under SAMR never early); the applicant declares the conditions of the record's regime, and the service refuses
 * what it can see is false (an open entry on the serious-dishonesty list, a later penalty of the same owner). The
 * department that owns the record decides; a granted repair takes the record out of the public feed, and
 * departments still see it, marked repaired. Every step is an event.
 */

export interface RepairRuleSet {
  readonly version: string;
  /** The conditions an applicant must declare, by the regime of the record. */
  readonly conditions: Readonly<Record<Regime, readonly RepairCondition[]>>;
  /** The kinds that can be repaired at all. */
  readonly kinds: readonly CreditRecord['kind'][];
}

export const REPAIR_RULES: RepairRuleSet = Object.freeze({
  version: 'repair/2026-1',
  conditions: {
    // NDRC Order 58: obligations fulfilled, a credit commitment signed (and the harm removed)
    ndrc: ['obligations-fulfilled', 'harm-removed', 'commitment-signed'],
    // SAMR: obligations fulfilled, harm removed, not repeated, on neither the abnormal-operation nor the list
    samr: ['obligations-fulfilled', 'harm-removed', 'not-repeated', 'not-listed'],
  },
  kinds: ['penalty', 'listing-entry'],
} satisfies RepairRuleSet);

/** The regime a record's repair follows: its penalty's, or SAMR's for the list (a market-regulation list). */
export function regimeOf(record: CreditRecord): Regime {
  return record.body.kind === 'penalty' ? record.body.regime : 'samr';
}

export interface RepairApplication {
  readonly actor: Actor;
  readonly expectedVersion: number;
  readonly conditions: readonly RepairCondition[];
  readonly statement: string;
}

function guardVersion(record: CreditRecord, expectedVersion: number): void {
  if (record.version !== expectedVersion) {
    throw new AppError(
      'CREDIT_VERSION_CONFLICT',
      `record ${record.id} is at version ${record.version}, not ${expectedVersion}: read it again`,
    );
  }
}

/** An application for repair of `record`; `subjectRecords` are every record of its subject (for the checks). */
export function applyForRepair(
  record: CreditRecord,
  c: RepairApplication,
  subjectRecords: readonly CreditRecord[],
  today: PlainDate,
  rules: RepairRuleSet = REPAIR_RULES,
): RecordTransition {
  const mayApply = c.actor.role === 'portal' || (c.actor.role === 'department' && c.actor.code === record.owner);
  if (!mayApply) {
    throw new AppError('CREDIT_NOT_OWNER', 'the portal, or the department that owns the record, files repair');
  }
  guardVersion(record, c.expectedVersion);
  if (record.status !== 'active') {
    throw new AppError('CREDIT_ILLEGAL_TRANSITION', `record ${record.id} is ${record.status}`);
  }
  const p = record.publicity;
  if (!rules.kinds.includes(record.kind) || !p.published || p.repairExcluded || p.repairFrom === undefined) {
    const why = p.repairExcluded ? 'heavy sanctions are excluded from early repair' : 'nothing to repair';
    throw new AppError('CREDIT_NOT_REPAIRABLE', `record ${record.id} cannot be repaired: ${why}`);
  }
  if (p.publicUntil !== undefined && today > p.publicUntil) {
    throw new AppError('CREDIT_NOT_REPAIRABLE', `record ${record.id} left the public feed on ${p.publicUntil}`);
  }
  if (today < p.repairFrom) {
    throw new AppError('CREDIT_REPAIR_TOO_EARLY', `repair of ${record.id} may be applied for from ${p.repairFrom}`, {
      details: { meta: { repairFrom: p.repairFrom } },
    });
  }
  const violations: FieldViolation[] = [];
  const statement = c.statement.trim();
  if (statement === '') violations.push({ field: 'statement', reason: 'REQUIRED', description: 'required' });
  else if ([...statement].length > MAX_TEXT) {
    violations.push({ field: 'statement', reason: 'TOO_LONG', description: `at most ${MAX_TEXT} characters` });
  }
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
  const declared = new Set(c.conditions);
  const missing = rules.conditions[regimeOf(record)].filter((k) => !declared.has(k));
  const seen: string[] = [];
  if (declared.has('not-listed') && openListings(subjectRecords, today).some((r) => r.id !== record.id)) {
    seen.push('not-listed: the subject is on the serious-dishonesty list');
  }
  if (declared.has('not-repeated') && repeated(record, subjectRecords)) {
    seen.push('not-repeated: a later penalty of the same department is recorded');
  }
  if (missing.length > 0 || seen.length > 0) {
    const fields = [
      ...missing.map((m) => ({ field: 'conditions', reason: 'NOT_DECLARED', description: m })),
      ...seen.map((s) => ({ field: 'conditions', reason: 'CONTRADICTED', description: s })),
    ];
    throw invalid('CREDIT_REPAIR_CONDITIONS_UNMET', fields);
  }
  return {
    record: {
      ...record,
      status: 'repair-pending',
      version: record.version + 1,
      repair: { appliedOn: today, applicant: c.actor.code, conditions: [...declared].sort(), statement },
    },
    fact: { type: 'repair-applied' },
  };
}

/** A later penalty by the same owner (SAMR: "the violation not repeated"). */
function repeated(record: CreditRecord, subjectRecords: readonly CreditRecord[]): boolean {
  return subjectRecords.some(
    (r) =>
      r.id !== record.id && r.kind === 'penalty' && r.owner === record.owner && r.decisionDate > record.decisionDate,
  );
}

export interface RepairDecision {
  readonly actor: Actor;
  readonly expectedVersion: number;
  readonly granted: boolean;
  readonly reasons: string;
}

/** The owner's decision on a pending application. */
export function decideRepair(record: CreditRecord, c: RepairDecision, today: PlainDate): RecordTransition {
  if (c.actor.role !== 'department' || c.actor.code !== record.owner) {
    throw new AppError('CREDIT_NOT_OWNER', `only ${record.owner}, which owns record ${record.id}, decides its repair`);
  }
  guardVersion(record, c.expectedVersion);
  if (record.status !== 'repair-pending' || record.repair === undefined) {
    throw new AppError('CREDIT_ILLEGAL_TRANSITION', `record ${record.id} has no pending repair application`);
  }
  const reasons = c.reasons.trim();
  if (reasons === '')
    throw invalid('INVALID_ARGUMENT', [{ field: 'reasons', reason: 'REQUIRED', description: 'required' }]);
  if ([...reasons].length > MAX_TEXT) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'reasons', reason: 'TOO_LONG', description: `at most ${MAX_TEXT}` }]);
  }
  return {
    record: {
      ...record,
      status: c.granted ? 'repaired' : 'active',
      version: record.version + 1,
      repair: { ...record.repair, decision: { decidedOn: today, granted: c.granted, reasons } },
    },
    fact: { type: 'repair-decided', granted: c.granted },
  };
}
