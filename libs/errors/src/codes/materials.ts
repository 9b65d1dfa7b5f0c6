import type { AreaCodes } from './status-name.js';

/** Materials (services/materials): items and their materials, the material library, resolutions. */
export const MATERIALS_CODES = {
  // no licensing item with this code (or not at this version)
  MATERIALS_ITEM_UNKNOWN: 'NOT_FOUND',
  // a material type the catalogue does not list
  MATERIALS_TYPE_UNKNOWN: 'INVALID_ARGUMENT',
  // the bytes do not hash to the SHA-256 the request declared
  MATERIALS_DIGEST_MISMATCH: 'INVALID_ARGUMENT',
  // the content is over the configured size limit
  MATERIALS_TOO_LARGE: 'INVALID_ARGUMENT',
  MATERIALS_NOT_FOUND: 'NOT_FOUND',
  // a material asked for by someone who is neither its owner nor a department of an application that reused it
  MATERIALS_ACCESS_DENIED: 'PERMISSION_DENIED',
  // no resolution with this id (GetResolution)
  MATERIALS_RESOLUTION_NOT_FOUND: 'NOT_FOUND',
} as const satisfies AreaCodes;
