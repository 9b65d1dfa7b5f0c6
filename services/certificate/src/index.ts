/**
 * @onceonly/certificate: electronic certificates (电子证照). The pure domain (catalogue, face fields, lifecycle
 * transitions, industry licences, consents, status lists, events), the mapping of its events to protobuf bodies,
 * and the service the hub runs (`certificateModule`), with what its CLI shares (`verifyOffline`, `MAX_QR_LENGTH`).
 */
export {
  type EventBody,
  eventBodyOf,
  factsToProto,
  holderToProto,
  methodToProto,
  operationToProto,
  reasonToProto,
  refusalToProto,
  revocationKindToProto,
  statusToProto,
} from './adapters/event-bodies.js';
// The service (issue 4): the module the hub runs, and what its CLI and other clients share.
export { MAX_QR_LENGTH } from './adapters/grpc/certificate-service.js';
export { type OfflineVerification, verifyOffline } from './app/verify-offline.js';
export {
  CERTIFICATE_TYPES,
  type CertificateType,
  DEFINING_BODIES,
  type DepartmentKind,
  type FieldKind,
  type FieldSpec,
  findType,
  INDUSTRY_NAMES_ZH,
  type Numbering,
  requireType,
  TYPE_CODES,
  type ValidityRule,
} from './domain/catalogue.js';
export {
  type Actor,
  assertCurrent,
  assertIssuer,
  type CertificateState,
  type ComponentRef,
  type Dispute,
  effectiveStatus,
  type IndustryBundle,
  type Issuer,
  MAX_VERSION,
  type Revocation,
  type RevocationKind,
  type Suspension,
  type Transition,
  type VersionTransition,
} from './domain/certificate.js';
export {
  assertCheckSize,
  type CheckScope,
  type Consent,
  type ConsentStatus,
  checkHolder,
  consentStatus,
  coveredTypes,
  type GrantConsentCommand,
  grantConsent,
  type HolderCheckResult,
  type LicenceSummary,
  MAX_CHECK_HOLDERS,
  MAX_CONSENT_DAYS,
  refusals,
  revokeConsent,
} from './domain/consent.js';
export { addDays, addYears, type CalendarDate, chinaDate, isCalendarDate, validityEnd } from './domain/dates.js';
export {
  assertMayIssue,
  DEMO_DEPARTMENTS,
  DEMO_PLATFORM,
  DEMO_PORTAL,
  type Department,
  type DepartmentRole,
  issuersOfKind,
  PUTUO_CULTURE_TOURISM,
  PUTUO_HEALTH,
  PUTUO_MARKET_REGULATION,
  PUTUO_SERVICE_CENTRE,
  type SealUse,
} from './domain/departments.js';
export {
  type DisputeResolution,
  type RaiseDisputeCommand,
  type ResolveDisputeCommand,
  raiseDispute,
  resolveDispute,
} from './domain/dispute.js';
export {
  CERTIFICATE_EVENT_TYPES,
  type CertificateCancelled,
  type CertificateChanged,
  type CertificateEvent,
  type CertificateExpired,
  type CertificateFacts,
  type CertificateIssued,
  type CertificateReissued,
  type CertificateRenewed,
  type CertificateResumed,
  type CertificateRevoked,
  type CertificateSuspended,
  type CertificateVerified,
  type ConsentRefusal,
  certificateSubject,
  type DisputeRaised,
  type DisputeResolved,
  type DomainEvent,
  eventSubject,
  factsOf,
  type HolderCheckRecord,
  type HolderFacts,
  holderFacts,
  type LicencesChecked,
  maskPersonName,
  redactCitizenIds,
  type TypeRefusal,
} from './domain/events.js';
export {
  assertFaceFields,
  type FaceFields,
  type FacePatch,
  FIELD_REASONS,
  type FieldReason,
  normaliseFaceFields,
  patchFaceFields,
  validateFaceFields,
} from './domain/face-fields.js';
export {
  type CitizenIdHasher,
  type Holder,
  type HolderInput,
  holderOf,
  holderSubject,
  renameHolder,
  sameHolder,
} from './domain/holder.js';
export { componentTypesOf, INDUSTRIES, type Industry, requireIndustry } from './domain/industries.js';
export {
  type ComponentInput,
  type ComponentView,
  componentsEnd,
  componentViolations,
  deriveIndustryStatus,
  type IndustryStatus,
  type IndustryView,
  type IssueIndustryCommand,
  issueIndustryLicence,
  MAX_COMPONENTS,
} from './domain/industry.js';
export {
  type IssueCommand,
  type IssueContext,
  issueCertificate,
  issueDivision,
  issueNumberScope,
  issueYear,
} from './domain/issue.js';
export {
  type IdentifierInput,
  licenceIdentifier,
  licenceNumber,
  MAX_SEQUENCE,
  type NumberInput,
  numberScope,
} from './domain/licence-number.js';
export { LicenceOperation, LicenceStatus, STATUS_NAMES, TERMINAL_STATUSES } from './domain/lifecycle-codes.js';
export {
  type ChangeCommand,
  type ContentChange,
  change,
  type NewVersionContext,
  type ReissueCommand,
  type RenewCommand,
  reissue,
  renew,
} from './domain/new-versions.js';
export {
  type CancelCommand,
  cancel,
  expireIfDue,
  type ResumeCommand,
  type RevokeCommand,
  resume,
  revoke,
  type SuspendCommand,
  suspend,
} from './domain/status-changes.js';
export {
  bitstringWith,
  createBitstring,
  decodeStatusList,
  encodeStatusList,
  MAX_STATUS_LIST_BYTES,
  readStatusBit,
  STATUS_LIST_SIZE,
  type StatusListCredentialInput,
  type StatusListPosition,
  type StatusPurpose,
  setStatusBit,
  statusBitsOf,
  statusListCredential,
  statusListEntry,
  statusListPosition,
} from './domain/status-list.js';
export { resolveValidity, type Validity, type ValidityInput } from './domain/validity.js';
export {
  isValidWith,
  recordReasons,
  VERIFICATION_REASONS,
  type VerificationMethod,
  type VerificationReason,
  WARNING_REASONS,
} from './domain/verification.js';
export { CERTIFICATE_CONFIG, certificateModule } from './module.js';
