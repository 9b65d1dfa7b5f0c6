import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { assertFieldValues, type FieldValues } from '@onceonly/fields';
import type { PlainDate, WorkCalendar } from '@onceonly/workdays';
import { type CatalogueItem, mayRequest } from './catalogue.js';

/**
 * One assistance request between two departments, and every change to it as a pure transition
 * `(state, command, today, calendar) → { request, fact }`. Checks run in one order for every command: the actor's
 * role (ASSIST_NOT_*), the expected version (ASSIST_VERSION_CONFLICT), the status (ASSIST_ILLEGAL_TRANSITION), the
 * input (INVALID_ARGUMENT and the item's codes). Dates are calendar days in mainland China; periods are counted in
 * working days from the day after (libs/workdays).
 */

export type RequestStatus = 'submitted' | 'accepted' | 'declined' | 'answered' | 'closed' | 'withdrawn';

/** Who the request is about: an organisation by credit code, a person only by keyed hash and masked ID. */
export type RequestSubject =
  | { readonly kind: 'organisation'; readonly code: string }
  | { readonly kind: 'person'; readonly key: string; readonly masked: string };

/** A due date one side proposed and the other has not answered yet. */
export interface DueProposal {
  readonly by: 'requester' | 'provider';
  readonly date: PlainDate;
}

/** The provider's answer: result fields, attachments by SHA-256 digest, e-certificates the requester can verify. */
export interface Answer {
  readonly fields: FieldValues;
  readonly attachments: readonly string[];
  readonly certificates: readonly string[];
  readonly answeredOn: PlainDate;
}

/** The requester's rating when closing: timeliness and effort, 1 (poor) to 5 (excellent). */
export interface Rating {
  readonly timeliness: number;
  readonly effort: number;
  readonly comment?: string;
}

export interface Dispute {
  readonly raisedOn: PlainDate;
  readonly reason: string;
  readonly decision?: {
    readonly ruling: 'must-assist' | 'decline-upheld';
    readonly reasons: string;
    readonly decidedOn: PlainDate;
  };
}

export interface AssistanceRequest {
  readonly id: string;
  readonly itemCode: string;
  /** The catalogue version the request was made under: later versions do not change it. */
  readonly itemVersion: number;
  readonly requester: string;
  readonly provider: string;
  /** The clerk or unit inside the provider it is assigned to (free text, no personal data). */
  readonly assignee?: string;
  readonly caseId: string;
  readonly legalBasis: string;
  readonly purpose: string;
  readonly subject?: RequestSubject;
  readonly fields: FieldValues;
  readonly urgent: boolean;
  /** An urgent request's written form is due by then (3 working days), until it is supplied. */
  readonly regulariseBy?: PlainDate;
  readonly status: RequestStatus;
  /** Bumped by every change: the optimistic-concurrency token a command must name. */
  readonly version: number;
  readonly submittedOn: PlainDate;
  readonly acceptedOn?: PlainDate;
  readonly dueDate: PlainDate;
  readonly dueProposal?: DueProposal;
  /** An open request for supplementary information (补正): the clock stops from `askedOn`. */
  readonly supplement?: { readonly question: string; readonly askedOn: PlainDate };
  readonly pausedWorkingDays: number;
  readonly declineReasons?: string;
  readonly answer?: Answer;
  readonly rating?: Rating;
  readonly dispute?: Dispute;
  readonly closedOn?: PlainDate;
  /** Set once the personal data of a finished request was purged after the retention period. */
  readonly personalDataPurgedOn?: PlainDate;
}

/** The department acting, as the transport established it. */
export interface Actor {
  readonly department: string;
  /** The coordinator (the district's service centre) decides disputes and sees every request. */
  readonly coordinator?: boolean;
}

/** What a transition did, in the past tense: the event the service publishes. */
export type RequestFact =
  | { readonly type: 'submitted' }
  | { readonly type: 'accepted' }
  | { readonly type: 'declined'; readonly reasons: string }
  | { readonly type: 'supplement-requested'; readonly question: string }
  | { readonly type: 'supplemented'; readonly pausedWorkingDays: number; readonly dueDate: PlainDate }
  | { readonly type: 'due-date-proposed'; readonly proposal: DueProposal }
  | { readonly type: 'due-date-agreed'; readonly dueDate: PlainDate }
  | { readonly type: 'reassigned'; readonly assignee: string }
  | { readonly type: 'answered' }
  | { readonly type: 'closed'; readonly rating: Rating }
  | { readonly type: 'withdrawn'; readonly reason: string }
  | { readonly type: 'regularised' }
  | { readonly type: 'dispute-raised'; readonly reason: string }
  | { readonly type: 'dispute-decided'; readonly ruling: 'must-assist' | 'decline-upheld' };

export interface RequestTransition {
  readonly request: AssistanceRequest;
  readonly fact: RequestFact;
}

const MAX_TEXT = 2000;
/** Urgent (oral) requests are regularised with the written request within 3 working days. */
export const REGULARISE_WITHIN_WORKING_DAYS = 3;

/** A new request, as the edge parsed it (texts checked for control characters and citizen IDs already). */
export interface SubmitCommand {
  readonly id: string;
  readonly actor: Actor;
  readonly provider?: string;
  readonly caseId: string;
  readonly legalBasis: string;
  readonly purpose: string;
  readonly subject?: RequestSubject;
  readonly fields: Readonly<Record<string, string>>;
  /** The date the requester needs the answer by; the earliest the item allows when absent. */
  readonly dueDate?: string;
  readonly urgent?: boolean;
}

/** The earliest due date a request made on `today` may ask for: the item's time limit in working days. */
export function earliestDueDate(item: CatalogueItem, today: PlainDate, calendar: WorkCalendar): PlainDate {
  return calendar.addWorkingDays(today, item.timeLimitWorkingDays);
}

/** Submits a request under `item` (the version in force today). */
export function submit(
  item: CatalogueItem,
  command: SubmitCommand,
  today: PlainDate,
  calendar: WorkCalendar,
): RequestTransition {
  if (!mayRequest(item, command.actor.department)) {
    throw new AppError('ASSIST_REQUESTER_NOT_ALLOWED', `${command.actor.department} may not request ${item.code}`);
  }
  const provider = command.provider ?? item.providers[0]!;
  const violations: FieldViolation[] = [];
  if (!item.providers.includes(provider as never)) {
    violations.push({
      field: 'provider',
      reason: 'NOT_A_PROVIDER',
      description: `${item.code} is provided by ${item.providers.join(', ')}`,
    });
  }
  const caseId = text(command.caseId, 'case_id', 100, violations);
  const legalBasis = text(command.legalBasis, 'legal_basis', MAX_TEXT, violations);
  const purpose = text(command.purpose, 'purpose', MAX_TEXT, violations);
  if (item.aboutPerson && command.subject?.kind !== 'person') {
    violations.push({ field: 'subject', reason: 'REQUIRED', description: `${item.code} is about a person: name them` });
  }
  throwIfInvalid(violations);
  if (command.urgent && !item.urgentAllowed) {
    throw new AppError('ASSIST_URGENT_NOT_ALLOWED', `${item.code} does not allow urgent requests`);
  }
  const fields = assertFieldValues(item.request, command.fields, 'ASSIST_FIELDS_INVALID');
  const earliest = earliestDueDate(item, today, calendar);
  const dueDate =
    command.dueDate === undefined || command.dueDate === '' ? earliest : dueDateOf(command.dueDate, earliest, calendar);
  const request: AssistanceRequest = {
    id: command.id,
    itemCode: item.code,
    itemVersion: item.version,
    requester: command.actor.department,
    provider,
    caseId,
    legalBasis,
    purpose,
    ...(command.subject ? { subject: command.subject } : {}),
    fields,
    urgent: command.urgent === true,
    ...(command.urgent ? { regulariseBy: calendar.addWorkingDays(today, REGULARISE_WITHIN_WORKING_DAYS) } : {}),
    status: 'submitted',
    version: 1,
    submittedOn: today,
    dueDate,
    pausedWorkingDays: 0,
  };
  return { request, fact: { type: 'submitted' } };
}

/** A command on an existing request: who acts, and the version they read (optimistic concurrency). */
export interface Acting {
  readonly actor: Actor;
  readonly expectedVersion: number;
}

/** The provider accepts: a step of its own before the answer (as in the EU's IMI). */
export function accept(r: AssistanceRequest, c: Acting, today: PlainDate): RequestTransition {
  guard(r, c, 'provider', ['submitted'], 'accept');
  return next(r, { status: 'accepted', acceptedOn: today }, { type: 'accepted' });
}

/** The provider declines, with written reasons (mandatory). */
export function decline(r: AssistanceRequest, c: Acting & { reasons: string }): RequestTransition {
  guard(r, c, 'provider', ['submitted', 'accepted'], 'decline');
  const violations: FieldViolation[] = [];
  const reasons = text(c.reasons, 'reasons', MAX_TEXT, violations);
  throwIfInvalid(violations);
  return next(r, { status: 'declined', declineReasons: reasons }, { type: 'declined', reasons });
}

/** The provider asks for supplementary information (补正): the clock stops until the requester supplies it. */
export function requestSupplement(
  r: AssistanceRequest,
  c: Acting & { question: string },
  today: PlainDate,
): RequestTransition {
  guard(r, c, 'provider', ['submitted', 'accepted'], 'request a supplement to');
  if (r.supplement) throw new AppError('ASSIST_SUPPLEMENT_OPEN', `request ${r.id} already waits for a supplement`);
  const violations: FieldViolation[] = [];
  const question = text(c.question, 'question', MAX_TEXT, violations);
  throwIfInvalid(violations);
  return next(r, { supplement: { question, askedOn: today } }, { type: 'supplement-requested', question });
}

/**
 * The requester supplies what was asked: the fields may be corrected (checked against the request's item version),
 * and the due date moves by the working days the clock stood still.
 */
export function supplement(
  r: AssistanceRequest,
  item: CatalogueItem,
  c: Acting & { fields?: Readonly<Record<string, string>> },
  today: PlainDate,
  calendar: WorkCalendar,
): RequestTransition {
  guard(r, c, 'requester', ['submitted', 'accepted'], 'supplement');
  if (!r.supplement) throw new AppError('ASSIST_ILLEGAL_TRANSITION', `request ${r.id} waits for no supplement`);
  const fields = c.fields ? assertFieldValues(item.request, c.fields, 'ASSIST_FIELDS_INVALID') : r.fields;
  const paused = calendar.workingDaysBetween(r.supplement.askedOn, today);
  const dueDate = calendar.addWorkingDays(r.dueDate, paused);
  const { supplement: _done, ...rest } = r;
  return next(
    { ...rest, fields } as AssistanceRequest,
    { pausedWorkingDays: r.pausedWorkingDays + paused, dueDate },
    { type: 'supplemented', pausedWorkingDays: paused, dueDate },
  );
}

/**
 * Either side proposes a due date; the other accepts it ({@link agreeDueDate}) or proposes another. The requester may
 * not propose a date earlier than the item allows from the day the request was made.
 */
export function proposeDueDate(
  r: AssistanceRequest,
  item: CatalogueItem,
  c: Acting & { date: string },
  today: PlainDate,
  calendar: WorkCalendar,
): RequestTransition {
  const side = sideOf(r, c.actor);
  guard(r, c, side, ['submitted', 'accepted'], 'propose a due date for');
  const floor =
    side === 'requester' ? earliestDueDate(item, r.submittedOn, calendar) : calendar.workingDayOnOrAfter(today);
  const date = dueDateOf(c.date, floor, calendar);
  const proposal: DueProposal = { by: side, date };
  return next(r, { dueProposal: proposal }, { type: 'due-date-proposed', proposal });
}

/** The other side accepts the open proposal: it becomes the due date. */
export function agreeDueDate(r: AssistanceRequest, c: Acting): RequestTransition {
  const side = sideOf(r, c.actor);
  guard(r, c, side, ['submitted', 'accepted'], 'agree a due date for');
  if (!r.dueProposal || r.dueProposal.by === side) {
    throw new AppError('ASSIST_NO_PROPOSAL', `request ${r.id} has no due date proposed by the other side`);
  }
  const { dueProposal, ...rest } = r;
  return next(
    rest as AssistanceRequest,
    { dueDate: dueProposal.date },
    { type: 'due-date-agreed', dueDate: dueProposal.date },
  );
}

/** The provider hands the request to another clerk or unit inside it. */
export function reassign(r: AssistanceRequest, c: Acting & { assignee: string }): RequestTransition {
  guard(r, c, 'provider', ['submitted', 'accepted'], 'reassign');
  const violations: FieldViolation[] = [];
  const assignee = text(c.assignee, 'assignee', 100, violations);
  throwIfInvalid(violations);
  return next(r, { assignee }, { type: 'reassigned', assignee });
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The provider answers an accepted request: fields by the item version's answer schema, attachments, certificates. */
export function answer(
  r: AssistanceRequest,
  item: CatalogueItem,
  c: Acting & {
    fields: Readonly<Record<string, string>>;
    attachments?: readonly string[];
    certificates?: readonly string[];
  },
  today: PlainDate,
): RequestTransition {
  guard(r, c, 'provider', ['accepted'], 'answer');
  if (r.supplement) throw new AppError('ASSIST_SUPPLEMENT_OPEN', `request ${r.id} waits for a supplement`);
  const violations: FieldViolation[] = [];
  const attachments = [...new Set((c.attachments ?? []).map((a) => a.trim().toLowerCase()))];
  attachments.forEach((a, i) => {
    if (!SHA256_HEX.test(a))
      violations.push({ field: `attachments[${i}]`, reason: 'DIGEST', description: 'a SHA-256 digest in hex' });
  });
  const certificates = [...new Set((c.certificates ?? []).map((id) => id.trim()))];
  certificates.forEach((id, i) => {
    if (id === '' || id.length > 200)
      violations.push({ field: `certificates[${i}]`, reason: 'CERTIFICATE', description: 'a certificate id' });
  });
  throwIfInvalid(violations);
  const fields = assertFieldValues(item.answer, c.fields, 'ASSIST_FIELDS_INVALID');
  return next(
    r,
    { status: 'answered', answer: { fields, attachments, certificates, answeredOn: today } },
    { type: 'answered' },
  );
}

/** The requester closes an answered request with its rating of timeliness and effort. */
export function close(r: AssistanceRequest, c: Acting & { rating: Rating }, today: PlainDate): RequestTransition {
  guard(r, c, 'requester', ['answered'], 'close');
  const violations: FieldViolation[] = [];
  for (const key of ['timeliness', 'effort'] as const) {
    const v = c.rating[key];
    if (!Number.isInteger(v) || v < 1 || v > 5)
      violations.push({ field: `rating.${key}`, reason: 'RANGE', description: '1 to 5' });
  }
  const comment = c.rating.comment?.trim() ?? '';
  if ([...comment].length > MAX_TEXT)
    violations.push({ field: 'rating.comment', reason: 'TOO_LONG', description: `at most ${MAX_TEXT} characters` });
  throwIfInvalid(violations);
  const rating: Rating = { timeliness: c.rating.timeliness, effort: c.rating.effort, ...(comment ? { comment } : {}) };
  return next(r, { status: 'closed', rating, closedOn: today }, { type: 'closed', rating });
}

/** The requester withdraws a request not yet answered. */
export function withdraw(r: AssistanceRequest, c: Acting & { reason: string }, today: PlainDate): RequestTransition {
  guard(r, c, 'requester', ['submitted', 'accepted'], 'withdraw');
  const violations: FieldViolation[] = [];
  const reason = text(c.reason, 'reason', MAX_TEXT, violations);
  throwIfInvalid(violations);
  return next(r, { status: 'withdrawn', closedOn: today }, { type: 'withdrawn', reason });
}

/** The requester supplies the written form of an urgent request. */
export function regularise(r: AssistanceRequest, c: Acting): RequestTransition {
  guard(r, c, 'requester', ['submitted', 'accepted', 'answered', 'declined'], 'regularise');
  if (!r.urgent || r.regulariseBy === undefined)
    throw new AppError('ASSIST_ILLEGAL_TRANSITION', `request ${r.id} needs no written form`);
  const { regulariseBy: _due, ...rest } = r;
  return next(rest as AssistanceRequest, {}, { type: 'regularised' });
}

/** The requester disputes a decline; the coordinator decides ({@link decideDispute}). */
export function raiseDispute(
  r: AssistanceRequest,
  c: Acting & { reason: string },
  today: PlainDate,
): RequestTransition {
  guard(r, c, 'requester', ['declined'], 'dispute');
  if (r.dispute && !r.dispute.decision)
    throw new AppError('ASSIST_ILLEGAL_TRANSITION', `request ${r.id} is disputed already`);
  const violations: FieldViolation[] = [];
  const reason = text(c.reason, 'reason', MAX_TEXT, violations);
  throwIfInvalid(violations);
  return next(r, { dispute: { raisedOn: today, reason } }, { type: 'dispute-raised', reason });
}

/**
 * The coordinator decides an open dispute: `must-assist` reopens the request as accepted, due the item's time limit
 * from the decision; `decline-upheld` leaves it declined.
 */
export function decideDispute(
  r: AssistanceRequest,
  item: CatalogueItem,
  c: Acting & { ruling: 'must-assist' | 'decline-upheld'; reasons: string },
  today: PlainDate,
  calendar: WorkCalendar,
): RequestTransition {
  guard(r, c, 'coordinator', ['declined'], 'decide a dispute on');
  if (!r.dispute || r.dispute.decision)
    throw new AppError('ASSIST_ILLEGAL_TRANSITION', `request ${r.id} has no open dispute`);
  const violations: FieldViolation[] = [];
  const reasons = text(c.reasons, 'reasons', MAX_TEXT, violations);
  throwIfInvalid(violations);
  const dispute: Dispute = { ...r.dispute, decision: { ruling: c.ruling, reasons, decidedOn: today } };
  const change: Partial<AssistanceRequest> =
    c.ruling === 'must-assist'
      ? {
          dispute,
          status: 'accepted',
          acceptedOn: today,
          dueDate: calendar.addWorkingDays(today, item.timeLimitWorkingDays),
        }
      : { dispute };
  return next(r, change, { type: 'dispute-decided', ruling: c.ruling });
}

/** Who may read a request: its two departments and the coordinator; the answer's fields only the two departments. */
export function mayRead(r: AssistanceRequest, actor: Actor): { request: boolean; answer: boolean } {
  const party = actor.department === r.requester || actor.department === r.provider;
  return { request: party || actor.coordinator === true, answer: party };
}

type Side = 'requester' | 'provider' | 'coordinator';

function sideOf(r: AssistanceRequest, actor: Actor): 'requester' | 'provider' {
  if (actor.department === r.requester) return 'requester';
  if (actor.department === r.provider) return 'provider';
  throw new AppError('ASSIST_NOT_REQUESTER', `${actor.department} is neither side of request ${r.id}`);
}

const NOT_CODE = {
  requester: 'ASSIST_NOT_REQUESTER',
  provider: 'ASSIST_NOT_PROVIDER',
  coordinator: 'ASSIST_NOT_COORDINATOR',
} as const;

function guard(r: AssistanceRequest, c: Acting, side: Side, from: readonly RequestStatus[], verb: string): void {
  const allowed =
    side === 'coordinator'
      ? c.actor.coordinator === true
      : c.actor.department === (side === 'requester' ? r.requester : r.provider);
  if (!allowed) throw new AppError(NOT_CODE[side], `only the ${side} may ${verb} request ${r.id}`);
  if (c.expectedVersion !== r.version) {
    throw new AppError(
      'ASSIST_VERSION_CONFLICT',
      `request ${r.id} is at version ${r.version}, not ${c.expectedVersion}: someone changed it; read it again`,
      { details: { meta: { version: String(r.version) } } },
    );
  }
  if (!from.includes(r.status))
    throw new AppError('ASSIST_ILLEGAL_TRANSITION', `cannot ${verb} request ${r.id}: it is ${r.status}`);
}

function next(r: AssistanceRequest, change: Partial<AssistanceRequest>, fact: RequestFact): RequestTransition {
  return { request: { ...r, ...change, version: r.version + 1 }, fact };
}

function text(value: string | undefined, field: string, max: number, out: FieldViolation[]): string {
  const t = (value ?? '').trim();
  if (t === '') out.push({ field, reason: 'REQUIRED', description: 'required' });
  else if ([...t].length > max) out.push({ field, reason: 'TOO_LONG', description: `at most ${max} characters` });
  return t;
}

function throwIfInvalid(violations: FieldViolation[]): void {
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
}

/** A due date the caller named: a calendar date in a loaded year, not before `floor`. */
function dueDateOf(value: string, floor: PlainDate, calendar: WorkCalendar): PlainDate {
  const day = (() => {
    try {
      return calendar.day(value);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw invalid('INVALID_ARGUMENT', [{ field: 'due_date', reason: 'DATE', description: why }]);
    }
  })();
  if (day.date < floor) {
    throw invalid('ASSIST_DUE_DATE_TOO_EARLY', [
      {
        field: 'due_date',
        reason: 'TOO_EARLY',
        description: `not before ${floor} (the item's time limit in working days)`,
      },
    ]);
  }
  return day.date;
}
