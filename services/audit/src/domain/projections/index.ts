/**
 * The projections a replay can rebuild and compare with their services, by name (`onceonly audit replay
 * --projection <name>`), each with the gRPC service it is compared with.
 */
import { CERTIFICATE_SERVICE, CERTIFICATE_STATUS } from './certificate-status.js';

export {
  CERTIFICATE_SERVICE,
  CERTIFICATE_STATUS,
  CERTIFICATE_STATUS_NAMES,
  type CertificateEventDecoder,
  type CertificateFactsView,
  type CertificateStatus,
  certificateDifferences,
  certificateStatusCheckOf,
  certificateStatusProjectionOf,
  type DecodedCertificateEvent,
  type LiveCertificate,
  type LiveCertificateReader,
  STATUS,
  statusCode,
} from './certificate-status.js';

/** Every projection the replay knows: its name → the service (grpc.health.v1 name) it reads back from. */
export const PROJECTIONS = {
  [CERTIFICATE_STATUS]: { service: CERTIFICATE_SERVICE, what: 'the status of every certificate' },
} as const satisfies Record<string, { service: string; what: string }>;

export type ProjectionName = keyof typeof PROJECTIONS;

export const PROJECTION_NAMES = Object.keys(PROJECTIONS) as ProjectionName[];
