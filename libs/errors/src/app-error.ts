import { type ErrorCode, isErrorCode } from './codes/index.js';

/** One invalid field of a request: carried to clients as a google.rpc.BadRequest field violation. */
export interface FieldViolation {
  /** Path of the field, for example `holder.code`. */
  field: string;
  /** Stable machine-readable reason, for example `USCC_CHECK_CHARACTER`. */
  reason: string;
  /** A sentence for a person. */
  description: string;
}

/** Structured details of an error: field violations plus free metadata (strings only, never personal data). */
export interface ErrorDetails {
  fields?: FieldViolation[];
  meta?: Record<string, string>;
}

export interface AppErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
}

/**
 * The one error type that crosses package boundaries: a stable code, a message for people, structured details,
 * and the cause it wraps.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The field violations, or an empty list. */
  get fields(): FieldViolation[] {
    return this.details.fields ?? [];
  }
}

/** True for an AppError, optionally of one code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** An INVALID_ARGUMENT-family error naming the fields at fault. */
export function invalid(code: ErrorCode, violations: FieldViolation[], message?: string): AppError {
  const text = message ?? violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new AppError(code, text, { details: { fields: violations } });
}

/**
 * The mark of a coded error from a library that does not depend on this one (libs/workdays' CalendarError): an
 * Error whose own property `Symbol.for(CODED_ERROR_MARK)` is true and whose `code` is one of the codes listed here.
 * Its message is written for the caller (no internals, no personal data), so it is answered as an AppError of that
 * code, not as INTERNAL.
 */
export const CODED_ERROR_MARK = 'onceonly.coded-error';

/** True for an error marked with {@link CODED_ERROR_MARK} whose code is listed. */
export function isCodedError(err: unknown): err is Error & { code: ErrorCode } {
  return (
    err instanceof Error &&
    (err as unknown as Record<symbol, unknown>)[Symbol.for(CODED_ERROR_MARK)] === true &&
    isErrorCode((err as { code?: unknown }).code)
  );
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are and the code of a marked coded error. */
export function toAppError(err: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (err instanceof AppError) return err;
  if (isCodedError(err)) return new AppError(err.code, err.message, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new AppError(fallback, message, { cause: err });
}
