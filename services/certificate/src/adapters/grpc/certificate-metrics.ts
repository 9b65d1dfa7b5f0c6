import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { certificateV1 as cv } from '@onceonly/contracts';
import type { Metrics } from '@onceonly/kit';

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/**
 * The certificate service's own counters (ADR 035), counted at the edge after each answer, never per event:
 * `onceonly_certificate_issued_total` (certificates issued, idempotent replays included) and
 * `onceonly_certificate_verifications_total{result, reason}` (each online verification's verdict and its first
 * reason: `valid`/`none` or `invalid`/`REVOKED`...). Calls that fail are counted by the RPC metrics instead.
 */
export function withCertificateMetrics(
  handlers: cv.CertificateServiceServer,
  metrics: Metrics,
): cv.CertificateServiceServer {
  const issued = metrics.counter({
    name: 'onceonly_certificate_issued_total',
    help: 'certificates issued (IssueCertificate answered OK)',
  });
  const verified = metrics.counter({
    name: 'onceonly_certificate_verifications_total',
    help: 'online verifications answered, by verdict and first reason',
    labelNames: ['result', 'reason'],
  });
  return {
    ...handlers,
    issueCertificate: counted(handlers.issueCertificate, () => issued.inc()),
    verifyCertificate: counted(handlers.verifyCertificate, (response) => {
      const reason = response.reasons[0];
      verified.inc({
        result: response.valid ? 'valid' : 'invalid',
        reason:
          reason === undefined ? 'none' : cv.verificationReasonToJSON(reason).replace(/^VERIFICATION_REASON_/, ''),
      });
    }),
  };
}

function counted<Req, Res>(handler: Unary<Req, Res>, count: (response: Res) => void): Unary<Req, Res> {
  return (call, callback) =>
    handler(call, (err, value, ...rest) => {
      if (!err && value !== undefined && value !== null) count(value);
      callback(err, value, ...rest);
    });
}
