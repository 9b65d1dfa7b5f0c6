/**
 * @onceonly/ids: validation, parsing, check characters and masking for the identifiers the hub accepts at its
 * edge: unified social credit codes, citizen identity numbers, licence identifiers, division codes and holder
 * codes. Pure functions; the only import is node:crypto (for the keyed hash of citizen IDs).
 */
export type { Brand } from './brand.js';
export {
  type CitizenId,
  type CitizenIdDetails,
  type CitizenIdHashKey,
  type CitizenIdOptions,
  computeCitizenIdCheck,
  hashCitizenId,
  maskCitizenId,
  normaliseCitizenId,
  parseCitizenId,
  type Sex,
  validateCitizenId,
} from './citizen-id.js';
export { containsCitizenId } from './citizen-id-in-text.js';
export {
  type Division,
  type DivisionCode,
  divisionName,
  PROVINCE_CODES,
  parseDivision,
  SHANGHAI_DIVISIONS,
  validateDivision,
} from './division.js';
export {
  HOLDER_CODE_TYPES,
  type HolderCode,
  type HolderCodeType,
  isHolderCodeType,
  maskHolderCode,
  parseHolderCode,
  validateHolderCode,
} from './holder-code.js';
export {
  ID_REASONS,
  IdError,
  type IdFailure,
  type IdKind,
  type IdReason,
  type IdSuccess,
  type IdValidation,
  isIdError,
} from './id-result.js';
export {
  formatLicenceId,
  LICENCE_ID_PREFIX,
  type LicenceId,
  type LicenceIdInput,
  type LicenceIdParts,
  normaliseLicenceId,
  parseLicenceId,
  validateLicenceId,
} from './licence-id.js';
export { mod3736Check, mod3736Valid } from './mod3736.js';
export {
  computeUsccCheck,
  isUscc,
  maskUscc,
  normaliseUscc,
  parseUscc,
  type Uscc,
  type UsccParts,
  usccParts,
  validateUscc,
} from './uscc.js';
