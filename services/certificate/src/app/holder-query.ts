import { type FieldViolation, invalid } from '@onceonly/errors';
import { type CitizenId, isHolderCodeType, maskHolderCode, validateHolderCode } from '@onceonly/ids';
import type { HolderFacts } from '../domain/events.js';
import type { CitizenIdHasher } from '../domain/holder.js';

/**
 * A holder named by code only (a platform's check, a portal's listing): validated with its check character, then
 * kept as its subject (credit code, or `h:<keyed hash>`) and its mask. The clear citizen ID goes no further.
 */
export interface HolderRefOnly {
  readonly subject: string;
  readonly facts: HolderFacts;
}

/** A holder code as a request gives it. */
export interface HolderCodeInput {
  readonly code: string;
  readonly codeType: string;
}

function one(input: HolderCodeInput, hash: CitizenIdHasher, now: Date, field: string, out: FieldViolation[]) {
  const type = input.codeType.trim();
  if (!isHolderCodeType(type)) {
    out.push({ field: `${field}.code_type`, reason: 'HOLDER_CODE_TYPE', description: 'must be 001 or 111' });
    return undefined;
  }
  const result = validateHolderCode(input.code, type, { today: now });
  if (!result.ok) {
    out.push({ field: `${field}.code`, reason: result.reason, description: result.message });
    return undefined;
  }
  if (type === '001') {
    return {
      subject: result.value,
      facts: { codeType: type, holderCode: result.value, holderCodeMasked: result.value, name: '' },
    };
  }
  const key = hash(result.value as CitizenId);
  const masked = maskHolderCode(result.value, type);
  return { subject: `h:${key}`, facts: { codeType: type, holderCodeMasked: masked, holderKey: key, name: '' } };
}

/**
 * Validates holder codes; every bad one is a field violation `<field>[i].code` (or `.code_type`; `<field>.code`
 * when not `indexed`).
 * @throws AppError INVALID_ARGUMENT naming each bad holder.
 */
export function holderRefsOf(
  inputs: readonly HolderCodeInput[],
  hash: CitizenIdHasher,
  now: Date,
  field: string,
  indexed = true,
): HolderRefOnly[] {
  const violations: FieldViolation[] = [];
  const refs = inputs.map((input, i) => one(input, hash, now, indexed ? `${field}[${i}]` : field, violations));
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
  return refs as HolderRefOnly[];
}
