/**
 * Every reason an identifier can be rejected for. The list is closed so that callers can switch on it and adapters
 * can map each reason to a field violation; add a reason here before using it anywhere.
 */
export const ID_REASONS = [
  /** Nothing left after trimming, or not a string at all. */
  'EMPTY',
  /** Wrong number of characters (or far too long to be an identifier). */
  'LENGTH',
  /** A character outside the identifier's alphabet. */
  'ALPHABET',
  /** The administrative division part is malformed or names no PRC province. */
  'DIVISION',
  /** The birth date of a citizen ID is not a calendar date, lies in the future, or is implausibly early. */
  'BIRTH_DATE',
  /** The check character does not match the rest of the identifier. */
  'CHECK_CHARACTER',
  /** A licence identifier that does not start with `1.2.156.3005.2.`. */
  'PREFIX',
  /** A licence identifier without exactly five dot-separated segments after the prefix. */
  'SEGMENTS',
  /** The licence type code is not a valid credit code followed by a 3-digit sequence. */
  'TYPE_CODE',
  /** The licence issuer code is not a valid credit code. */
  'ISSUER_CODE',
  /** The licence number is empty, too long, or has characters outside 0-9 A-Z. */
  'LICENCE_NUMBER',
  /** The licence version is not three digits. */
  'VERSION',
  /** A holder code type other than `001` (credit code) or `111` (citizen ID). */
  'HOLDER_CODE_TYPE',
] as const;

/** Why an identifier was rejected: one of {@link ID_REASONS}. */
export type IdReason = (typeof ID_REASONS)[number];

/** Which kind of identifier an {@link IdError} is about. */
export type IdKind = 'uscc' | 'citizen-id' | 'licence-id' | 'division' | 'holder-code-type';

/** An accepted identifier: the normalised value (or its structured reading). */
export interface IdSuccess<T> {
  readonly ok: true;
  readonly value: T;
}

/**
 * A rejected identifier: a stable reason for code and a sentence for people. Messages never repeat a citizen ID
 * or any part of it, so they are safe to log.
 */
export interface IdFailure {
  readonly ok: false;
  readonly reason: IdReason;
  readonly message: string;
}

/** The result of every `validate*` function. Switch on `ok`, then on `reason`. */
export type IdValidation<T> = IdSuccess<T> | IdFailure;

/**
 * Thrown by the `parse*` and `compute*` functions: the same reason as the validation result, plus the kind of
 * identifier. Adapters map it to an AppError; this package does not depend on @onceonly/errors.
 */
export class IdError extends Error {
  override readonly name = 'IdError';
  readonly kind: IdKind;
  readonly reason: IdReason;

  constructor(kind: IdKind, reason: IdReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.reason = reason;
  }
}

/** True for an IdError, optionally of one reason. */
export function isIdError(err: unknown, reason?: IdReason): err is IdError {
  return err instanceof IdError && (reason === undefined || err.reason === reason);
}

/** @internal */
export function accept<T>(value: T): IdSuccess<T> {
  return { ok: true, value };
}

/** @internal */
export function reject(reason: IdReason, message: string): IdFailure {
  return { ok: false, reason, message };
}

/** @internal The value of a validation, or an IdError of the given kind. */
export function unwrap<T>(kind: IdKind, result: IdValidation<T>): T {
  if (result.ok) return result.value;
  throw new IdError(kind, result.reason, result.message);
}
