import { type CitizenId, type CitizenIdOptions, maskCitizenId, validateCitizenId } from './citizen-id.js';
import { accept, IdError, type IdValidation, reject } from './id-result.js';
import { type Uscc, validateUscc } from './uscc.js';

/** Holder code types of GB/T 36903 appendix A that the hub accepts. */
export const HOLDER_CODE_TYPES = ['001', '111'] as const;

/** `001`: unified social credit code (organisations). `111`: citizen identity number (people). */
export type HolderCodeType = (typeof HOLDER_CODE_TYPES)[number];

/** A validated holder code: a credit code for type `001`, a citizen ID for type `111`. */
export type HolderCode = Uscc | CitizenId;

/** True for `001` and `111`. */
export function isHolderCodeType(type: unknown): type is HolderCodeType {
  return (HOLDER_CODE_TYPES as readonly unknown[]).includes(type);
}

/**
 * Validates a holder code against its declared type: the credit code rules for `001`, the citizen ID rules for
 * `111`. The type comes from the caller too, so it is checked (reason HOLDER_CODE_TYPE) rather than trusted.
 */
export function validateHolderCode(
  code: string,
  type: string,
  options: CitizenIdOptions = {},
): IdValidation<HolderCode> {
  const kind = typeof type === 'string' ? type.trim() : type;
  if (kind === '001') return validateUscc(code);
  if (kind === '111') {
    const result = validateCitizenId(code, options);
    return result.ok ? accept(result.value.id) : result;
  }
  return reject('HOLDER_CODE_TYPE', `holder code type must be one of ${HOLDER_CODE_TYPES.join(', ')}`);
}

/**
 * {@link validateHolderCode}, throwing an IdError when the code is invalid: of kind `holder-code-type` for an
 * unknown type, else `uscc` or `citizen-id`.
 */
export function parseHolderCode(code: string, type: string, options: CitizenIdOptions = {}): HolderCode {
  const result = validateHolderCode(code, type, options);
  if (result.ok) return result.value;
  const kind =
    result.reason === 'HOLDER_CODE_TYPE' ? 'holder-code-type' : type.trim() === '001' ? 'uscc' : 'citizen-id';
  throw new IdError(kind, result.reason, result.message);
}

/**
 * Masks a holder code for display: citizen IDs as {@link maskCitizenId}, credit codes unchanged (they identify
 * organisations, not people). Any other type is treated as personal data and masked like a citizen ID.
 */
export function maskHolderCode(code: string, type: string): string {
  return typeof type === 'string' && type.trim() === '001' ? code : maskCitizenId(code);
}
