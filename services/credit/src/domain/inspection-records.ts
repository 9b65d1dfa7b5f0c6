import type { PlainDate, WorkCalendar } from '@onceonly/workdays';
import { kindPublicity, PUBLICITY_RULES, type PublicityRuleSet } from './publicity.js';
import type { CreditRecord, InspectionBody, InspectionOutcome } from './records.js';

/**
 * 一公开: the result of a 双随机 inspection becomes a credit record of kind `inspection` on the inspected entity, owned
 * by the inspector's department, decided on the day of the inspection, with its publicity window from the rules
 * (rule `inspection`: published within 20 working days, 3 years in the feed, no repair) and a place in the grades
 * where the grade rule set says so (grades/2026-3: an adverse outcome is negative; not located → C).
 */

/** A recorded inspection result, as the inspection use case checked it. */
export interface InspectionResultTerms {
  readonly taskId: string;
  readonly taskTitle: string;
  readonly creditCode: string;
  readonly inspectorId: string;
  readonly outcome: InspectionOutcome;
  readonly findings: string;
  /** YYYY-MM-DD, not after `recordedOn`. */
  readonly inspectedOn: PlainDate;
  /** The inspector's department, which recorded it. */
  readonly recordedBy: string;
}

/** The decision number of a result: one per drawn entity of a task (unique per owner and kind). */
export const inspectionDecisionNumber = (taskId: string, creditCode: string) => `inspection/${taskId}/${creditCode}`;

/**
 * The `inspection` record of a result, with id `recordId`, recorded on `recordedOn`; the party's name is the one the
 * subject's records give, else its credit code (a task's pool names entities by code only).
 */
export function inspectionRecord(
  result: InspectionResultTerms,
  recordId: string,
  partyName: string,
  recordedOn: PlainDate,
  calendar: WorkCalendar,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): CreditRecord {
  const body: InspectionBody = {
    kind: 'inspection',
    decisionNumber: inspectionDecisionNumber(result.taskId, result.creditCode),
    taskId: result.taskId,
    taskTitle: result.taskTitle,
    inspectorId: result.inspectorId,
    outcome: result.outcome,
    findings: result.findings,
  };
  return {
    id: recordId,
    kind: 'inspection',
    subject: { kind: 'organisation', key: result.creditCode },
    partyName: partyName || result.creditCode,
    owner: result.recordedBy,
    decisionDate: result.inspectedOn,
    recordedOn,
    body,
    publicity: kindPublicity('inspection', result.inspectedOn, recordedOn, calendar, rules),
    status: 'active',
    version: 1,
  };
}
