import { certificateV1 as cv, certificateEventsV1 as ev } from '@onceonly/contracts';
import type { Projection, ProjectionCheck } from '../../domain/projection.js';
import {
  type CertificateEventDecoder,
  type CertificateFactsView,
  type CertificateStatus,
  certificateStatusCheckOf,
  certificateStatusProjectionOf,
  type DecodedCertificateEvent,
  type LiveCertificate,
  STATUS,
  statusCode,
} from '../../domain/projections/certificate-status.js';

/**
 * The wire side of the certificate status projection: the bodies of the `certificate.*` events
 * (`proto/onceonly/certificate/v1/events.proto`) decoded into what the rules of
 * `domain/projections/certificate-status.ts` read, and GetCertificate's answer as the projection compares it.
 */

const { VALID, SUSPENDED, WITHDRAWN, CANCELLED, EXPIRED, REVOKED } = STATUS;

type Decoder = (data: Uint8Array) => DecodedCertificateEvent;

/** A new version that supersedes the one it names (change 09, renew 02, reissue 07); refused while a dispute is open. */
function newVersionDecoder(
  codec: {
    decode(data: Uint8Array): { certificate?: CertificateFactsView | undefined; previousCertificateId: string };
  },
  operation: string,
): Decoder {
  return (data) => {
    const body = codec.decode(data);
    return { facts: body.certificate, previousId: body.previousCertificateId, operation, dispute: { blocks: true } };
  };
}

/** Events that are reads, not changes: they do not move any status. */
const READS = new Set(['certificate.verified', 'certificate.licences-checked']);

const DECODERS: Readonly<Record<string, Decoder>> = {
  'certificate.issued': (data) => {
    const body = ev.CertificateIssued.decode(data);
    return {
      facts: body.certificate,
      issue: true,
      to: VALID,
      operation: '01',
      ...(body.industryCode === '' ? {} : { components: body.componentCertificateIds }),
    };
  },
  'certificate.changed': newVersionDecoder(ev.CertificateChanged, '09'),
  'certificate.renewed': newVersionDecoder(ev.CertificateRenewed, '02'),
  'certificate.reissued': newVersionDecoder(ev.CertificateReissued, '07'),
  'certificate.suspended': (data) => ({
    facts: ev.CertificateSuspended.decode(data).certificate,
    from: [VALID],
    to: SUSPENDED,
    operation: '03',
  }),
  'certificate.resumed': (data) => ({
    facts: ev.CertificateResumed.decode(data).certificate,
    from: [SUSPENDED],
    to: VALID,
    operation: '06',
  }),
  'certificate.revoked': (data) => {
    const body = ev.CertificateRevoked.decode(data);
    const to =
      body.kind === cv.RevocationKind.REVOCATION_KIND_WITHDRAWN
        ? WITHDRAWN
        : body.kind === cv.RevocationKind.REVOCATION_KIND_REVOKED
          ? REVOKED
          : undefined;
    return { facts: body.certificate, from: [VALID, SUSPENDED], operation: '07', ...(to ? { to } : {}) };
  },
  'certificate.cancelled': (data) => ({
    facts: ev.CertificateCancelled.decode(data).certificate,
    from: [VALID, SUSPENDED, EXPIRED],
    to: CANCELLED,
    operation: '05',
  }),
  'certificate.expired': (data) => ({
    facts: ev.CertificateExpired.decode(data).certificate,
    from: [VALID, SUSPENDED],
    to: EXPIRED,
    operation: '04',
  }),
  'certificate.dispute-raised': (data) => {
    const body = ev.DisputeRaised.decode(data);
    return {
      facts: body.certificate,
      from: [VALID, SUSPENDED, EXPIRED],
      keeps: true,
      operation: '07',
      dispute: { raise: body.disputeId },
    };
  },
  'certificate.dispute-resolved': (data) => {
    const body = ev.DisputeResolved.decode(data);
    if (body.outcome === cv.DisputeOutcome.DISPUTE_OUTCOME_CORRECTED) {
      // the correction is a new version: its facts are the new version's, the dispute was on the previous one
      return {
        facts: body.certificate,
        previousId: body.previousCertificateId,
        operation: '09',
        dispute: { resolve: body.disputeId },
      };
    }
    return { facts: body.certificate, keeps: true, operation: '07', dispute: { resolve: body.disputeId } };
  },
};

/** What GetCertificate answered, as the projection compares it. */
export function liveCertificateOf(certificate: cv.Certificate): LiveCertificate {
  return {
    version: certificate.version,
    status: statusCode(certificate.status),
    ...(certificate.supersededById === '' ? {} : { supersededById: certificate.supersededById }),
    statusChangedAt: certificate.statusChangedAt,
  };
}

/** Decodes a `certificate.*` event body (see {@link CertificateEventDecoder}). */
export const decodeCertificateEvent: CertificateEventDecoder = (type, data) => {
  if (READS.has(type)) return 'read';
  // own keys only: a hostile type such as `constructor` names no decoder
  return Object.hasOwn(DECODERS, type) ? DECODERS[type]?.(data) : undefined;
};

/** The certificate status projection over the certificate events' protobuf bodies. */
export const certificateStatusProjection: Projection<CertificateStatus> =
  certificateStatusProjectionOf(decodeCertificateEvent);

/** Looks a certificate version up in the service: undefined when it does not know the id (CERT_NOT_FOUND). */
export type CertificateLookup = (id: string) => Promise<cv.Certificate | undefined>;

/**
 * The certificate status projection with its reader (GetCertificate by id through `lookup`). Without `lookup` the
 * events are still rebuilt and checked, and the comparison is reported as skipped (`skipped` says why).
 */
export function certificateStatusCheck(
  lookup?: CertificateLookup,
  options: { skipped?: string; concurrency?: number } = {},
): ProjectionCheck<CertificateStatus, LiveCertificate> {
  const read =
    lookup === undefined
      ? undefined
      : async (id: string) => {
          const certificate = await lookup(id);
          return certificate === undefined ? undefined : liveCertificateOf(certificate);
        };
  return certificateStatusCheckOf(certificateStatusProjection, read, options);
}
