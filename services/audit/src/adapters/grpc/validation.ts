import { type FieldViolation, invalid } from '@onceonly/errors';

// Every request field comes from the caller: sizes, indexes, page tokens and times are checked here, and all the
// faults of one request are reported together as INVALID_ARGUMENT with one field violation each.

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_TEXT = 1024;

/** Collects field violations; `done()` throws INVALID_ARGUMENT when there are any. */
export class Check {
  readonly violations: FieldViolation[] = [];

  fail(field: string, reason: string, description: string): void {
    this.violations.push({ field, reason, description });
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

  /** Non-empty text of at most 1024 characters. */
  text(field: string, value: string, options: { required?: boolean } = {}): string {
    if (value === '' && options.required) this.fail(field, 'REQUIRED', 'required');
    if (value.length > MAX_TEXT) this.fail(field, 'TOO_LONG', `at most ${MAX_TEXT} characters`);
    return value;
  }

  /** An RFC 3339 instant, or undefined when empty. */
  instant(field: string, value: string): Date | undefined {
    if (value === '') return undefined;
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      this.fail(field, 'NOT_RFC3339', 'must be an RFC 3339 instant, e.g. 2024-05-01T08:30:00Z');
      return undefined;
    }
    return new Date(value);
  }

  /** The page size: default 100, at most `max`. */
  pageSize(field: string, value: number | undefined, max = 1000): number {
    if (value === undefined || value === 0) return Math.min(100, max);
    if (!Number.isInteger(value) || value < 0 || value > max) {
      this.fail(field, 'OUT_OF_RANGE', `between 1 and ${max}`);
      return 1;
    }
    return value;
  }

  /** Decodes an opaque page token (what {@link pageToken} made) into the position after which to continue. */
  after(field: string, token: string | undefined): string | undefined {
    if (!token) return undefined;
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    const match = /^after:(0|[1-9][0-9]{0,18})$/.exec(decoded);
    if (!match) {
      this.fail(field, 'PAGE_TOKEN_INVALID', 'not a page token this service issued');
      return undefined;
    }
    return match[1];
  }

  done(): void {
    if (this.violations.length > 0) throw invalid('INVALID_ARGUMENT', this.violations);
  }
}

/** An opaque page token for "continue after `position`". */
export function pageToken(position: string | number): string {
  return Buffer.from(`after:${position}`, 'utf8').toString('base64url');
}
