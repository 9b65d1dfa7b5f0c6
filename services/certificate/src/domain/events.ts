import type { HolderCodeType } from '@onceonly/ids';
import { maskCitizenId } from '@onceonly/ids';
import type { Actor, CertificateState, CommitmentTerms, RevocationKind } from './certificate.js';
import { type Holder, holderSubject } from './holder.js';
import type { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';
import type { VerificationMethod, VerificationReason } from './verification.js';

/**
 * Domain events of the certificate service (topic `onceonly.certificate.v1`). They mirror the bodies of
 * `proto/onceonly/certificate/v1/events.proto`; `adapters/event-bodies.ts` maps them. No event carries a citizen
 * ID in clear: a person is named by the masked code and the keyed hash, a person's name is masked, and free text
 * (reasons, claims, notes) has anything shaped like a citizen ID masked.
 */

/** CloudEvents types, `certificate.<fact>`. */
export const CERTIFICATE_EVENT_TYPES = {
  ISSUED: 'certificate.issued',
  CHANGED: 'certificate.changed',
  RENEWED: 'certificate.renewed',
  REISSUED: 'certificate.reissued',
  SUSPENDED: 'certificate.suspended',
  RESUMED: 'certificate.resumed',
  REVOKED: 'certificate.revoked',
  CANCELLED: 'certificate.cancelled',
  EXPIRED: 'certificate.expired',
  DISPUTE_RAISED: 'certificate.dispute-raised',
  DISPUTE_RESOLVED: 'certificate.dispute-resolved',
  LICENCES_CHECKED: 'certificate.licences-checked',
  VERIFIED: 'certificate.verified',
} as const;

type Types = typeof CERTIFICATE_EVENT_TYPES;

/** The holder as events name it. */
export interface HolderFacts {
  readonly codeType: HolderCodeType;
  /** The credit code, for `001` only. */
  readonly holderCode?: string;
  readonly holderCodeMasked: string;
  /** The keyed hash, for `111` only. */
  readonly holderKey?: string;
  /** The enterprise name; a person's name masked to its first character. */
  readonly name: string;
}

/** What every certificate event says about its certificate. */
export interface CertificateFacts {
  readonly certificateId: string;
  readonly identifier: string;
  readonly typeCode: string;
  readonly issuerCode: string;
  readonly number: string;
  readonly holder: HolderFacts;
  readonly version: number;
  /** Status after the operation. */
  readonly status: LicenceStatus;
  readonly operation: LicenceOperation;
  readonly occurredAt: string;
  /** Empty for expiry by time. */
  readonly actorDepartmentCode: string;
}

interface Fact<T extends string> {
  readonly type: T;
  readonly facts: CertificateFacts;
}

export interface CertificateIssued extends Fact<Types['ISSUED']> {
  readonly name: string;
  readonly issueDate: string;
  readonly validFrom: string;
  readonly validTo?: string;
  readonly division: string;
  readonly industryCode?: string;
  readonly componentCertificateIds: readonly string[];
  readonly commitment?: CommitmentTerms;
}
export interface CertificateChanged extends Fact<Types['CHANGED']> {
  readonly previousCertificateId: string;
  readonly changedFieldKeys: readonly string[];
  readonly reason: string;
}
export interface CertificateRenewed extends Fact<Types['RENEWED']> {
  readonly previousCertificateId: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly previousValidTo: string;
}
export interface CertificateReissued extends Fact<Types['REISSUED']> {
  readonly previousCertificateId: string;
  readonly reason: string;
}
export interface CertificateSuspended extends Fact<Types['SUSPENDED']> {
  readonly reason: string;
  readonly legalBasis: string;
  readonly until?: string;
}
export interface CertificateResumed extends Fact<Types['RESUMED']> {
  readonly reason: string;
}
export interface CertificateRevoked extends Fact<Types['REVOKED']> {
  readonly kind: RevocationKind;
  readonly reason: string;
  readonly legalBasis: string;
}
export interface CertificateCancelled extends Fact<Types['CANCELLED']> {
  readonly reason: string;
}
export interface CertificateExpired extends Fact<Types['EXPIRED']> {
  readonly validTo: string;
}
export interface DisputeRaised extends Fact<Types['DISPUTE_RAISED']> {
  readonly disputeId: string;
  readonly fieldKeys: readonly string[];
  readonly claim: string;
}
export interface DisputeResolved extends Fact<Types['DISPUTE_RESOLVED']> {
  readonly disputeId: string;
  readonly outcome: 'corrected' | 'rejected';
  readonly correctedCertificateId?: string;
  readonly previousCertificateId?: string;
  readonly note: string;
  readonly changedFieldKeys: readonly string[];
}

/** Why a platform may not see a type of a holder's licences. */
export type ConsentRefusal = 'NO_CONSENT' | 'CONSENT_EXPIRED' | 'CONSENT_REVOKED' | 'TYPE_NOT_COVERED';

/** A refused type; `typeCode` is empty when no type was named and nothing is covered. */
export interface TypeRefusal {
  readonly typeCode: string;
  readonly reason: ConsentRefusal;
}

/** The record of one holder of a platform check. */
export interface HolderCheckRecord {
  readonly holder: HolderFacts;
  readonly coveredTypeCodes: readonly string[];
  readonly certificateIds: readonly string[];
  readonly refused: readonly TypeRefusal[];
}

/** One CheckLicences call: keyed by the platform code. */
export interface LicencesChecked {
  readonly type: Types['LICENCES_CHECKED'];
  readonly platformCode: string;
  readonly purpose: string;
  readonly checkedAt: string;
  readonly requestedTypeCodes: readonly string[];
  readonly holders: readonly HolderCheckRecord[];
}

/** One online VerifyCertificate call. */
export interface CertificateVerified {
  readonly type: Types['VERIFIED'];
  /** Undefined when the certificate could not be identified. */
  readonly facts?: CertificateFacts;
  readonly verifierCode: string;
  readonly method: VerificationMethod;
  readonly valid: boolean;
  /** The two answers (domain/verdict.ts, ADR 033); `valid` is their conjunction. */
  readonly genuine: boolean;
  readonly mayOperate: boolean;
  readonly reasons: readonly VerificationReason[];
  readonly verifiedAt: string;
}

/** Events about one certificate. */
export type CertificateEvent =
  | CertificateIssued
  | CertificateChanged
  | CertificateRenewed
  | CertificateReissued
  | CertificateSuspended
  | CertificateResumed
  | CertificateRevoked
  | CertificateCancelled
  | CertificateExpired
  | DisputeRaised
  | DisputeResolved;

/** Every event of the service. */
export type DomainEvent = CertificateEvent | LicencesChecked | CertificateVerified;

// 17 digits and a digit or X, not inside a longer run of letters and digits: the shape of a citizen ID.
const CITIZEN_ID_SHAPE = /(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])/g;

/**
 * Masks anything shaped like a citizen ID in free text (a reason, a claim). Over-masking an all-digit credit code
 * is the accepted cost: events must never carry an ID in clear.
 */
export function redactCitizenIds(text: string): string {
  return text.replace(CITIZEN_ID_SHAPE, (id) => maskCitizenId(id));
}

/** A person's name as events show it: the first character, then one `*` per further character. */
export function maskPersonName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}

/** The holder as events name it: a credit code in clear, a citizen ID as mask and keyed hash. */
export function holderFacts(holder: Holder): HolderFacts {
  if (holder.codeType === '001') {
    return { codeType: '001', holderCode: holder.code, holderCodeMasked: holder.masked, name: holder.name };
  }
  return { codeType: '111', holderCodeMasked: holder.masked, holderKey: holder.key, name: maskPersonName(holder.name) };
}

/** The facts of a certificate event, after the operation. */
export function factsOf(
  state: CertificateState,
  operation: LicenceOperation,
  actor: Actor | undefined,
  now: Date,
): CertificateFacts {
  return {
    certificateId: state.id,
    identifier: state.identifier,
    typeCode: state.typeCode,
    issuerCode: state.issuer.code,
    number: state.number,
    holder: holderFacts(state.holder),
    version: state.version,
    status: state.status,
    operation,
    occurredAt: now.toISOString(),
    actorDepartmentCode: actor?.departmentCode ?? '',
  };
}

/**
 * The event key: the holder's subject (credit code, or `h:<keyed hash>`) for certificate events, the platform
 * code for a platform check, the verifier's code when a verification identified no certificate.
 */
export function eventSubject(event: DomainEvent): string {
  if (event.type === CERTIFICATE_EVENT_TYPES.LICENCES_CHECKED) return event.platformCode;
  if (event.type === CERTIFICATE_EVENT_TYPES.VERIFIED && event.facts === undefined) return event.verifierCode;
  const facts = (event as { facts: CertificateFacts }).facts;
  return facts.holder.codeType === '001' ? (facts.holder.holderCode ?? '') : `h:${facts.holder.holderKey ?? ''}`;
}

/** The holder subject of a certificate, for stores and look-ups. */
export function certificateSubject(state: CertificateState): string {
  return holderSubject(state.holder);
}
