import { certificateV1 as cv, certificateEventsV1 as ev } from '@onceonly/contracts';
import { type Projection, type ProjectionCheck, projectionOf, type ReplayEvent } from '@onceonly/replay';
import { CERTIFICATE_EVENT_TYPES as T } from '../../domain/events.js';
import {
  CERTIFICATE_STATUS,
  type CertificateReplayFact,
  type CertificateStatus,
  evolveCertificateStatus,
  type ReplayedFacts,
} from '../../domain/replay/certificate-status.js';
import { certificateDifferences, type LiveCertificate } from '../../domain/replay/compare.js';

// The wire side of the certificate status replay (docs/adr/005): the logged `certificate.*` events' protobuf bodies
// (proto/onceonly/certificate/v1/events.proto) decoded into the domain's replay facts, and GetCertificate's answer
// as the replay compares it. The rules are in `domain/replay/`.

/** The gRPC service the projection is compared with (its grpc.health.v1 name). */
export const CERTIFICATE_SERVICE = 'onceonly.certificate.v1.CertificateService';

/** A proto status or operation (the enum numbers are the codes: 1 → `01`, 99 → `99`) as its two-digit code. */
export function statusCode(value: number): string {
  return String(value).padStart(2, '0');
}

function factsOf(facts: ev.CertificateFacts | undefined): ReplayedFacts | undefined {
  if (facts === undefined) return undefined;
  return {
    certificateId: facts.certificateId,
    version: facts.version,
    status: statusCode(facts.status),
    operation: statusCode(facts.operation),
  };
}

/** Facts only: the optional `facts` is left out when the body carried none (exactOptionalPropertyTypes). */
function withFacts<F extends object>(facts: ev.CertificateFacts | undefined, rest: F): F & { facts?: ReplayedFacts } {
  const seen = factsOf(facts);
  return seen === undefined ? rest : { ...rest, facts: seen };
}

const KINDS: Partial<Record<cv.RevocationKind, 'withdrawn' | 'revoked'>> = {
  [cv.RevocationKind.REVOCATION_KIND_WITHDRAWN]: 'withdrawn',
  [cv.RevocationKind.REVOCATION_KIND_REVOKED]: 'revoked',
};

const OUTCOMES: Partial<Record<cv.DisputeOutcome, 'corrected' | 'rejected'>> = {
  [cv.DisputeOutcome.DISPUTE_OUTCOME_CORRECTED]: 'corrected',
  [cv.DisputeOutcome.DISPUTE_OUTCOME_REJECTED]: 'rejected',
};

type Decoder = (data: Uint8Array) => CertificateReplayFact;

const DECODERS: Readonly<Record<string, Decoder>> = {
  [T.ISSUED]: (data) => {
    const body = ev.CertificateIssued.decode(data);
    const components = body.industryCode === '' ? [] : body.componentCertificateIds;
    return withFacts(body.certificate, { type: T.ISSUED, componentCertificateIds: components });
  },
  [T.CHANGED]: (data) => {
    const body = ev.CertificateChanged.decode(data);
    return withFacts(body.certificate, { type: T.CHANGED, previousCertificateId: body.previousCertificateId });
  },
  [T.RENEWED]: (data) => {
    const body = ev.CertificateRenewed.decode(data);
    return withFacts(body.certificate, { type: T.RENEWED, previousCertificateId: body.previousCertificateId });
  },
  [T.REISSUED]: (data) => {
    const body = ev.CertificateReissued.decode(data);
    return withFacts(body.certificate, { type: T.REISSUED, previousCertificateId: body.previousCertificateId });
  },
  [T.SUSPENDED]: (data) => withFacts(ev.CertificateSuspended.decode(data).certificate, { type: T.SUSPENDED }),
  [T.RESUMED]: (data) => withFacts(ev.CertificateResumed.decode(data).certificate, { type: T.RESUMED }),
  [T.CANCELLED]: (data) => withFacts(ev.CertificateCancelled.decode(data).certificate, { type: T.CANCELLED }),
  [T.EXPIRED]: (data) => withFacts(ev.CertificateExpired.decode(data).certificate, { type: T.EXPIRED }),
  [T.REVOKED]: (data) => {
    const body = ev.CertificateRevoked.decode(data);
    const kind = KINDS[body.kind];
    return withFacts(body.certificate, { type: T.REVOKED, ...(kind ? { kind } : {}) });
  },
  [T.DISPUTE_RAISED]: (data) => {
    const body = ev.DisputeRaised.decode(data);
    return withFacts(body.certificate, { type: T.DISPUTE_RAISED, disputeId: body.disputeId });
  },
  [T.DISPUTE_RESOLVED]: (data) => {
    const body = ev.DisputeResolved.decode(data);
    const outcome = OUTCOMES[body.outcome];
    return withFacts(body.certificate, {
      type: T.DISPUTE_RESOLVED,
      disputeId: body.disputeId,
      previousCertificateId: body.previousCertificateId,
      ...(outcome ? { outcome } : {}),
    });
  },
};

/** Events that are reads, not changes: they move no status. */
const READS = new Set<string>([T.VERIFIED, T.LICENCES_CHECKED]);

/**
 * Decodes a logged `certificate.*` event into its replay fact: `'ignore'` for reads (verifications, platform checks),
 * undefined for a type the replay does not know. Throws on a body that does not decode.
 */
export function decodeCertificateEvent(
  event: Pick<ReplayEvent, 'type' | 'data'>,
): CertificateReplayFact | 'ignore' | undefined {
  if (READS.has(event.type)) return 'ignore';
  // own keys only: a hostile type such as `constructor` names no decoder
  return Object.hasOwn(DECODERS, event.type) ? DECODERS[event.type]?.(event.data) : undefined;
}

/** The certificate status projection: the decoder and the domain's pure fold. */
export const certificateStatusProjection: Projection<CertificateStatus> = projectionOf({
  name: CERTIFICATE_STATUS,
  accepts: (type) => type.startsWith('certificate.'),
  decode: decodeCertificateEvent,
  evolve: evolveCertificateStatus,
  keyLabel: (id) => `certificate ${id}`,
});

/** What GetCertificate answered, as the replay compares it. */
export function liveCertificateOf(certificate: cv.Certificate): LiveCertificate {
  return {
    version: certificate.version,
    status: statusCode(certificate.status),
    ...(certificate.supersededById === '' ? {} : { supersededById: certificate.supersededById }),
    statusChangedAt: certificate.statusChangedAt,
  };
}

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
  return {
    projection: certificateStatusProjection,
    ...(lookup === undefined
      ? { skipped: options.skipped ?? 'the certificate service was not asked' }
      : {
          reader: {
            read: async (id: string) => {
              const certificate = await lookup(id);
              return certificate === undefined ? undefined : liveCertificateOf(certificate);
            },
          },
        }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    differences: certificateDifferences,
  };
}
