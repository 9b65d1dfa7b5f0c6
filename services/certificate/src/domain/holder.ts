import { AppError, type ErrorCode } from '@onceonly/errors';
import {
  type CitizenId,
  type HolderCodeType,
  isHolderCodeType,
  maskHolderCode,
  type Uscc,
  validateHolderCode,
} from '@onceonly/ids';

/**
 * The holder of a certificate as the hub keeps it. A citizen ID is personal data: it is kept only as a keyed hash
 * (for look-ups) and a mask (for display), never in clear; a credit code is kept as is.
 */
export interface Holder {
  readonly codeType: HolderCodeType;
  /** The credit code, for `001` only. */
  readonly code?: Uscc;
  /** The code for display: a credit code as is, a citizen ID as `310107********1234`. */
  readonly masked: string;
  /** For `111`: the keyed hash of the citizen ID (HMAC-SHA-256, hex). */
  readonly key?: string;
  /** Enterprise name or person's name. */
  readonly name: string;
}

/** Computes the keyed hash of a citizen ID (the adapter binds `hashCitizenId` to the configured key). */
export type CitizenIdHasher = (id: CitizenId) => string;

/** A holder as a request names it. */
export interface HolderInput {
  readonly code: string;
  readonly codeType: string;
  readonly name: string;
}

const MAX_NAME_LENGTH = 200;

function reject(code: ErrorCode, field: string, reason: string, description: string): AppError {
  return new AppError(code, `${field}: ${description}`, { details: { fields: [{ field, reason, description }] } });
}

function checkName(name: string, field: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw reject('INVALID_ARGUMENT', field, 'REQUIRED', 'the holder name is required');
  if ([...trimmed].length > MAX_NAME_LENGTH) {
    throw reject('INVALID_ARGUMENT', field, 'TOO_LONG', `at most ${MAX_NAME_LENGTH} characters`);
  }
  return trimmed;
}

/**
 * Validates a holder code against its type and builds the holder: the clear code is kept for `001` only.
 * `now` bounds a citizen ID's birth date. Fields are named `<prefix>.code`, `<prefix>.code_type`, `<prefix>.name`.
 * @throws AppError HOLDER_CODE_TYPE_INVALID, USCC_INVALID, CITIZEN_ID_INVALID or INVALID_ARGUMENT (name).
 */
export function holderOf(input: HolderInput, hash: CitizenIdHasher, now: Date, prefix = 'holder'): Holder {
  const type = input.codeType.trim();
  if (!isHolderCodeType(type)) {
    throw reject('HOLDER_CODE_TYPE_INVALID', `${prefix}.code_type`, 'HOLDER_CODE_TYPE', 'must be 001 or 111');
  }
  const result = validateHolderCode(input.code, type, { today: now });
  if (!result.ok) {
    const code = type === '001' ? 'USCC_INVALID' : 'CITIZEN_ID_INVALID';
    throw reject(code, `${prefix}.code`, result.reason, result.message);
  }
  const name = checkName(input.name, `${prefix}.name`);
  if (type === '001') return Object.freeze({ codeType: type, code: result.value as Uscc, masked: result.value, name });
  const id = result.value as CitizenId;
  return Object.freeze({ codeType: type, masked: maskHolderCode(id, type), key: hash(id), name });
}

/**
 * The holder's subject: the credit code for an organisation, `h:<keyed hash>` for a person. It keys events and
 * look-ups, and never carries a citizen ID in clear.
 */
export function holderSubject(holder: Holder): string {
  return holder.codeType === '001' ? (holder.code ?? holder.masked) : `h:${holder.key ?? ''}`;
}

/** True when both name the same holder (same subject; names may differ after a rename). */
export function sameHolder(a: Holder, b: Holder): boolean {
  return holderSubject(a) === holderSubject(b);
}

/** A copy of the holder under a new name (a rename after a change). */
export function renameHolder(holder: Holder, name: string, field = 'holder_name'): Holder {
  return Object.freeze({ ...holder, name: checkName(name, field) });
}
