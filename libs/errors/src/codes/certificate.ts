import type { AreaCodes } from './status-name.js';

/** Certificates (services/certificate): catalogue, face fields, lifecycle, industry licences, consents, seals. */
export const CERTIFICATE_CODES = {
  CERT_NOT_FOUND: 'NOT_FOUND',
  CERT_TYPE_UNKNOWN: 'INVALID_ARGUMENT',
  CERT_FIELDS_INVALID: 'INVALID_ARGUMENT',
  CERT_VALIDITY_INVALID: 'INVALID_ARGUMENT',
  CERT_NOT_ISSUER: 'PERMISSION_DENIED',
  CERT_TYPE_NOT_AUTHORISED: 'PERMISSION_DENIED',
  // GetCertificate by a caller who may not see the licence face (VerifyCertificate's rule by id)
  CERT_READ_DENIED: 'PERMISSION_DENIED',
  // a department issuing under a division code outside its jurisdiction (Putuo issuing for 110101)
  CERT_OUTSIDE_JURISDICTION: 'PERMISSION_DENIED',
  CERT_ILLEGAL_TRANSITION: 'FAILED_PRECONDITION',
  CERT_SUPERSEDED: 'FAILED_PRECONDITION',
  CERT_NOT_RENEWABLE: 'FAILED_PRECONDITION',
  CERT_VERSION_LIMIT: 'FAILED_PRECONDITION',
  CERT_DISPUTE_OPEN: 'FAILED_PRECONDITION',
  CERT_NO_OPEN_DISPUTE: 'FAILED_PRECONDITION',
  CERT_HOLDER_MISMATCH: 'FAILED_PRECONDITION',
  CERT_NUMBER_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  INDUSTRY_UNKNOWN: 'INVALID_ARGUMENT',
  INDUSTRY_COMPONENTS_INVALID: 'FAILED_PRECONDITION',
  CONSENT_NOT_FOUND: 'NOT_FOUND',
  CONSENT_INVALID: 'INVALID_ARGUMENT',
  CONSENT_NOT_ACTIVE: 'FAILED_PRECONDITION',
  STATUS_LIST_MALFORMED: 'INVALID_ARGUMENT',
  // an online verification whose certificate.verified event could not be committed: no verdict is answered
  CERT_VERIFICATION_NOT_RECORDED: 'UNAVAILABLE',
  // an issue whose group's transaction (version, idempotency key, event) failed: nothing was issued, retry
  CERT_ISSUE_NOT_COMMITTED: 'UNAVAILABLE',
  // seals of departments (SealService)
  SEAL_NOT_FOUND: 'NOT_FOUND',
  SEAL_ALREADY_ACTIVE: 'ALREADY_EXISTS',
  SEAL_NOT_ACTIVE: 'FAILED_PRECONDITION',
} as const satisfies AreaCodes;
