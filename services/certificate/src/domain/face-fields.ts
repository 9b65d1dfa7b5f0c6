import { type FieldViolation, invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import type { CertificateType, FieldSpec } from './catalogue.js';
import { isCalendarDate } from './dates.js';

/**
 * Validation of a certificate's face (照面信息) against its type's schema. Values come from callers: every rule is
 * checked here, and a violation names the field as `fields.<key>` with a stable reason.
 */

/** Why a face field was rejected. */
export const FIELD_REASONS = [
  'FIELD_UNKNOWN',
  'FIELD_REQUIRED',
  'FIELD_TOO_LONG',
  'FIELD_PATTERN',
  'FIELD_FORMAT',
  'FIELD_DATE',
  'FIELD_ENUM',
  'FIELD_USCC',
] as const;

/** One of {@link FIELD_REASONS}. */
export type FieldReason = (typeof FIELD_REASONS)[number];

/** The face of a certificate: values by field key. */
export type FaceFields = Readonly<Record<string, string>>;

/** Length limits of each type when the schema sets none. */
const DEFAULT_MAX_LENGTH: Record<'string' | 'text', number> = { string: 200, text: 4000 };
// One-line values carry no control characters; text may carry line breaks and tabs, nothing else.
const STRING_CONTROL = /\p{Cc}/u;
const TEXT_CONTROL = /[^\P{Cc}\n\r\t]/u;

function violation(key: string, reason: FieldReason, description: string): FieldViolation {
  return { field: `fields.${key}`, reason, description };
}

function lengthOf(value: string): number {
  return [...value].length;
}

// Dates, enums and credit codes are checked by kind (their own rules bound their length).
function checkTyped(spec: FieldSpec, value: string): FieldViolation | undefined {
  const { key } = spec;
  if (spec.type === 'date' && !isCalendarDate(value)) return violation(key, 'FIELD_DATE', 'not a date (YYYY-MM-DD)');
  if (spec.type === 'enum' && !spec.enumValues?.includes(value)) {
    return violation(key, 'FIELD_ENUM', `must be one of: ${(spec.enumValues ?? []).join(', ')}`);
  }
  if (spec.type === 'uscc') {
    const result = validateUscc(value);
    if (!result.ok) return violation(key, 'FIELD_USCC', result.message);
  }
  return undefined;
}

function checkText(spec: FieldSpec, value: string): FieldViolation | undefined {
  const max = spec.maxLength > 0 ? spec.maxLength : DEFAULT_MAX_LENGTH[spec.type === 'text' ? 'text' : 'string'];
  if (lengthOf(value) > max) return violation(spec.key, 'FIELD_TOO_LONG', `at most ${max} characters`);
  const control = spec.type === 'text' ? TEXT_CONTROL : STRING_CONTROL;
  if (control.test(value)) return violation(spec.key, 'FIELD_FORMAT', 'contains control characters');
  return undefined;
}

function checkValue(spec: FieldSpec, value: string): FieldViolation | undefined {
  const problem = spec.type === 'string' || spec.type === 'text' ? checkText(spec, value) : checkTyped(spec, value);
  if (problem) return problem;
  if (spec.pattern !== undefined && !new RegExp(spec.pattern, 'u').test(value)) {
    return violation(spec.key, 'FIELD_PATTERN', `does not match ${spec.pattern}`);
  }
  return undefined;
}

/** Trims every value and drops the empty ones: an empty optional field is an absent one. */
export function normaliseFaceFields(fields: Readonly<Record<string, string>>): FaceFields {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(fields)) {
    const value = raw.trim();
    if (value !== '') out[key] = value;
  }
  return out;
}

/**
 * Every violation of the schema by a (normalised) face, in schema order then unknown keys: a field the type
 * does not have, a required field missing, too long, control characters, a bad date, enum value, credit code or
 * pattern. An empty list means the face is valid.
 */
export function validateFaceFields(type: CertificateType, fields: FaceFields): FieldViolation[] {
  const known = new Set(type.fields.map((spec) => spec.key));
  const violations: FieldViolation[] = [];
  for (const spec of type.fields) {
    const value = fields[spec.key];
    if (value === undefined || value === '') {
      if (spec.required) violations.push(violation(spec.key, 'FIELD_REQUIRED', `${spec.labelZh} is required`));
      continue;
    }
    const problem = checkValue(spec, value);
    if (problem) violations.push(problem);
  }
  for (const key of Object.keys(fields).sort()) {
    if (!known.has(key)) violations.push(violation(key, 'FIELD_UNKNOWN', `${type.nameEn} has no such field`));
  }
  return violations;
}

/**
 * Normalises and validates a face.
 * @returns the normalised face.
 * @throws AppError CERT_FIELDS_INVALID with one field violation per problem.
 */
export function assertFaceFields(type: CertificateType, fields: Readonly<Record<string, string>>): FaceFields {
  const face = normaliseFaceFields(fields);
  const violations = validateFaceFields(type, face);
  if (violations.length > 0) throw invalid('CERT_FIELDS_INVALID', violations);
  return Object.freeze(face);
}

/** A change to a face: values to set and keys to clear. */
export interface FacePatch {
  readonly set?: Readonly<Record<string, string>>;
  readonly clear?: readonly string[];
}

/**
 * Applies a patch to a face (values normalised; setting a value to empty clears it) and names the keys whose value
 * changed. The result is not validated: pass it to {@link assertFaceFields}.
 */
export function patchFaceFields(current: FaceFields, patch: FacePatch): { fields: FaceFields; changed: string[] } {
  const next: Record<string, string> = { ...current };
  for (const key of patch.clear ?? []) delete next[key];
  for (const [key, raw] of Object.entries(patch.set ?? {})) {
    const value = raw.trim();
    if (value === '') delete next[key];
    else next[key] = value;
  }
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  const changed = [...keys].filter((key) => current[key] !== next[key]).sort();
  return { fields: next, changed };
}
