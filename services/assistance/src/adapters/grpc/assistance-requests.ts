import { assistanceV1 as av } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { type FieldKind, type FieldSchema, type FieldSpec, MAX_SCHEMA_FIELDS } from '@onceonly/fields';
import { type Uscc, validateCitizenId, validateUscc } from '@onceonly/ids';
import { FieldCheck, textFault } from '@onceonly/kit';
import type { PageCursor } from '../../app/ports.js';
import type { SubmitInput } from '../../app/submit-request.js';
import type { AssistanceKind, ItemDefinition } from '../../domain/catalogue.js';
import type { Actor, RequestStatus } from '../../domain/request.js';
import { statusFromProto } from './to-proto.js';

/**
 * One parser per AssistanceService RPC: the request in, the use case's input out, or one coded error naming every
 * field at fault (the kit's FieldCheck: the text rule, no citizen ID in free text). Nothing runs before a request
 * has parsed.
 */

const MAX_ID = 100;
const MAX_TEXT = 2_000;
const MAX_FIELDS = 64;
const MAX_FIELD_KEY = 40;
const MAX_FIELD_VALUE = 4_000;
const MAX_LIST = 50;
const MAX_PAGE = 200;

const id = (check: FieldCheck, value: string, field = 'id') =>
  check.text(field, value, { max: MAX_ID, required: true, trim: true });
const prose = (check: FieldCheck, field: string, value: string, required = true) =>
  check.text(field, value, { max: MAX_TEXT, required, multiline: true, trim: true });
const date = (check: FieldCheck, field: string, value: string) => check.text(field, value, { max: 10, trim: true });

function version(check: FieldCheck, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    check.fail('expected_version', 'REQUIRED', 'the version you read (from 1)');
  return value;
}

/** A map of fields: bounded, keys snake_case, values under the text rule (no citizen ID). */
function fields(check: FieldCheck, map: Record<string, string> | undefined, field = 'fields'): Record<string, string> {
  const entries = Object.entries(map ?? {});
  if (entries.length > MAX_FIELDS) check.fail(field, 'TOO_MANY', `at most ${MAX_FIELDS} fields`);
  const out: Record<string, string> = {};
  for (const [key, value] of entries.slice(0, MAX_FIELDS)) {
    // a bad key is reported against the map, never echoed (it may be a control sequence or an ID)
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(key) || textFault(key, { max: MAX_FIELD_KEY }) !== undefined) {
      check.fail(field, 'FIELD_KEY', 'field keys are snake_case, at most 40 characters');
      continue;
    }
    out[key] = check.text(`${field}.${key}`, value, { max: MAX_FIELD_VALUE, multiline: true });
  }
  return out;
}

function list(check: FieldCheck, field: string, values: readonly string[], max: number): string[] {
  if (values.length > MAX_LIST) check.fail(field, 'TOO_MANY', `at most ${MAX_LIST}`);
  return values.slice(0, MAX_LIST).map((v, i) => check.text(`${field}[${i}]`, v, { max, required: true, trim: true }));
}

function subject(check: FieldCheck, s: av.Subject | undefined): SubmitInput['subject'] {
  const which = s?.subject;
  if (which === undefined) return undefined;
  if (which.$case === 'organisationCode') {
    const result = validateUscc(which.value);
    if (!result.ok) check.fail('subject.organisation_code', 'USCC', result.message);
    return { kind: 'organisation', code: which.value.trim().toUpperCase() };
  }
  if (which.$case === 'citizenId') {
    const result = validateCitizenId(which.value);
    // the ID is never echoed in the error: only that it is not one
    if (!result.ok) check.fail('subject.citizen_id', 'CITIZEN_ID', 'not a valid citizen ID');
    return result.ok ? { kind: 'citizen', id: result.value.id } : undefined;
  }
  check.fail('subject', 'MASKED', 'name the person by citizen ID; the masked ID is what the hub answers');
  return undefined;
}

export function parseSubmit(r: av.SubmitRequestRequest, actor: Actor): SubmitInput {
  return FieldCheck.parse((check) => {
    const s = subject(check, r.subject);
    return {
      actor,
      idempotencyKey: check.text('idempotency_key', r.idempotencyKey, { max: MAX_ID, required: true, trim: true }),
      itemCode: id(check, r.itemCode, 'item_code'),
      ...(r.providerCode.trim()
        ? { provider: check.text('provider_code', r.providerCode, { max: MAX_ID, trim: true }) }
        : {}),
      caseId: check.text('case_id', r.caseId, { max: MAX_ID, required: true, trim: true }),
      legalBasis: prose(check, 'legal_basis', r.legalBasis),
      purpose: prose(check, 'purpose', r.purpose),
      ...(s ? { subject: s } : {}),
      fields: fields(check, r.fields),
      ...(r.dueDate.trim() ? { dueDate: date(check, 'due_date', r.dueDate) } : {}),
      urgent: r.urgent,
    };
  });
}

/** Every command on a request names it and the version read. */
export function parseActing<T extends { id: string; expectedVersion: number }>(
  r: T,
): { id: string; expectedVersion: number } {
  return FieldCheck.parse((check) => ({ id: id(check, r.id), expectedVersion: version(check, r.expectedVersion) }));
}

export function parseWithText<T extends { id: string; expectedVersion: number }>(
  r: T,
  field: string,
  value: string,
): { id: string; expectedVersion: number; text: string } {
  return FieldCheck.parse((check) => ({
    id: id(check, r.id),
    expectedVersion: version(check, r.expectedVersion),
    text: prose(check, field, value),
  }));
}

export function parseSupply(r: av.SupplyRequestRequest) {
  return FieldCheck.parse((check) => {
    const f = fields(check, r.fields);
    return {
      id: id(check, r.id),
      expectedVersion: version(check, r.expectedVersion),
      ...(Object.keys(f).length > 0 ? { fields: f } : {}),
    };
  });
}

export function parseProposeDueDate(r: av.ProposeDueDateRequest) {
  return FieldCheck.parse((check) => ({
    id: id(check, r.id),
    expectedVersion: version(check, r.expectedVersion),
    date: check.text('date', r.date, { max: 10, required: true, trim: true }),
  }));
}

export function parseReassign(r: av.ReassignRequestRequest) {
  return FieldCheck.parse((check) => ({
    id: id(check, r.id),
    expectedVersion: version(check, r.expectedVersion),
    assignee: check.text('assignee', r.assignee, { max: MAX_ID, required: true, trim: true }),
  }));
}

export function parseAnswer(r: av.AnswerRequestRequest) {
  return FieldCheck.parse((check) => ({
    id: id(check, r.id),
    expectedVersion: version(check, r.expectedVersion),
    fields: fields(check, r.fields),
    attachments: list(check, 'attachment_sha256', r.attachmentSha256, 64),
    certificates: list(check, 'certificate_ids', r.certificateIds, 200),
  }));
}

export function parseClose(r: av.CloseRequestRequest) {
  return FieldCheck.parse((check) => ({
    id: id(check, r.id),
    expectedVersion: version(check, r.expectedVersion),
    rating: {
      timeliness: r.rating?.timeliness ?? 0,
      effort: r.rating?.effort ?? 0,
      comment: prose(check, 'rating.comment', r.rating?.comment ?? '', false),
    },
  }));
}

export function parseDecideDispute(r: av.DecideDisputeRequest) {
  return FieldCheck.parse((check) => ({
    id: id(check, r.id),
    expectedVersion: version(check, r.expectedVersion),
    ruling: r.mustAssist ? ('must-assist' as const) : ('decline-upheld' as const),
    reasons: prose(check, 'reasons', r.reasons),
  }));
}

export function parseGetItem(r: av.GetItemRequest) {
  return FieldCheck.parse((check) => {
    if (!Number.isInteger(r.version) || r.version < 0) check.fail('version', 'RANGE', '0 (the latest) or a version');
    return { code: id(check, r.code, 'code'), ...(r.version > 0 ? { version: r.version } : {}) };
  });
}

export function parseGetRequest(r: av.GetRequestRequest) {
  return FieldCheck.parse((check) => ({ id: id(check, r.id) }));
}

function pageCursor(check: FieldCheck, token: string): PageCursor | undefined {
  if (token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0]))
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // reported below
  }
  check.fail('page_token', 'PAGE_TOKEN', 'not a page token this service gave');
  return undefined;
}

/** The page token of a cursor (opaque to clients). */
export function pageTokenOf(cursor: PageCursor | undefined): string {
  return cursor ? Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url') : '';
}

export function parseList(r: av.ListInboxRequest | av.ListOutboxRequest) {
  return FieldCheck.parse((check) => {
    const statuses: RequestStatus[] = [];
    for (const s of r.filter?.statuses ?? []) {
      const status = statusFromProto(s);
      if (status) statuses.push(status);
      else check.fail('filter.statuses', 'STATUS', 'a request status');
    }
    const after = pageCursor(check, r.pageToken);
    return {
      statuses,
      ...(r.filter?.itemCode.trim()
        ? { itemCode: check.text('filter.item_code', r.filter.itemCode, { max: MAX_ID, trim: true }) }
        : {}),
      overdueOnly: r.filter?.overdueOnly === true,
      pageSize: check.pageSize('page_size', r.pageSize, MAX_PAGE),
      ...(after ? { after } : {}),
    };
  });
}

export function parseIndicators(r: av.GetIndicatorsRequest) {
  return FieldCheck.parse((check) => {
    const grouping = {
      [av.IndicatorGrouping.INDICATOR_GROUPING_PROVIDER]: 'provider',
      [av.IndicatorGrouping.INDICATOR_GROUPING_REQUESTER]: 'requester',
      [av.IndicatorGrouping.INDICATOR_GROUPING_ITEM]: 'itemCode',
    }[r.grouping as number] as 'provider' | 'requester' | 'itemCode' | undefined;
    if (!grouping) check.fail('grouping', 'REQUIRED', 'provider, requester or item');
    const from = date(check, 'from', r.from);
    const to = date(check, 'to', r.to);
    return { grouping: grouping ?? 'provider', ...(from ? { from } : {}), ...(to ? { to } : {}) };
  });
}

/** Departments use this service; platforms and the portal do not. */
export function assertDepartment(role: string): void {
  if (role !== 'department') {
    throw new AppError('PERMISSION_DENIED', 'administrative assistance is between departments');
  }
}

const MAX_NAME = 200;
const MAX_DEPARTMENTS = 50;
const MAX_ENUM_VALUES = 100;

const KIND_OF: Partial<Record<av.AssistanceKind, AssistanceKind>> = {
  [av.AssistanceKind.ASSISTANCE_KIND_EXECUTE]: 'execute',
  [av.AssistanceKind.ASSISTANCE_KIND_INVESTIGATE]: 'investigate',
  [av.AssistanceKind.ASSISTANCE_KIND_OPINION]: 'opinion',
};

const FIELD_KIND_OF: Partial<Record<av.FieldKind, FieldKind>> = {
  [av.FieldKind.FIELD_KIND_STRING]: 'string',
  [av.FieldKind.FIELD_KIND_TEXT]: 'text',
  [av.FieldKind.FIELD_KIND_DATE]: 'date',
  [av.FieldKind.FIELD_KIND_ENUM]: 'enum',
  [av.FieldKind.FIELD_KIND_USCC]: 'uscc',
};

/** A schema's fields: every text under the text rule (no citizen ID), at most 64; the schema's rules are the domain's. */
function schemaOf(check: FieldCheck, field: string, specs: readonly av.FieldSpec[], nameEn: string): FieldSchema {
  if (specs.length > MAX_SCHEMA_FIELDS) check.fail(field, 'TOO_MANY', `at most ${MAX_SCHEMA_FIELDS} fields`);
  const fields = specs.slice(0, MAX_SCHEMA_FIELDS).map((s, i): FieldSpec => {
    const at = `${field}[${i}]`;
    const type = FIELD_KIND_OF[s.kind];
    if (!type) check.fail(`${at}.kind`, 'REQUIRED', 'string, text, date, enum or uscc');
    if (s.enumValues.length > MAX_ENUM_VALUES)
      check.fail(`${at}.enum_values`, 'TOO_MANY', `at most ${MAX_ENUM_VALUES}`);
    const pattern = check.text(`${at}.pattern`, s.pattern, { max: MAX_NAME });
    const enumValues = s.enumValues
      .slice(0, MAX_ENUM_VALUES)
      .map((v, j) => check.text(`${at}.enum_values[${j}]`, v, { max: MAX_NAME, required: true }));
    return {
      key: check.text(`${at}.key`, s.key, { max: MAX_FIELD_KEY, required: true }),
      labelZh: check.text(`${at}.label_zh`, s.labelZh, { max: MAX_NAME, required: true, trim: true }),
      labelEn: check.text(`${at}.label_en`, s.labelEn, { max: MAX_NAME, required: true, trim: true }),
      type: type ?? 'string',
      required: s.required,
      maxLength: s.maxLength,
      ...(pattern ? { pattern } : {}),
      ...(enumValues.length > 0 ? { enumValues } : {}),
    };
  });
  return { nameEn, fields };
}

function departments(check: FieldCheck, field: string, codes: readonly string[]): Uscc[] {
  if (codes.length > MAX_DEPARTMENTS) check.fail(field, 'TOO_MANY', `at most ${MAX_DEPARTMENTS}`);
  return codes
    .slice(0, MAX_DEPARTMENTS)
    .map((c, i) => check.text(`${field}[${i}]`, c, { max: MAX_ID, required: true, trim: true }).toUpperCase() as Uscc);
}

/**
 * A catalogue item as the keeper publishes it, in the shape GetItem answers (its version ignored): every text under
 * the kit's text rule (no NUL, bidi or citizen ID), kinds known, lists bounded. The item's own rules (code, time
 * limit, departments of the directory, sound schemas) are the domain's (`publishedItem`).
 */
export function parsePublishItem(r: av.PublishItemRequest): { definition: ItemDefinition; expectedVersion: number } {
  return FieldCheck.parse((check) => {
    const item = r.item;
    if (!item) check.fail('item', 'REQUIRED', 'the item to publish');
    const i = item ?? av.Item.fromPartial({});
    if (!Number.isInteger(r.expectedVersion) || r.expectedVersion < 0) {
      check.fail('expected_version', 'RANGE', '0 for a new item, else the latest version you read');
    }
    const kind = KIND_OF[i.kind];
    if (item && !kind) check.fail('item.kind', 'REQUIRED', 'execute, investigate or opinion');
    if (i.anyRequester && i.requesterCodes.length > 0) {
      check.fail('item.requester_codes', 'EXCLUSIVE', 'either any_requester or named requesters');
    }
    const nameEn = check.text('item.name_en', i.nameEn, { max: MAX_NAME, required: true, trim: true });
    const definition: ItemDefinition = {
      code: check.text('item.code', i.code, { max: 20, required: true, trim: true }),
      nameZh: check.text('item.name_zh', i.nameZh, { max: MAX_NAME, required: true, trim: true }),
      nameEn,
      kind: kind ?? 'opinion',
      providers: departments(check, 'item.provider_codes', i.providerCodes),
      requesters: i.anyRequester ? 'any' : departments(check, 'item.requester_codes', i.requesterCodes),
      legalBasis: {
        law: check.text('item.legal_basis.law', i.legalBasis?.law, { max: MAX_NAME, required: true, trim: true }),
        article: check.text('item.legal_basis.article', i.legalBasis?.article, {
          max: MAX_NAME,
          required: true,
          trim: true,
        }),
      },
      timeLimitWorkingDays: i.timeLimitWorkingDays,
      urgentAllowed: i.urgentAllowed,
      aboutPerson: i.aboutPerson,
      request: schemaOf(check, 'item.request_fields', i.requestFields, `${nameEn}: request`),
      answer: schemaOf(check, 'item.answer_fields', i.answerFields, `${nameEn}: answer`),
    };
    return { definition, expectedVersion: r.expectedVersion };
  });
}
