import { HolderCodeType, type HolderRef } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { containsCitizenId } from '@onceonly/ids';
import { type FieldCheck, textFault } from '@onceonly/kit';
import type { HolderInput } from '../../domain/holder.js';

/**
 * The field parsers the certificate service's requests share. Everything here comes from the caller and is hostile
 * until checked: sizes are bounded before any work, every string keeps the kit's text rule (and free text holds no
 * citizen ID), enums are mapped, identifiers are left to the domain's validators (which check the check
 * characters). Faults are collected in the request's {@link FieldCheck}; argument order: check, field, value.
 */

/** At most this many face fields in one request (the largest type has 8). */
export const MAX_FIELDS = 64;
/** At most this many characters in a field key. */
export const MAX_FIELD_KEY = 64;
/** At most this many characters in one value (the longest field allows 4,000). */
export const MAX_FIELD_VALUE = 8_000;
/** At most this many characters in all the face fields of one request together. */
export const MAX_FACE_CHARS = 64 * 1024;
/** Free text (reasons, claims, legal bases) is cut off here, before the domain's own, smaller limits. */
export const MAX_TEXT = 4_000;
/** A holder's name. */
export const MAX_HOLDER_NAME = 1_000;
/** Short codes and keys (type codes, purposes, field keys). */
export const MAX_CODE = 64;
/** Dates (`YYYY-MM-DD`) and division codes, bounded before the domain reads them. */
export const MAX_SHORT = 32;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
const CERTIFICATE_ID = /^[0-9a-fA-F-]{1,64}$/;

/** One-line free text (a reason, a legal basis, a name): the text rule, no citizen ID, at most `max` characters. */
export function line(check: FieldCheck, field: string, value: string | undefined, max = MAX_TEXT): string {
  return check.text(field, value, { max });
}

/**
 * Prose that may run over lines (a dispute claim, a resolution note, a face field of type text): line feeds and
 * tabs are kept, since a claim or a business scope is written in paragraphs and both are stored and shown as such.
 */
export function prose(check: FieldCheck, field: string, value: string | undefined, max = MAX_TEXT): string {
  return check.text(field, value, { max, multiline: true });
}

/** An idempotency key: empty (none), or 1-128 printable ASCII characters. */
export function idempotencyKey(check: FieldCheck, value: string, field = 'idempotency_key'): string {
  if (value === '') return '';
  if (!IDEMPOTENCY_KEY.test(value)) check.fail(field, 'IDEMPOTENCY_KEY', '1 to 128 printable ASCII characters');
  return value;
}

/** A certificate id (this hub's UUIDs): required and of the right shape. */
export function certificateId(check: FieldCheck, value: string, field = 'id'): string {
  const v = value.trim();
  if (v === '') check.fail(field, 'REQUIRED', 'the certificate id is required');
  else if (!CERTIFICATE_ID.test(v)) check.fail(field, 'CERTIFICATE_ID', 'not a certificate id');
  return v;
}

/** A list of short codes (type codes, field keys): at most 64, each a code. */
export function codes(check: FieldCheck, field: string, values: readonly string[]): string[] {
  if (values.length > 64) check.fail(field, 'TOO_MANY', 'at most 64');
  return values.slice(0, 64).map((value, i) => line(check, `${field}[${i}]`, value, MAX_CODE));
}

function tooLarge(field: string): AppError {
  return new AppError('REQUEST_TOO_LARGE', `${field}: at most ${MAX_FIELDS} fields, ${MAX_FACE_CHARS} characters`, {
    details: { fields: [{ field, reason: 'TOO_LARGE', description: 'too many or too long face fields' }] },
  });
}

/**
 * Face fields: bounded in count and size (REQUEST_TOO_LARGE past the bounds, before anything else), then every key
 * and value under the text rule (values may run over lines; the domain refuses line breaks in one-line fields) and
 * free of citizen IDs. The schema checks (known keys, required, formats) are the domain's.
 */
export function faceFields(check: FieldCheck, fields: Record<string, string> | undefined, field = 'fields') {
  const entries = Object.entries(fields ?? {});
  const chars = entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
  const tooLong = entries.find(([k, v]) => k.length > MAX_FIELD_KEY || v.length > MAX_FIELD_VALUE);
  if (entries.length > MAX_FIELDS || chars > MAX_FACE_CHARS || tooLong !== undefined) throw tooLarge(field);
  for (const [key, value] of entries) {
    if (faceKeyOk(check, field, key)) prose(check, `${field}.${key}`, value, MAX_FIELD_VALUE);
  }
  return Object.fromEntries(entries);
}

// A bad key is reported against the map, never echoed in a field path (it may be a control sequence or an ID).
function faceKeyOk(check: FieldCheck, field: string, key: string): boolean {
  const fault = textFault(key, { max: MAX_FIELD_KEY });
  if (fault !== undefined) check.fail(field, fault, 'a field key breaks the text rule', 'TEXT_INVALID');
  else if (containsCitizenId(key))
    check.fail(field, 'CITIZEN_ID', 'a field key holds a citizen ID', 'PERSONAL_DATA_IN_TEXT');
  else return true;
  return false;
}

/** The holder code type as the domain spells it; '' when unspecified (the domain reports it). */
export function codeTypeOf(type: HolderCodeType | undefined): string {
  if (type === HolderCodeType.HOLDER_CODE_TYPE_USCC) return '001';
  if (type === HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID) return '111';
  return '';
}

/** A holder code: where a citizen ID belongs (validated, hashed and masked by the domain), so not refused as one. */
export function holderCode(check: FieldCheck, field: string, value: string | undefined): string {
  return check.text(field, value, { max: 256, mayHoldCitizenId: true });
}

/** A holder reference: bounded and under the text rule here, validated (check characters) by the domain. */
export function holderInput(check: FieldCheck, ref: HolderRef | undefined, field = 'holder'): HolderInput {
  if (ref === undefined) {
    check.fail(field, 'REQUIRED', 'the holder is required');
    return { code: '', codeType: '', name: '' };
  }
  return {
    code: holderCode(check, `${field}.code`, ref.code),
    codeType: codeTypeOf(ref.codeType),
    name: line(check, `${field}.name`, ref.name, MAX_HOLDER_NAME),
  };
}
