/**
 * @onceonly/certificate/replay: the certificate service's replay projection (docs/adr/005-replay-projections.md),
 * which `onceonly audit replay` runs: the status of every certificate version rebuilt from the logged
 * `certificate.*` events alone, by the domain's own rules, and compared with what GetCertificate answers. The hub
 * passes it to the audit replay; the audit service never imports it.
 *
 * @example
 * import { CERTIFICATE_REPLAY, certificateStatusCheck } from '@onceonly/certificate/replay';
 * const check = certificateStatusCheck(async (id) => (await client.getCertificate({ ref: { $case: 'id', value: id } })).certificate);
 * const report = await replay({ log, projections: [check] });
 */
import type { ProjectionDescriptor } from '@onceonly/replay';
import { CERTIFICATE_SERVICE } from './adapters/events/certificate-replay.js';
import { CERTIFICATE_STATUS } from './domain/replay/certificate-status.js';

export {
  CERTIFICATE_SERVICE,
  type CertificateLookup,
  certificateStatusCheck,
  certificateStatusProjection,
  decodeCertificateEvent,
  liveCertificateOf,
  statusCode,
} from './adapters/events/certificate-replay.js';
export {
  CERTIFICATE_STATUS,
  type CertificateReplayFact,
  type CertificateStatus,
  describeStatus,
  evolveCertificateStatus,
  type ReplayedFacts,
} from './domain/replay/certificate-status.js';
export { certificateDifferences, type LiveCertificate } from './domain/replay/compare.js';

/** The certificate status projection, as the hub lists it. */
export const CERTIFICATE_REPLAY: ProjectionDescriptor = {
  name: CERTIFICATE_STATUS,
  service: CERTIFICATE_SERVICE,
  what: 'the status of every certificate',
};
