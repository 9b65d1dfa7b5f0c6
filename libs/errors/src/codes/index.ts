import { ASSISTANCE_CODES } from './assistance.js';
import { AUDIT_CODES } from './audit.js';
import { CERTIFICATE_CODES } from './certificate.js';
import { COMMON_CODES } from './common.js';
import { CREDIT_CODES } from './credit.js';
import { EVENTS_CODES } from './events.js';
import { IDS_CODES } from './ids.js';
import { INSPECTION_CODES } from './inspection.js';
import { MATERIALS_CODES } from './materials.js';
import { SEAL_CODES } from './seal.js';
import type { StatusName } from './status-name.js';
import { STORE_CODES } from './store.js';
import { WORKDAYS_CODES } from './workdays.js';

/**
 * Every area's codes in one object. Each area owns its file under `codes/`; a new area adds its file here.
 * A code defined by two areas is caught by the unit test `codes are unique across areas`.
 */
export const AREAS = {
  common: COMMON_CODES,
  ids: IDS_CODES,
  store: STORE_CODES,
  events: EVENTS_CODES,
  seal: SEAL_CODES,
  certificate: CERTIFICATE_CODES,
  audit: AUDIT_CODES,
  assistance: ASSISTANCE_CODES,
  credit: CREDIT_CODES,
  workdays: WORKDAYS_CODES,
  inspection: INSPECTION_CODES,
  materials: MATERIALS_CODES,
} as const;

type Areas = typeof AREAS;

/** Every error code the hub can answer with: a closed union of stable strings. */
export type ErrorCode = { [A in keyof Areas]: keyof Areas[A] }[keyof Areas];

/** Each code and the canonical gRPC status name a client sees for it. */
export const STATUS_NAMES: Readonly<Record<ErrorCode, StatusName>> = Object.assign({}, ...Object.values(AREAS));

/** All codes, for exhaustive tests and documentation. */
export const ERROR_CODES = Object.keys(STATUS_NAMES) as ErrorCode[];

/** The canonical gRPC status name of a code, for example `INVALID_ARGUMENT`. */
export function statusNameOf(code: ErrorCode): StatusName {
  return STATUS_NAMES[code];
}

/** True when `value` is one of the known codes (for decoding codes that crossed a wire). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(STATUS_NAMES, value);
}

export type { AreaCodes, StatusName } from './status-name.js';
