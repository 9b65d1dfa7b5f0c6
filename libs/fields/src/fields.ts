import { type ErrorCode, type FieldViolation, invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import { isPlainDate } from '@onceonly/workdays';

/**
 * Field schemas of structured records: a licence's face (照面信息), an assistance request's and answer's fields. Values
 * come from callers: every rule is checked here, and a violation names the field as `fields.<key>` with a stable
 * reason.
 */

/** The type of a field: one line, a date, one of a list, a credit code, or free text. */
export type FieldKind = 'string' | 'date' | 'enum' | 'uscc' | 'text';

/** One field of a schema. */
export interface FieldSpec {
  /** Key in the record's `fields`, snake_case. */
  readonly key: string;
  readonly labelZh: string;
  readonly labelEn: string;
  readonly type: FieldKind;
  readonly required: boolean;
  /** Maximum length in characters (code points); 0 for the type's default limit. */
  readonly maxLength: number;
  /** Anchored regular expression (Unicode mode) that the value must match. */
  readonly pattern?: string;
  /** The allowed values of an `enum` field. */
  readonly enumValues?: readonly string[];
}

/** What a schema describes: its fields, and the name a violation quotes ("Food business licence has no such field"). */
export interface FieldSchema {
  readonly nameEn: string;
  readonly fields: readonly FieldSpec[];
}

/** Why a field was rejected. */
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

/** A record's fields: values by field key (a certificate's face, an assistance request's fields). */
export type FieldValues = Readonly<Record<string, string>>;

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
  if (spec.type === 'date' && !isPlainDate(value)) return violation(key, 'FIELD_DATE', 'not a date (YYYY-MM-DD)');
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
export function normaliseFieldValues(fields: Readonly<Record<string, string>>): FieldValues {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(fields)) {
    const value = raw.trim();
    if (value !== '') out[key] = value;
  }
  return out;
}

/**
 * Every violation of the schema by (normalised) fields, in schema order then unknown keys: a field the schema
 * does not have, a required field missing, too long, control characters, a bad date, enum value, credit code or
 * pattern. An empty list means the fields are valid.
 */
export function validateFieldValues(schema: FieldSchema, fields: FieldValues): FieldViolation[] {
  const known = new Set(schema.fields.map((spec) => spec.key));
  const violations: FieldViolation[] = [];
  for (const spec of schema.fields) {
    const value = fields[spec.key];
    if (value === undefined || value === '') {
      if (spec.required) violations.push(violation(spec.key, 'FIELD_REQUIRED', `${spec.labelZh} is required`));
      continue;
    }
    const problem = checkValue(spec, value);
    if (problem) violations.push(problem);
  }
  for (const key of Object.keys(fields).sort()) {
    if (!known.has(key)) violations.push(violation(key, 'FIELD_UNKNOWN', `${schema.nameEn} has no such field`));
  }
  return violations;
}

/**
 * Normalises and validates a record's fields.
 * @returns the normalised fields.
 * @throws AppError `code` (the caller's: CERT_FIELDS_INVALID for a licence face) with one field violation per
 * problem.
 */
export function assertFieldValues(
  schema: FieldSchema,
  fields: Readonly<Record<string, string>>,
  code: ErrorCode,
): FieldValues {
  const values = normaliseFieldValues(fields);
  const violations = validateFieldValues(schema, values);
  if (violations.length > 0) throw invalid(code, violations);
  return Object.freeze(values);
}

/** A change to a record's fields: values to set and keys to clear. */
export interface FieldPatch {
  readonly set?: Readonly<Record<string, string>>;
  readonly clear?: readonly string[];
}

/**
 * Applies a patch to a record's fields (values normalised; setting a value to empty clears it) and names the keys whose value
 * changed. The result is not validated: pass it to {@link assertFieldValues}.
 */
export function patchFieldValues(current: FieldValues, patch: FieldPatch): { fields: FieldValues; changed: string[] } {
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

/** The most fields a schema may have (a request's fields at the edge are bounded alike). */
export const MAX_SCHEMA_FIELDS = 64;
/** The longest a value may be made (`maxLength`), for either text kind. */
export const MAX_FIELD_LENGTH = 4000;
const FIELD_KINDS: readonly FieldKind[] = ['string', 'date', 'enum', 'uscc', 'text'];
const FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_ENUM_VALUES = 100;
const MAX_PATTERN = 200;
// A quantified group holding a quantifier ((a+)+, (a|b*)*, (x{2,}){3}): backtracking that can take exponential time
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/;

/**
 * Every rule a schema itself breaks, each named as `<field>.fields[i].<what>`: keys snake_case (at most 40
 * characters) and unique, labels in both languages, a known kind, a length limit of 0 (the kind's default) to
 * {@link MAX_FIELD_LENGTH}, enum values for an enum (unique, non-empty) and for nothing else, a pattern that compiles
 * in Unicode mode, at most 200 characters and without nested quantifiers (catastrophic backtracking), at most
 * {@link MAX_SCHEMA_FIELDS} fields. For schemas that come from callers (an assistance catalogue item published
 * through the service); an empty list means the schema is sound.
 */
export function schemaViolations(schema: FieldSchema, field: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  const add = (at: string, reason: string, description: string) => out.push({ field: at, reason, description });
  if (schema.fields.length > MAX_SCHEMA_FIELDS) add(`${field}.fields`, 'SCHEMA_SIZE', `at most ${MAX_SCHEMA_FIELDS}`);
  const seen = new Set<string>();
  schema.fields.slice(0, MAX_SCHEMA_FIELDS).forEach((spec, i) => {
    const at = `${field}.fields[${i}]`;
    if (!FIELD_KEY.test(spec.key)) add(`${at}.key`, 'SCHEMA_KEY', 'snake_case, at most 40 characters');
    else if (seen.has(spec.key)) add(`${at}.key`, 'SCHEMA_KEY', `key ${spec.key} twice`);
    seen.add(spec.key);
    if (spec.labelZh.trim() === '' || spec.labelEn.trim() === '') {
      add(`${at}.label`, 'SCHEMA_LABEL', 'a label in Chinese and in English');
    }
    if (!FIELD_KINDS.includes(spec.type)) add(`${at}.kind`, 'SCHEMA_KIND', `one of ${FIELD_KINDS.join(', ')}`);
    if (!Number.isInteger(spec.maxLength) || spec.maxLength < 0 || spec.maxLength > MAX_FIELD_LENGTH) {
      add(`${at}.max_length`, 'SCHEMA_LENGTH', `0 (the default) to ${MAX_FIELD_LENGTH}`);
    }
    const values = spec.enumValues ?? [];
    if (spec.type === 'enum') {
      if (values.length === 0 || values.length > MAX_ENUM_VALUES) {
        add(`${at}.enum_values`, 'SCHEMA_ENUM', `an enum has 1 to ${MAX_ENUM_VALUES} values`);
      } else if (values.some((v) => v.trim() === '' || v !== v.trim()) || new Set(values).size !== values.length) {
        add(`${at}.enum_values`, 'SCHEMA_ENUM', 'values non-empty, unpadded and unique');
      }
    } else if (values.length > 0) {
      add(`${at}.enum_values`, 'SCHEMA_ENUM', 'only an enum has values');
    }
    if (spec.pattern !== undefined && spec.pattern !== '') {
      const problem = patternProblem(spec.pattern);
      if (problem) add(`${at}.pattern`, 'SCHEMA_PATTERN', problem);
    }
  });
  return out;
}

function patternProblem(pattern: string): string | undefined {
  if ([...pattern].length > MAX_PATTERN) return `at most ${MAX_PATTERN} characters`;
  if (NESTED_QUANTIFIER.test(pattern))
    return 'no quantified group holding a quantifier (it can backtrack for a very long time)';
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'not a regular expression (Unicode mode)';
  }
  return undefined;
}
