import {
  consentV1,
  certificateV1 as cv,
  certificateEventsV1 as ev,
  HolderCodeType,
  type ProtoCodec,
} from '@onceonly/contracts';
import type { RevocationKind } from '../domain/certificate.js';
import {
  CERTIFICATE_EVENT_TYPES,
  type CertificateEvent,
  type CertificateFacts,
  type ConsentRefusal,
  type DomainEvent,
  eventSubject,
  type HolderFacts,
  type TypeRefusal,
} from '../domain/events.js';
import type { LicenceOperation, LicenceStatus } from '../domain/lifecycle-codes.js';
import type { VerificationMethod, VerificationReason } from '../domain/verification.js';

/**
 * Maps domain events to the protobuf bodies of `onceonly/certificate/v1/events.proto`, with the CloudEvents type,
 * subject (key) and dataschema the outbox needs. The domain events already hold no citizen ID in clear; this
 * mapping adds nothing from outside them but the seal kid.
 */

/** An event ready for the outbox: attributes and the encoded-to-be body with its codec. */
export interface EventBody<T> {
  readonly type: string;
  readonly subject: string;
  readonly dataschema: string;
  readonly codec: ProtoCodec<T>;
  readonly body: T;
}

const PACKAGE = 'onceonly.certificate.v1';

/** Proto enum value of a status code: the numbers are the codes (`01` → 1, `99` → 99). */
export function statusToProto(status: LicenceStatus): cv.LicenceStatus {
  return Number(status) as cv.LicenceStatus;
}

/** Proto enum value of an operation code (`09` → 9). */
export function operationToProto(operation: LicenceOperation): cv.LicenceOperation {
  return Number(operation) as cv.LicenceOperation;
}

export function revocationKindToProto(kind: RevocationKind): cv.RevocationKind {
  return kind === 'withdrawn' ? cv.RevocationKind.REVOCATION_KIND_WITHDRAWN : cv.RevocationKind.REVOCATION_KIND_REVOKED;
}

export function reasonToProto(reason: VerificationReason): cv.VerificationReason {
  return cv.VerificationReason[`VERIFICATION_REASON_${reason}`];
}

export function methodToProto(method: VerificationMethod): cv.VerificationMethod {
  return cv.VerificationMethod[`VERIFICATION_METHOD_${method.toUpperCase() as Uppercase<VerificationMethod>}`];
}

export function refusalToProto(reason: ConsentRefusal): consentV1.ConsentRefusal {
  return consentV1.ConsentRefusal[`CONSENT_REFUSAL_${reason}`];
}

/** The holder reference of events: credit code in clear, citizen ID as mask and keyed hash only. */
export function holderToProto(holder: HolderFacts): cv.HolderReference {
  return {
    codeType:
      holder.codeType === '001' ? HolderCodeType.HOLDER_CODE_TYPE_USCC : HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID,
    holderCode: holder.holderCode ?? '',
    holderCodeMasked: holder.holderCodeMasked,
    holderKey: holder.holderKey ?? '',
    name: holder.name,
  };
}

export function factsToProto(facts: CertificateFacts): ev.CertificateFacts {
  return {
    certificateId: facts.certificateId,
    identifier: facts.identifier,
    typeCode: facts.typeCode,
    issuerCode: facts.issuerCode,
    holder: holderToProto(facts.holder),
    version: facts.version,
    status: statusToProto(facts.status),
    operation: operationToProto(facts.operation),
    occurredAt: facts.occurredAt,
    actorDepartmentCode: facts.actorDepartmentCode,
    number: facts.number,
  };
}

function refusalsToProto(refused: readonly TypeRefusal[]): consentV1.TypeRefusal[] {
  return refused.map((r) => ({ typeCode: r.typeCode, reason: refusalToProto(r.reason) }));
}

function body<T>(event: DomainEvent, name: string, codec: ProtoCodec<T>, message: T): EventBody<T> {
  return {
    type: event.type,
    subject: eventSubject(event),
    dataschema: `proto:${PACKAGE}.${name}`,
    codec,
    body: message,
  };
}

// One mapper per certificate event type; `satisfies` makes the compiler demand a mapper for every type.
const CERTIFICATE_MAPPERS = {
  [CERTIFICATE_EVENT_TYPES.ISSUED]: (e: Extract<CertificateEvent, { type: 'certificate.issued' }>, sealKid: string) =>
    body(e, 'CertificateIssued', ev.CertificateIssued, {
      certificate: factsToProto(e.facts),
      name: e.name,
      issueDate: e.issueDate,
      validFrom: e.validFrom,
      validTo: e.validTo ?? '',
      division: e.division,
      sealKid,
      industryCode: e.industryCode ?? '',
      componentCertificateIds: [...e.componentCertificateIds],
      commitment: e.commitment ? { postCheckDue: e.commitment.postCheckDue, terms: e.commitment.terms } : undefined,
    }),
  [CERTIFICATE_EVENT_TYPES.CHANGED]: (e: Extract<CertificateEvent, { type: 'certificate.changed' }>) =>
    body(e, 'CertificateChanged', ev.CertificateChanged, {
      certificate: factsToProto(e.facts),
      previousCertificateId: e.previousCertificateId,
      changedFieldKeys: [...e.changedFieldKeys],
      reason: e.reason,
    }),
  [CERTIFICATE_EVENT_TYPES.RENEWED]: (e: Extract<CertificateEvent, { type: 'certificate.renewed' }>) =>
    body(e, 'CertificateRenewed', ev.CertificateRenewed, {
      certificate: factsToProto(e.facts),
      previousCertificateId: e.previousCertificateId,
      validFrom: e.validFrom,
      validTo: e.validTo,
      previousValidTo: e.previousValidTo,
    }),
  [CERTIFICATE_EVENT_TYPES.REISSUED]: (e: Extract<CertificateEvent, { type: 'certificate.reissued' }>) =>
    body(e, 'CertificateReissued', ev.CertificateReissued, {
      certificate: factsToProto(e.facts),
      previousCertificateId: e.previousCertificateId,
      reason: e.reason,
    }),
  [CERTIFICATE_EVENT_TYPES.SUSPENDED]: (e: Extract<CertificateEvent, { type: 'certificate.suspended' }>) =>
    body(e, 'CertificateSuspended', ev.CertificateSuspended, {
      certificate: factsToProto(e.facts),
      reason: e.reason,
      legalBasis: e.legalBasis,
      until: e.until ?? '',
    }),
  [CERTIFICATE_EVENT_TYPES.RESUMED]: (e: Extract<CertificateEvent, { type: 'certificate.resumed' }>) =>
    body(e, 'CertificateResumed', ev.CertificateResumed, { certificate: factsToProto(e.facts), reason: e.reason }),
  [CERTIFICATE_EVENT_TYPES.REVOKED]: (e: Extract<CertificateEvent, { type: 'certificate.revoked' }>) =>
    body(e, 'CertificateRevoked', ev.CertificateRevoked, {
      certificate: factsToProto(e.facts),
      kind: revocationKindToProto(e.kind),
      reason: e.reason,
      legalBasis: e.legalBasis,
    }),
  [CERTIFICATE_EVENT_TYPES.CANCELLED]: (e: Extract<CertificateEvent, { type: 'certificate.cancelled' }>) =>
    body(e, 'CertificateCancelled', ev.CertificateCancelled, { certificate: factsToProto(e.facts), reason: e.reason }),
  [CERTIFICATE_EVENT_TYPES.EXPIRED]: (e: Extract<CertificateEvent, { type: 'certificate.expired' }>) =>
    body(e, 'CertificateExpired', ev.CertificateExpired, { certificate: factsToProto(e.facts), validTo: e.validTo }),
  [CERTIFICATE_EVENT_TYPES.DISPUTE_RAISED]: (e: Extract<CertificateEvent, { type: 'certificate.dispute-raised' }>) =>
    body(e, 'DisputeRaised', ev.DisputeRaised, {
      certificate: factsToProto(e.facts),
      disputeId: e.disputeId,
      fieldKeys: [...e.fieldKeys],
      claim: e.claim,
    }),
  [CERTIFICATE_EVENT_TYPES.DISPUTE_RESOLVED]: (
    e: Extract<CertificateEvent, { type: 'certificate.dispute-resolved' }>,
  ) =>
    body(e, 'DisputeResolved', ev.DisputeResolved, {
      certificate: factsToProto(e.facts),
      disputeId: e.disputeId,
      outcome:
        e.outcome === 'corrected'
          ? cv.DisputeOutcome.DISPUTE_OUTCOME_CORRECTED
          : cv.DisputeOutcome.DISPUTE_OUTCOME_REJECTED,
      correctedCertificateId: e.correctedCertificateId ?? '',
      previousCertificateId: e.previousCertificateId ?? '',
      note: e.note,
      changedFieldKeys: [...e.changedFieldKeys],
    }),
} satisfies {
  [K in CertificateEvent['type']]: (e: Extract<CertificateEvent, { type: K }>, sealKid: string) => unknown;
};

function platformBody(event: Exclude<DomainEvent, CertificateEvent>): EventBody<unknown> {
  if (event.type === CERTIFICATE_EVENT_TYPES.LICENCES_CHECKED) {
    return body(event, 'LicencesChecked', ev.LicencesChecked, {
      platformCode: event.platformCode,
      purpose: event.purpose,
      checkedAt: event.checkedAt,
      requestedTypeCodes: [...event.requestedTypeCodes],
      holders: event.holders.map((h) => ({
        holder: holderToProto(h.holder),
        coveredTypeCodes: [...h.coveredTypeCodes],
        certificateIds: [...h.certificateIds],
        refused: refusalsToProto(h.refused),
      })),
    });
  }
  return body(event, 'CertificateVerified', ev.CertificateVerified, {
    certificate: event.facts === undefined ? undefined : factsToProto(event.facts),
    verifierCode: event.verifierCode,
    method: methodToProto(event.method),
    valid: event.valid,
    genuine: event.genuine,
    mayOperate: event.mayOperate,
    reasons: event.reasons.map(reasonToProto),
    verifiedAt: event.verifiedAt,
  });
}

/**
 * The outbox form of a domain event. `sealKid` fills CertificateIssued.seal_kid (the domain does not know seals).
 */
export function eventBodyOf(event: DomainEvent, sealKid = ''): EventBody<unknown> {
  if (event.type === CERTIFICATE_EVENT_TYPES.LICENCES_CHECKED || event.type === CERTIFICATE_EVENT_TYPES.VERIFIED) {
    return platformBody(event);
  }
  const mapper = CERTIFICATE_MAPPERS[event.type] as (e: CertificateEvent, sealKid: string) => EventBody<unknown>;
  return mapper(event, sealKid);
}
