import { type FieldViolation, invalid } from '@onceonly/errors';
import type { ValidityRule } from './catalogue.js';
import { type CalendarDate, isCalendarDate, validityEnd } from './dates.js';

/** A validity window: both ends included; no end for long-term. */
export interface Validity {
  readonly validFrom: CalendarDate;
  readonly validTo?: CalendarDate;
}

/** What a request may say about validity (empty strings count as absent). */
export interface ValidityInput {
  readonly validFrom?: string;
  readonly validTo?: string;
}

function fail(field: string, reason: string, description: string): never {
  const violation: FieldViolation = { field, reason, description };
  throw invalid('CERT_VALIDITY_INVALID', [violation]);
}

function dateOrUndefined(value: string | undefined, field: string): CalendarDate | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  if (!isCalendarDate(text)) fail(field, 'DATE', 'not a date (YYYY-MM-DD)');
  return text;
}

function defaultEnd(rule: ValidityRule, from: CalendarDate, componentsEnd: CalendarDate | undefined) {
  if (rule.kind === 'years') return validityEnd(from, rule.years);
  if (rule.kind === 'components') return componentsEnd;
  return undefined;
}

/**
 * The validity of a new certificate: from the request, else from today and the type's rule. For an industry
 * licence (`components`), `componentsEnd` is the earliest end of its components and the end may not pass it.
 * @throws AppError CERT_VALIDITY_INVALID: a malformed date (DATE), an end before the start (END_BEFORE_START), an
 * end already past (ENDED), or an end after the earliest component's (BEYOND_COMPONENTS).
 */
export function resolveValidity(
  rule: ValidityRule,
  input: ValidityInput,
  today: CalendarDate,
  componentsEnd?: CalendarDate,
): Validity {
  const validFrom = dateOrUndefined(input.validFrom, 'valid_from') ?? today;
  const validTo = dateOrUndefined(input.validTo, 'valid_to') ?? defaultEnd(rule, validFrom, componentsEnd);
  if (validTo === undefined) return { validFrom };
  if (validTo < validFrom) fail('valid_to', 'END_BEFORE_START', 'the end of validity is before its start');
  if (validTo < today) fail('valid_to', 'ENDED', 'the end of validity has already passed');
  if (rule.kind === 'components' && componentsEnd !== undefined && validTo > componentsEnd) {
    fail('valid_to', 'BEYOND_COMPONENTS', 'an industry licence cannot outlast its earliest-ending permit');
  }
  return { validFrom, validTo };
}
