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
  // explicit request and preview (issue 14): no evidence request with this id
  MATERIALS_REQUEST_NOT_FOUND: 'NOT_FOUND',
  // no piece with this id in the request
  MATERIALS_PIECE_NOT_FOUND: 'NOT_FOUND',
  // the resolution found nothing reusable to request (no EXEMPT material)
  MATERIALS_NOTHING_TO_REQUEST: 'FAILED_PRECONDITION',
  // the request is about another applicant than the one the portal acts for
  MATERIALS_PREVIEW_NOT_YOURS: 'PERMISSION_DENIED',
  // the preview expired before the applicant decided
  MATERIALS_PREVIEW_EXPIRED: 'FAILED_PRECONDITION',
  // accepting a piece the portal never showed the applicant
  MATERIALS_PREVIEW_NOT_SHOWN: 'FAILED_PRECONDITION',
  // the piece was already decided otherwise (accepting a rejected piece, rejecting an accepted one)
  MATERIALS_PREVIEW_DECIDED: 'FAILED_PRECONDITION',
  // a department asking for a piece the applicant has not accepted
  MATERIALS_EVIDENCE_NOT_ACCEPTED: 'FAILED_PRECONDITION',
  // no resolution with this id (GetResolution)
  MATERIALS_RESOLUTION_NOT_FOUND: 'NOT_FOUND',
} as const satisfies AreaCodes;
