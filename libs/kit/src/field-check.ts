import { type ErrorCode, type FieldViolation, invalid } from '@onceonly/errors';
import { containsCitizenId } from '@onceonly/ids';
import { TEXT_FAULT_DESCRIPTIONS, textFault } from './text-rule.js';
import { parseInstant } from './timestamps.js';

/**
 * Request checking at the edge, one way for every service: a `FieldCheck` collects every fault of one request as a
 * field violation (argument order: field, value, options), then `done()` throws them together as one coded
 * AppError. Everything a request carries is hostile until checked here; the domain then sees only checked values.
 *
 * @example
 * const check = new FieldCheck();
 * const reason = check.text('reason', request.reason, { max: 4000 });
 * const at = check.instant('compromised_at', request.compromisedAt);
 * check.done(); // INVALID_ARGUMENT, TEXT_INVALID or PERSONAL_DATA_IN_TEXT with google.rpc.BadRequest details
 */

/** Options of {@link FieldCheck.text}. */
export interface TextOptions {
  /** Most code points (the field's limit). */
  readonly max: number;
  /** Empty (after trimming, when `trim`) is a REQUIRED violation. */
  readonly required?: boolean;
  /** Prose over several lines: line feeds and tabs allowed (see the text rule). */
  readonly multiline?: boolean;
  /** Trim surrounding white space before checking; the trimmed value is returned. */
  readonly trim?: boolean;
  /** The field is where a citizen ID belongs (a holder code): do not refuse one. */
  readonly mayHoldCitizenId?: boolean;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Collects field violations of one request and throws them as one coded AppError. */
export class FieldCheck {
  readonly violations: FieldViolation[] = [];
  readonly #codes = new Set<ErrorCode>();

  /**
   * Runs `read` with a fresh check and returns what it read once every field passed: the shape of a `parseX`.
   * @example export const parseRevoke = (r: RevokeRequest) => FieldCheck.parse((c) => ({ reason: c.text('reason', r.reason, { max: 500 }) }));
   */
  static parse<T>(read: (check: FieldCheck) => T): T {
    const check = new FieldCheck();
    const value = read(check);
    check.done();
    return value;
  }

  /**
   * Records a violation. `code` is the error code it calls for: when every violation of the request calls for
   * the same code, `done()` throws that code; when they differ, the general INVALID_ARGUMENT.
   */
  fail(field: string, reason: string, description: string, code: ErrorCode = 'INVALID_ARGUMENT'): void {
    this.violations.push({ field, reason, description });
    this.#codes.add(code);
  }

  /** True when nothing was recorded so far. */
  get ok(): boolean {
    return this.violations.length === 0;
  }

  /**
   * Free text under the one text rule: valid UTF-8, NFC, no control, bidi or invisible characters, at most `max`
   * code points (TEXT_INVALID, or INVALID_ARGUMENT TOO_LONG), and no citizen ID (PERSONAL_DATA_IN_TEXT).
   */
  text(field: string, value: string | undefined, options: TextOptions): string {
    const v = options.trim ? (value ?? '').trim() : (value ?? '');
    if (v === '') {
      if (options.required) this.fail(field, 'REQUIRED', 'required');
      return v;
    }
    const fault = textFault(v, options);
    if (fault === 'TOO_LONG') this.fail(field, 'TOO_LONG', `at most ${options.max} characters`);
    else if (fault !== undefined) this.fail(field, fault, TEXT_FAULT_DESCRIPTIONS[fault], 'TEXT_INVALID');
    else if (!options.mayHoldCitizenId && containsCitizenId(v)) {
      const description = 'looks like a citizen ID: name a person in the holder field, never in free text';
      this.fail(field, 'CITIZEN_ID', description, 'PERSONAL_DATA_IN_TEXT');
    }
    return v;
  }

  /** An RFC 3339 instant with an offset, or undefined when empty; `reason` names the fault. */
  instant(field: string, value: string, reason = 'TIMESTAMP'): Date | undefined {
    if (value === '') return undefined;
    const at = parseInstant(value);
    if (at === undefined) {
      this.fail(field, reason, 'an RFC 3339 date-time with an offset, e.g. 2025-03-10T08:00:00+08:00');
    }
    return at;
  }

  /** A non-negative int64 (ts-proto gives a decimal string) that fits in a safe integer; `fallback` if unset. */
  count(field: string, value: string | undefined, fallback?: number): number {
    if (value === undefined || value === '') {
      if (fallback !== undefined) return fallback;
      this.fail(field, 'REQUIRED', 'required');
      return 0;
    }
    if (!DECIMAL.test(value) || !Number.isSafeInteger(Number(value))) {
      this.fail(field, 'OUT_OF_RANGE', 'must be a non-negative integer below 2^53');
      return 0;
    }
    return Number(value);
  }

  /** A page size: 100 (or `max` when smaller) when unset, else 1 to `max`. */
  pageSize(field: string, value: number | undefined, max = 1000): number {
    if (value === undefined || value === 0) return Math.min(100, max);
    if (!Number.isInteger(value) || value < 0 || value > max) {
      this.fail(field, 'OUT_OF_RANGE', `between 1 and ${max}`);
      return 1;
    }
    return value;
  }

  /** Throws every violation recorded as one AppError (see {@link FieldCheck.fail} for its code). */
  done(): void {
    if (this.violations.length === 0) return;
    const code = this.#codes.size === 1 ? [...this.#codes][0]! : 'INVALID_ARGUMENT';
    throw invalid(code, [...this.violations]);
  }
}
