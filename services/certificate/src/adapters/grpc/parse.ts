import { HolderCodeType, type HolderRef } from '@onceonly/contracts';
import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import type { HolderInput } from '../../domain/holder.js';

/**
 * Request parsing at the edge. Everything here comes from the caller and is hostile until checked: sizes are
 * bounded before any work, enums mapped, identifiers left to the domain's validators (which check the check
 * characters). Violations are collected and answered as INVALID_ARGUMENT with one field violation each.
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
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
const CERTIFICATE_ID = /^[0-9a-fA-F-]{1,64}$/;

/** Collects violations; `done()` throws INVALID_ARGUMENT when there are any. */
export class Violations {
  readonly list: FieldViolation[] = [];

  add(field: string, reason: string, description: string): void {
    this.list.push({ field, reason, description });
  }

  done(): void {
    if (this.list.length > 0) throw invalid('INVALID_ARGUMENT', this.list);
  }
}

/** A free-text value, bounded. */
export function text(value: string | undefined, field: string, out: Violations, max = MAX_TEXT): string {
  const v = value ?? '';
  if (v.length > max) out.add(field, 'TOO_LONG', `at most ${max} characters`);
  return v;
}

/** An idempotency key: empty (none), or 1-128 printable ASCII characters. */
export function idempotencyKey(value: string, out: Violations, field = 'idempotency_key'): string {
  if (value === '') return '';
  if (!IDEMPOTENCY_KEY.test(value)) out.add(field, 'IDEMPOTENCY_KEY', '1 to 128 printable ASCII characters');
  return value;
}

/** A certificate id (this hub's UUIDs): required and of the right shape. */
export function certificateId(value: string, out: Violations, field = 'id'): string {
  const v = value.trim();
  if (v === '') out.add(field, 'REQUIRED', 'the certificate id is required');
  else if (!CERTIFICATE_ID.test(v)) out.add(field, 'CERTIFICATE_ID', 'not a certificate id');
  return v;
}

/**
 * Face fields: bounded in count and size (REQUEST_TOO_LARGE past the bounds, before anything else); the schema
 * checks (known keys, required, formats) are the domain's.
 */
export function faceFields(fields: Record<string, string> | undefined, field = 'fields'): Record<string, string> {
  const entries = Object.entries(fields ?? {});
  const chars = entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
  const tooLong = entries.find(([k, v]) => k.length > MAX_FIELD_KEY || v.length > MAX_FIELD_VALUE);
  if (entries.length > MAX_FIELDS || chars > MAX_FACE_CHARS || tooLong !== undefined) {
    throw new AppError('REQUEST_TOO_LARGE', `${field}: at most ${MAX_FIELDS} fields, ${MAX_FACE_CHARS} characters`, {
      details: { fields: [{ field, reason: 'TOO_LARGE', description: 'too many or too long face fields' }] },
    });
  }
  return Object.fromEntries(entries);
}

/** The holder code type as the domain spells it; '' when unspecified (the domain reports it). */
export function codeTypeOf(type: HolderCodeType | undefined): string {
  if (type === HolderCodeType.HOLDER_CODE_TYPE_USCC) return '001';
  if (type === HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID) return '111';
  return '';
}

/** A holder reference: bounded here, validated (check characters, name) by the domain's `holderOf`. */
export function holderInput(ref: HolderRef | undefined, out: Violations, field = 'holder'): HolderInput {
  if (ref === undefined) {
    out.add(field, 'REQUIRED', 'the holder is required');
    return { code: '', codeType: '', name: '' };
  }
  return {
    code: text(ref.code, `${field}.code`, out, 256),
    codeType: codeTypeOf(ref.codeType),
    name: text(ref.name, `${field}.name`, out, 1000),
  };
}
