import { creditV1 as cv } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { validateCitizenId, validateUscc } from '@onceonly/ids';
import { FieldCheck } from '@onceonly/kit';
import { isPlainDate } from '@onceonly/workdays';
import type { FeedCursor } from '../../app/ports.js';
import type { ProfileSubject } from '../../app/read-profile.js';
import type { NamedSubject, RecordInput } from '../../app/record-decision.js';
import type { PenaltyKind } from '../../domain/publicity.js';
import {
  type Actor,
  type CreditRecord,
  MAX_NAME,
  MAX_NUMBER,
  MAX_TEXT,
  type RepairCondition,
} from '../../domain/records.js';
import { PENALTY_KIND_OF, REGIME_OF, REPAIR_CONDITION_OF, SECTOR_OF } from './to-proto.js';

/**
 * One parser per CreditService RPC: the request in, the use case's input out, or one coded error naming every field
 * at fault (the kit's FieldCheck: the text rule, no citizen ID in free text; credit codes and citizen IDs by their
 * check characters). Nothing runs before a request has parsed.
 */

const MAX_ID = 100;

const line = (check: FieldCheck, field: string, value: string, max: number) =>
  check.text(field, value, { max, required: true, trim: true });
const prose = (check: FieldCheck, field: string, value: string) =>
  check.text(field, value, { max: MAX_TEXT, required: true, multiline: true, trim: true });

function creditCode(check: FieldCheck, field: string, value: string): string {
  const result = validateUscc(value);
  if (!result.ok) {
    check.fail(field, `USCC_${result.reason}`, `not a unified social credit code: ${result.message}`, 'USCC_INVALID');
    return '';
  }
  return result.value;
}

export function subject(check: FieldCheck, s: cv.CreditSubject | undefined): NamedSubject {
  const which = s?.subject;
  if (which?.$case === 'creditCode')
    return { kind: 'organisation', code: creditCode(check, 'subject.credit_code', which.value) };
  if (which?.$case === 'citizenId') {
    const result = validateCitizenId(which.value);
    // the ID is never echoed in the error: only that it is not one
    if (!result.ok) check.fail('subject.citizen_id', 'CITIZEN_ID', 'not a valid citizen ID', 'CITIZEN_ID_INVALID');
    return result.ok ? { kind: 'citizen', id: result.value.id } : { kind: 'organisation', code: '' };
  }
  check.fail('subject', 'REQUIRED', 'a credit code or a citizen ID');
  return { kind: 'organisation', code: '' };
}

function enumOf<T>(check: FieldCheck, field: string, value: number, table: Map<number, T>, what: string): T {
  const v = table.get(value);
  if (v === undefined) check.fail(field, 'REQUIRED', what);
  return v as T;
}

/** What every Record* request has: the key, the subject, the party's name, the authority. */
function common(
  check: FieldCheck,
  r: { idempotencyKey: string; subject?: cv.CreditSubject | undefined; partyName: string; authorityCode: string },
) {
  return {
    idempotencyKey: line(check, 'idempotency_key', r.idempotencyKey, MAX_ID),
    subject: subject(check, r.subject),
    partyName: line(check, 'party_name', r.partyName, MAX_NAME),
    authority: creditCode(check, 'authority_code', r.authorityCode),
  };
}

export function parseRecordPenalty(r: cv.RecordPenaltyRequest, actor: Actor): RecordInput {
  return FieldCheck.parse((check) => {
    const base = common(check, r);
    const p = r.penalty;
    if (!p) check.fail('penalty', 'REQUIRED', 'the penalty decision');
    const kinds: PenaltyKind[] = [];
    for (const k of p?.kinds ?? []) {
      const kind = PENALTY_KIND_OF.get(k);
      if (kind) kinds.push(kind);
      else check.fail('penalty.kinds', 'KIND', 'a kind of penalty (行政处罚法 art. 9)');
    }
    if (p && p.kinds.length === 0) check.fail('penalty.kinds', 'REQUIRED', 'at least one kind of penalty');
    if ((p?.kinds.length ?? 0) > 13) check.fail('penalty.kinds', 'TOO_MANY', 'at most 13');
    return {
      actor,
      ...base,
      decisionDate: line(check, 'penalty.decision_date', p?.decisionDate ?? '', 10),
      body: {
        kind: 'penalty',
        decisionNumber: line(check, 'penalty.decision_number', p?.decisionNumber ?? '', MAX_NUMBER),
        name: line(check, 'penalty.name', p?.name ?? '', MAX_NAME),
        kinds,
        regime: enumOf(check, 'penalty.regime', p?.regime ?? 0, REGIME_OF, 'NDRC or SAMR'),
        sector: enumOf(check, 'penalty.sector', p?.sector ?? 0, SECTOR_OF, 'the sector'),
        facts: prose(check, 'penalty.facts', p?.facts ?? ''),
        legalBasis: prose(check, 'penalty.legal_basis', p?.legalBasis ?? ''),
        result: prose(check, 'penalty.result', p?.result ?? ''),
        amountFen: check.count('penalty.amount_fen', p?.amountFen, 0),
        simpleProcedure: p?.simpleProcedure ?? false,
      },
    };
  });
}

export function parseRecordListing(r: cv.RecordListingRequest, actor: Actor): RecordInput {
  return FieldCheck.parse((check) => {
    const base = common(check, r);
    const l = r.listing;
    if (!l) check.fail('listing', 'REQUIRED', 'the listing decision');
    const entry = r.exit ? line(check, 'listing.entry_record_id', l?.entryRecordId ?? '', MAX_ID) : '';
    return {
      actor,
      ...base,
      decisionDate: line(check, 'listing.decision_date', l?.decisionDate ?? '', 10),
      body: {
        kind: r.exit ? 'listing-exit' : 'listing-entry',
        decisionNumber: line(check, 'listing.decision_number', l?.decisionNumber ?? '', MAX_NUMBER),
        reasons: prose(check, 'listing.reasons', l?.reasons ?? ''),
        legalBasis: prose(check, 'listing.legal_basis', l?.legalBasis ?? ''),
        ...(r.exit ? { entryRecordId: entry } : {}),
      },
    };
  });
}

export function parseRecordCommendation(r: cv.RecordCommendationRequest, actor: Actor): RecordInput {
  return FieldCheck.parse((check) => {
    const base = common(check, r);
    const c = r.commendation;
    if (!c) check.fail('commendation', 'REQUIRED', 'the commendation');
    return {
      actor,
      ...base,
      decisionDate: line(check, 'commendation.decision_date', c?.decisionDate ?? '', 10),
      body: {
        kind: 'commendation',
        decisionNumber: line(check, 'commendation.decision_number', c?.decisionNumber ?? '', MAX_NUMBER),
        title: line(check, 'commendation.title', c?.title ?? '', MAX_NAME),
        legalBasis: prose(check, 'commendation.legal_basis', c?.legalBasis ?? ''),
      },
    };
  });
}

/** A department says why it reads; an auditor's purpose is the audit (optional). */
function purposeOf(check: FieldCheck, actor: Actor, value: string): string {
  return actor.role === 'auditor'
    ? check.text('purpose', value, { max: MAX_TEXT, trim: true })
    : line(check, 'purpose', value, MAX_TEXT);
}

/** A subject key as events carry it: a credit code in canonical spelling, or 64 lowercase hex (a person's hash). */
function subjectKey(check: FieldCheck, value: string): string {
  if (/^[0-9a-f]{64}$/.test(value)) return value;
  const result = validateUscc(value);
  if (!result.ok || result.value !== value) {
    check.fail('subject_key', 'SUBJECT_KEY', 'a credit code, or the 64-hex keyed hash of a person');
    return '';
  }
  return value;
}

export function parseGetProfile(r: cv.GetCreditProfileRequest, actor: Actor) {
  if (r.subjectKey !== '' && actor.role !== 'auditor') {
    throw new AppError('PERMISSION_DENIED', 'a profile is read by its subject key by auditors only');
  }
  return FieldCheck.parse((check) => {
    let named: ProfileSubject;
    if (r.subjectKey === '') named = subject(check, r.subject);
    else {
      if (r.subject?.subject) check.fail('subject', 'ONE_OF', 'a subject or a subject key, not both');
      named = { kind: 'key', key: subjectKey(check, r.subjectKey) };
    }
    return { actor, subject: named, purpose: purposeOf(check, actor, r.purpose) };
  });
}

export function parseGetRecord(r: cv.GetRecordRequest, actor: Actor) {
  return FieldCheck.parse((check) => ({
    actor,
    recordId: line(check, 'record_id', r.recordId, MAX_ID),
    purpose: purposeOf(check, actor, r.purpose),
  }));
}

const KIND_OF = new Map<number, CreditRecord['kind']>([
  [cv.RecordKind.RECORD_KIND_PENALTY, 'penalty'],
  [cv.RecordKind.RECORD_KIND_LISTING_ENTRY, 'listing-entry'],
  [cv.RecordKind.RECORD_KIND_LISTING_EXIT, 'listing-exit'],
  [cv.RecordKind.RECORD_KIND_COMMENDATION, 'commendation'],
  [cv.RecordKind.RECORD_KIND_LICENSING, 'licensing'],
  [cv.RecordKind.RECORD_KIND_POST_CHECK, 'post-check'],
  [cv.RecordKind.RECORD_KIND_INSPECTION, 'inspection'],
]);

function feedCursor(check: FieldCheck, token: string): FeedCursor | undefined {
  if (token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      isPlainDate(String(parsed[0])) &&
      typeof parsed[1] === 'string' &&
      parsed[1].length <= MAX_ID
    ) {
      return { publicFrom: parsed[0] as string, id: parsed[1] };
    }
  } catch {
    // reported below
  }
  check.fail('page_token', 'PAGE_TOKEN', 'not a page token this service gave');
  return undefined;
}

/** The page token of a feed cursor (opaque to clients). */
export function feedTokenOf(cursor: FeedCursor | undefined): string {
  return cursor ? Buffer.from(JSON.stringify([cursor.publicFrom, cursor.id])).toString('base64url') : '';
}

export function parseListPublic(r: cv.ListPublicRecordsRequest) {
  return FieldCheck.parse((check) => {
    const kind = r.kind === cv.RecordKind.RECORD_KIND_UNSPECIFIED ? undefined : KIND_OF.get(r.kind);
    if (r.kind !== cv.RecordKind.RECORD_KIND_UNSPECIFIED && kind === undefined) {
      check.fail('kind', 'KIND', 'a kind of record the feed holds');
    }
    const after = feedCursor(check, r.pageToken);
    return {
      ...(r.creditCode.trim() ? { subjectKey: creditCode(check, 'credit_code', r.creditCode) } : {}),
      ...(kind ? { kind } : {}),
      pageSize: check.pageSize('page_size', r.pageSize, 200),
      ...(after ? { after } : {}),
    };
  });
}

function version(check: FieldCheck, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    check.fail('expected_version', 'REQUIRED', 'the version you read (from 1)');
  return value;
}

export function parseApplyForRepair(r: cv.ApplyForRepairRequest, actor: Actor) {
  return FieldCheck.parse((check) => {
    const conditions: RepairCondition[] = [];
    for (const c of r.conditions) {
      const condition = REPAIR_CONDITION_OF.get(c);
      if (condition) conditions.push(condition);
      else check.fail('conditions', 'CONDITION', 'a repair condition');
    }
    return {
      actor,
      recordId: line(check, 'record_id', r.recordId, MAX_ID),
      expectedVersion: version(check, r.expectedVersion),
      conditions,
      statement: prose(check, 'statement', r.statement),
    };
  });
}

export function parseDecideRepair(r: cv.DecideRepairRequest, actor: Actor) {
  return FieldCheck.parse((check) => ({
    actor,
    recordId: line(check, 'record_id', r.recordId, MAX_ID),
    expectedVersion: version(check, r.expectedVersion),
    granted: r.granted,
    reasons: prose(check, 'reasons', r.reasons),
  }));
}
