/**
 * Hand-built `certificate.*` events (ReplayEvent), their bodies encoded with the generated codecs as the
 * certificate service's outbox encodes them, for the tests of the certificate status replay.
 */
import { certificateV1 as cv, certificateEventsV1 as ev } from '@onceonly/contracts';
import type { ReplayEvent } from '@onceonly/replay';

export const { LicenceStatus: S, LicenceOperation: Op } = cv;
export const { REVOCATION_KIND_WITHDRAWN: WITHDRAWN, REVOCATION_KIND_REVOKED: REVOKED } = cv.RevocationKind;
export const HOLDER = '91310107MA1H2B3C44';

/** 2025-01-01T08:00:<n>Z */
export function at(n: number): string {
  return new Date(Date.UTC(2025, 0, 1, 8, 0, n)).toISOString();
}

/** A fresh set of builders: events are numbered from 1 (`event-1`, sequence 1, time `at(1)`) in the order built. */
export function certificateEvents() {
  let sequence = 0;
  function facts(id: string, version: number, status: cv.LicenceStatus, operation: cv.LicenceOperation) {
    return ev.CertificateFacts.create({
      certificateId: id,
      identifier: `id-${id}`,
      typeCode: '11100000000013338W012',
      issuerCode: '11310107MB2F03587N',
      number: 'JY3101072025000001',
      holder: { holderCode: HOLDER, name: '上海某餐饮有限公司' },
      version,
      status,
      operation,
      occurredAt: at(sequence),
    });
  }

  function loggable(type: string, data: Uint8Array, overrides: Partial<ReplayEvent> = {}): ReplayEvent {
    sequence++;
    return {
      id: `event-${sequence}`,
      source: '/onceonly/certificate',
      type,
      subject: HOLDER,
      time: at(sequence),
      specversion: '1.0',
      datacontenttype: 'application/protobuf',
      dataschema: `proto:onceonly.certificate.v1.${type}`,
      sequence: String(sequence),
      data,
      ...overrides,
    };
  }

  const e = {
    issued: (id: string, options: { components?: string[]; version?: number; status?: cv.LicenceStatus } = {}) =>
      loggable(
        'certificate.issued',
        ev.CertificateIssued.encode(
          ev.CertificateIssued.create({
            certificate: facts(
              id,
              options.version ?? 1,
              options.status ?? S.LICENCE_STATUS_VALID,
              Op.LICENCE_OPERATION_ISSUE,
            ),
            validFrom: '2025-01-01',
            validTo: '2029-12-31',
            ...(options.components
              ? { industryCode: 'convenience-store', componentCertificateIds: options.components, validTo: '' }
              : {}),
          }),
        ).finish(),
      ),
    suspended: (id: string, version = 1) =>
      loggable(
        'certificate.suspended',
        ev.CertificateSuspended.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_SUSPENDED, Op.LICENCE_OPERATION_SUSPEND),
          reason: '整改',
          legalBasis: '《食品安全法》',
          until: '',
        }).finish(),
      ),
    resumed: (id: string, version = 1, status = S.LICENCE_STATUS_VALID) =>
      loggable(
        'certificate.resumed',
        ev.CertificateResumed.encode({
          certificate: facts(id, version, status, Op.LICENCE_OPERATION_RESUME),
          reason: '',
        }).finish(),
      ),
    revoked: (id: string, kind: cv.RevocationKind, version = 1) =>
      loggable(
        'certificate.revoked',
        ev.CertificateRevoked.encode({
          certificate: facts(
            id,
            version,
            kind === cv.RevocationKind.REVOCATION_KIND_WITHDRAWN
              ? S.LICENCE_STATUS_WITHDRAWN
              : S.LICENCE_STATUS_REVOKED,
            Op.LICENCE_OPERATION_OTHER,
          ),
          kind,
          reason: '违法经营',
          legalBasis: '《食品安全法》',
        }).finish(),
      ),
    cancelled: (id: string, version = 1) =>
      loggable(
        'certificate.cancelled',
        ev.CertificateCancelled.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_CANCELLED, Op.LICENCE_OPERATION_CANCEL),
          reason: '歇业',
        }).finish(),
      ),
    expired: (id: string, version = 1) =>
      loggable(
        'certificate.expired',
        ev.CertificateExpired.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_EXPIRED, Op.LICENCE_OPERATION_EXPIRE),
          validTo: '2024-12-31',
        }).finish(),
      ),
    changed: (id: string, previous: string, version: number) =>
      loggable(
        'certificate.changed',
        ev.CertificateChanged.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_VALID, Op.LICENCE_OPERATION_CHANGE),
          previousCertificateId: previous,
          changedFieldKeys: ['premises'],
          reason: '',
        }).finish(),
      ),
    renewed: (id: string, previous: string, version: number) =>
      loggable(
        'certificate.renewed',
        ev.CertificateRenewed.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_VALID, Op.LICENCE_OPERATION_RENEW),
          previousCertificateId: previous,
          validFrom: '2029-06-01',
          validTo: '2034-05-31',
          previousValidTo: '2029-12-31',
        }).finish(),
      ),
    reissued: (id: string, previous: string, version: number) =>
      loggable(
        'certificate.reissued',
        ev.CertificateReissued.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_VALID, Op.LICENCE_OPERATION_OTHER),
          previousCertificateId: previous,
          reason: '遗失',
        }).finish(),
      ),
    disputeRaised: (id: string, disputeId: string, status = S.LICENCE_STATUS_VALID) =>
      loggable(
        'certificate.dispute-raised',
        ev.DisputeRaised.encode({
          certificate: facts(id, 1, status, Op.LICENCE_OPERATION_OTHER),
          disputeId,
          fieldKeys: ['premises'],
          claim: '地址有误',
        }).finish(),
      ),
    disputeRejected: (id: string, disputeId: string, status = S.LICENCE_STATUS_VALID) =>
      loggable(
        'certificate.dispute-resolved',
        ev.DisputeResolved.encode({
          certificate: facts(id, 1, status, Op.LICENCE_OPERATION_OTHER),
          disputeId,
          outcome: cv.DisputeOutcome.DISPUTE_OUTCOME_REJECTED,
          correctedCertificateId: '',
          previousCertificateId: '',
          note: '地址无误',
          changedFieldKeys: [],
        }).finish(),
      ),
    disputeCorrected: (id: string, previous: string, disputeId: string, version: number) =>
      loggable(
        'certificate.dispute-resolved',
        ev.DisputeResolved.encode({
          certificate: facts(id, version, S.LICENCE_STATUS_VALID, Op.LICENCE_OPERATION_CHANGE),
          disputeId,
          outcome: cv.DisputeOutcome.DISPUTE_OUTCOME_CORRECTED,
          correctedCertificateId: id,
          previousCertificateId: previous,
          note: '',
          changedFieldKeys: ['premises'],
        }).finish(),
      ),
    verified: (id: string) =>
      loggable(
        'certificate.verified',
        ev.CertificateVerified.encode({
          certificate: facts(id, 1, S.LICENCE_STATUS_EXPIRED, Op.LICENCE_OPERATION_OTHER),
          verifierCode: '11310000MB2F07012K',
          method: cv.VerificationMethod.VERIFICATION_METHOD_ID,
          valid: false,
          genuine: true,
          mayOperate: false,
          reasons: [],
          verifiedAt: at(0),
        }).finish(),
      ),
  };

  return { e, loggable };
}
