import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { isPlainDate, type PlainDate, type WorkCalendar } from '@onceonly/workdays';
import {
  inWindow,
  kindPublicity,
  type PenaltyKind,
  PUBLICITY_RULES,
  type Publicity,
  type PublicityRuleSet,
  penaltyPublicity,
  type Regime,
  type Sector,
} from './publicity.js';

/**
 * Credit records (信用记录) and their recording as a pure transition `(command, the subject's records, today,
 * calendar) → { record, fact }`. Checks run in one order: the actor's role, the authority (a department records in
 * its own name only: CREDIT_NOT_OWNER), the fields (INVALID_ARGUMENT naming each), then the subject's records
 * (CREDIT_RECORD_EXISTS, CREDIT_ALREADY_LISTED, CREDIT_LISTING_NOT_FOUND).
 */

/** Every kind the service knows; this slice records penalties, list entries and exits, and commendations. */
export type RecordKind =
  | 'licensing'
  | 'penalty'
  | 'commitment'
  | 'post-check'
  | 'inspection'
  | 'listing-entry'
  | 'listing-exit'
  | 'commendation';

/** Who a record is about: an organisation by credit code (its key), a person by keyed hash and masked ID only. */
export type Subject =
  | { readonly kind: 'organisation'; readonly key: string }
  | { readonly kind: 'person'; readonly key: string; readonly masked: string };

/** A penalty decision (行政处罚), the fields 双公示 carries. */
export interface PenaltyBody {
  readonly kind: 'penalty';
  readonly decisionNumber: string;
  readonly name: string;
  readonly kinds: readonly PenaltyKind[];
  readonly regime: Regime;
  readonly sector: Sector;
  readonly facts: string;
  readonly legalBasis: string;
  readonly result: string;
  /** 罚没金额 in fen. */
  readonly amountFen: number;
  readonly simpleProcedure: boolean;
}

/** An entry on or exit from the serious-dishonesty list (严重失信主体名单). */
export interface ListingBody {
  readonly kind: 'listing-entry' | 'listing-exit';
  readonly decisionNumber: string;
  readonly reasons: string;
  readonly legalBasis: string;
  /** For an exit: the entry it ends. */
  readonly entryRecordId?: string;
}

export interface CommendationBody {
  readonly kind: 'commendation';
  readonly decisionNumber: string;
  readonly title: string;
  readonly legalBasis: string;
}

/**
 * A licensing decision (行政许可), recorded from the certificate service's `certificate.issued` (双公示): the record's
 * id is the certificate's id, its decision number the licence number.
 */
export interface LicensingBody {
  readonly kind: 'licensing';
  readonly decisionNumber: string;
  readonly certificateId: string;
  readonly licenceName: string;
  readonly typeCode: string;
  readonly validFrom: string;
  /** Absent for long-term. */
  readonly validTo?: string;
  /** The licence's current state, followed from the certificate service's status events. */
  readonly licenceStatus: LicenceState;
  /** Granted on commitment (告知承诺): the commitment's id. */
  readonly commitmentId?: string;
  /**
   * A later version's decision: 变更 (`changed`) or 延续 (`renewed`), with the licence's version and the certificate
   * id of the version it replaced. Absent for the grant (version 1).
   */
  readonly change?: LicenceChange;
}

/** What made a later version of a licence: a change (变更) or a renewal (延续) decided by its issuer. */
export interface LicenceChange {
  readonly decision: 'changed' | 'renewed';
  readonly version: number;
  readonly previousCertificateId: string;
}

/** A licence's state as the credit record shows it. */
export type LicenceState = 'valid' | 'suspended' | 'withdrawn' | 'cancelled' | 'expired' | 'revoked';

/** A broken commitment found by a post-approval check (批后核查): a negative record. */
export interface PostCheckBody {
  readonly kind: 'post-check';
  /** `post-check/<commitment id>`: one check of one commitment. */
  readonly decisionNumber: string;
  readonly commitmentId: string;
  readonly certificateId: string;
  readonly licenceNumber: string;
  readonly result: 'broken';
  readonly findings: string;
  readonly inspector: string;
}

/** What a 双随机 inspection found (the inspection's result as its inspector's department recorded it). */
export type InspectionOutcome = 'compliant' | 'ordered-to-correct' | 'case-opened' | 'not-located';

/**
 * The result of a 双随机 inspection of a drawn entity (一公开), made by the service from `RecordInspectionResult`: the
 * record's owner is the inspector's department, its decision date the day of the inspection.
 */
export interface InspectionBody {
  readonly kind: 'inspection';
  /** `inspection/<task id>/<credit code>`: one result per drawn entity of a task. */
  readonly decisionNumber: string;
  readonly taskId: string;
  readonly taskTitle: string;
  /** The inspector's id in the task (执法证号): an officer acting in office, not a private person. */
  readonly inspectorId: string;
  readonly outcome: InspectionOutcome;
  readonly findings: string;
}

export type RecordBody = PenaltyBody | ListingBody | CommendationBody | LicensingBody | PostCheckBody | InspectionBody;

export type RecordStatus = 'active' | 'repair-pending' | 'repaired';

export type RepairCondition =
  | 'obligations-fulfilled'
  | 'harm-removed'
  | 'not-repeated'
  | 'not-listed'
  | 'commitment-signed';

export interface Repair {
  readonly appliedOn: PlainDate;
  readonly applicant: string;
  readonly conditions: readonly RepairCondition[];
  readonly statement: string;
  readonly decision?: { readonly decidedOn: PlainDate; readonly granted: boolean; readonly reasons: string };
}

export interface CreditRecord {
  readonly id: string;
  readonly kind: RecordBody['kind'];
  readonly subject: Subject;
  /** The party's name as the decision gives it. */
  readonly partyName: string;
  /** The department that decided and owns the record. */
  readonly owner: string;
  readonly decisionDate: PlainDate;
  readonly recordedOn: PlainDate;
  readonly body: RecordBody;
  readonly publicity: Publicity;
  readonly status: RecordStatus;
  /** Bumped by every change: the optimistic-concurrency token a command must name. */
  readonly version: number;
  readonly repair?: Repair;
}

/** Who acts, as the transport established it. */
export interface Actor {
  readonly code: string;
  readonly role: 'department' | 'portal' | 'auditor' | 'platform';
}

/** What a transition did, in the past tense: the event the service publishes. */
export type RecordFact =
  | { readonly type: 'recorded' }
  | { readonly type: 'repair-applied' }
  | { readonly type: 'repair-decided'; readonly granted: boolean }
  /** A licensing record's licence changed state. */
  | { readonly type: 'updated' };

export interface RecordTransition {
  readonly record: CreditRecord;
  readonly fact: RecordFact;
}

/** A new record, as the edge parsed it (texts checked for control characters and citizen IDs already). */
export interface RecordCommand {
  readonly id: string;
  readonly actor: Actor;
  readonly subject: Subject;
  readonly partyName: string;
  /** The deciding authority the request names: must be the actor. */
  readonly authority: string;
  readonly decisionDate: string;
  readonly body: RecordBody;
}

export const MAX_NUMBER = 100;
export const MAX_NAME = 200;
export const MAX_TEXT = 4000;
/** 10^13 yuan: more than any fine; keeps amounts exact in a double. */
export const MAX_AMOUNT_FEN = 1e15;

function text(value: string, field: string, max: number, violations: FieldViolation[]): string {
  const v = value.trim();
  if (v === '') violations.push({ field, reason: 'REQUIRED', description: 'required' });
  else if ([...v].length > max)
    violations.push({ field, reason: 'TOO_LONG', description: `at most ${max} characters` });
  return v;
}

function checkPenalty(b: PenaltyBody, violations: FieldViolation[]): PenaltyBody {
  const kinds = [...new Set(b.kinds)];
  if (kinds.length === 0) {
    violations.push({ field: 'penalty.kinds', reason: 'REQUIRED', description: 'at least one kind of penalty' });
  }
  const amountField = 'penalty.amount_fen';
  if (!Number.isSafeInteger(b.amountFen) || b.amountFen < 0 || b.amountFen > MAX_AMOUNT_FEN) {
    violations.push({ field: amountField, reason: 'OUT_OF_RANGE', description: 'fen, 0 or more' });
  } else {
    const monetary = kinds.includes('fine') || kinds.includes('confiscation');
    if (monetary && b.amountFen === 0) {
      violations.push({ field: amountField, reason: 'REQUIRED', description: 'a fine or confiscation has an amount' });
    }
    if (!monetary && b.amountFen > 0) {
      violations.push({ field: amountField, reason: 'NO_FINE', description: 'an amount needs a fine or confiscation' });
    }
  }
  return {
    kind: 'penalty',
    decisionNumber: text(b.decisionNumber, 'penalty.decision_number', MAX_NUMBER, violations),
    name: text(b.name, 'penalty.name', MAX_NAME, violations),
    kinds,
    regime: b.regime,
    sector: b.sector,
    facts: text(b.facts, 'penalty.facts', MAX_TEXT, violations),
    legalBasis: text(b.legalBasis, 'penalty.legal_basis', MAX_TEXT, violations),
    result: text(b.result, 'penalty.result', MAX_TEXT, violations),
    amountFen: b.amountFen,
    simpleProcedure: b.simpleProcedure,
  };
}

function checkBody(body: RecordBody, violations: FieldViolation[]): RecordBody {
  switch (body.kind) {
    case 'penalty':
      return checkPenalty(body, violations);
    case 'listing-entry':
    case 'listing-exit': {
      const entry = body.entryRecordId?.trim() ?? '';
      if (body.kind === 'listing-exit' && entry === '') {
        violations.push({ field: 'listing.entry_record_id', reason: 'REQUIRED', description: 'the entry it ends' });
      }
      return {
        kind: body.kind,
        decisionNumber: text(body.decisionNumber, 'listing.decision_number', MAX_NUMBER, violations),
        reasons: text(body.reasons, 'listing.reasons', MAX_TEXT, violations),
        legalBasis: text(body.legalBasis, 'listing.legal_basis', MAX_TEXT, violations),
        ...(body.kind === 'listing-exit' ? { entryRecordId: entry } : {}),
      };
    }
    case 'licensing':
    case 'post-check':
    case 'inspection':
      // made by the service itself (from events, by a post-check), never by recordDecision's callers
      violations.push({ field: 'kind', reason: 'NOT_RECORDED_HERE', description: `${body.kind} is not recorded here` });
      return body;
    case 'commendation':
      return {
        kind: 'commendation',
        decisionNumber: text(body.decisionNumber, 'commendation.decision_number', MAX_NUMBER, violations),
        title: text(body.title, 'commendation.title', MAX_NAME, violations),
        legalBasis: text(body.legalBasis, 'commendation.legal_basis', MAX_TEXT, violations),
      };
  }
}

/** Where a record's decision date is in the request: inside the message of its kind. */
export function decisionDateField(kind: RecordBody['kind']): string {
  const message = kind === 'penalty' ? 'penalty' : kind === 'commendation' ? 'commendation' : 'listing';
  return `${message}.decision_date`;
}

/** The decision date: a real day, not after today. */
function decisionDateOf(value: string, field: string, today: PlainDate, violations: FieldViolation[]): PlainDate {
  if (!isPlainDate(value)) {
    violations.push({ field, reason: 'DATE', description: 'a calendar date, YYYY-MM-DD' });
    return today;
  }
  if (value > today) {
    violations.push({ field, reason: 'FUTURE', description: `not after today (${today})` });
  }
  return value;
}

/** The open entries on the serious-dishonesty list on `today`: no exit, not repaired, not past the maximum. */
export function openListings(records: readonly CreditRecord[], today: PlainDate): CreditRecord[] {
  const exited = new Set(
    records.flatMap((r) => (r.body.kind === 'listing-exit' && r.body.entryRecordId ? [r.body.entryRecordId] : [])),
  );
  return records.filter(
    (r) =>
      r.kind === 'listing-entry' &&
      r.status !== 'repaired' &&
      !exited.has(r.id) &&
      (r.publicity.publicUntil === undefined || today <= r.publicity.publicUntil),
  );
}

/** Records a decision about a subject whose current records are `existing`. */
export function recordDecision(
  command: RecordCommand,
  existing: readonly CreditRecord[],
  today: PlainDate,
  calendar: WorkCalendar,
  rules: PublicityRuleSet = PUBLICITY_RULES,
): RecordTransition {
  if (command.actor.role !== 'department') {
    throw new AppError('PERMISSION_DENIED', 'only departments record credit decisions');
  }
  if (command.authority !== command.actor.code) {
    throw new AppError(
      'CREDIT_NOT_OWNER',
      `${command.actor.code} may not record a decision in the name of ${command.authority}`,
    );
  }
  const violations: FieldViolation[] = [];
  const partyName = text(command.partyName, 'party_name', MAX_NAME, violations);
  const dateField = decisionDateField(command.body.kind);
  const decisionDate = decisionDateOf(command.decisionDate, dateField, today, violations);
  const body = checkBody(command.body, violations);
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);

  const same = existing.find(
    (r) => r.owner === command.authority && r.kind === body.kind && r.body.decisionNumber === body.decisionNumber,
  );
  if (same) {
    throw new AppError('CREDIT_RECORD_EXISTS', `${body.kind} ${body.decisionNumber} is already recorded`, {
      details: { meta: { recordId: same.id } },
    });
  }
  const open = openListings(existing, today);
  if (body.kind === 'listing-entry' && open.length > 0) {
    throw new AppError('CREDIT_ALREADY_LISTED', 'the subject is on the serious-dishonesty list already', {
      details: { meta: { recordId: open[0]!.id } },
    });
  }
  if (body.kind === 'listing-exit') {
    const entry = open.find((r) => r.id === body.entryRecordId);
    if (!entry) {
      throw new AppError('CREDIT_LISTING_NOT_FOUND', `no open list entry ${body.entryRecordId} for this subject`);
    }
    if (entry.owner !== command.authority) {
      throw new AppError('CREDIT_NOT_OWNER', `the entry ${entry.id} was decided by ${entry.owner}`);
    }
    if (decisionDate < entry.decisionDate) {
      throw invalid('INVALID_ARGUMENT', [
        {
          field: decisionDateField(body.kind),
          reason: 'BEFORE_ENTRY',
          description: `not before the entry (${entry.decisionDate})`,
        },
      ]);
    }
  }
  const publicity =
    body.kind === 'penalty'
      ? penaltyPublicity(body, decisionDate, today, calendar, rules)
      : kindPublicity(body.kind, decisionDate, today, calendar, rules);
  const record: CreditRecord = {
    id: command.id,
    kind: body.kind,
    subject: command.subject,
    partyName,
    owner: command.authority,
    decisionDate,
    recordedOn: today,
    body,
    publicity,
    status: 'active',
    version: 1,
  };
  return { record, fact: { type: 'recorded' } };
}

/** Whether a record is in the public feed on `day`: published, inside its window, not repaired. */
export function isPublic(record: CreditRecord, day: PlainDate): boolean {
  return record.status !== 'repaired' && inWindow(record.publicity, day);
}
