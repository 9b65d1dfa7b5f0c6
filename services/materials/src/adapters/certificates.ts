import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import type { Certificates, NamedApplicant } from '../app/ports.js';
import type { CertificateLookup, CertificateStatus } from '../domain/resolution.js';
import { type PeerOptions, peerCalls } from './peer-calls.js';

/** How the materials service reaches the certificate service (mTLS: a client certificate whose OU is `portal`). */
export type CertificateProviderOptions = PeerOptions;

const STATUS: ReadonlyMap<cv.LicenceStatus, CertificateStatus> = new Map([
  [cv.LicenceStatus.LICENCE_STATUS_VALID, 'valid'],
  [cv.LicenceStatus.LICENCE_STATUS_SUSPENDED, 'suspended'],
  [cv.LicenceStatus.LICENCE_STATUS_WITHDRAWN, 'withdrawn'],
  [cv.LicenceStatus.LICENCE_STATUS_CANCELLED, 'cancelled'],
  [cv.LicenceStatus.LICENCE_STATUS_EXPIRED, 'expired'],
  [cv.LicenceStatus.LICENCE_STATUS_TRANSFERRED_OUT, 'transferred-out'],
  [cv.LicenceStatus.LICENCE_STATUS_REVOKED, 'revoked'],
  [cv.LicenceStatus.LICENCE_STATUS_OTHER, 'other'],
]);

/** The certificate status of a LicenceStatus (`unknown` for one this service does not know). */
export function statusOf(value: cv.LicenceStatus): CertificateStatus {
  return STATUS.get(value) ?? 'unknown';
}

/** Codes that say the provider could not answer now (rather than that the question was wrong). */
const UNAVAILABLE = new Set([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.CANCELLED,
]);

/**
 * Picks the applicant's certificate of a type among the current versions the holder holds: a valid one when there
 * is one (the newest), else the newest whatever its status (its status is then the reason).
 */
export function pickCertificate(held: readonly cv.Certificate[], typeCode: string): cv.Certificate | undefined {
  const ofType = held
    .filter((c) => c.metadata?.typeCode === typeCode)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return ofType.find((c) => c.status === cv.LicenceStatus.LICENCE_STATUS_VALID) ?? ofType[0];
}

/**
 * The certificate service over its gRPC API (the contracts in libs/contracts; never its code): the applicant's
 * certificates with ListHolderCertificates, asking as the portal acting for the applicant, then each candidate
 * verified by id with VerifyCertificate (seal, record, live status, validity). A provider that does not answer, or
 * answers an error, makes every asked type `unavailable`: the materials stay REQUIRED, with that reason.
 */
export function grpcCertificates(options: CertificateProviderOptions): Certificates & { close(): void } {
  const client = new cv.CertificateServiceClient(options.address, options.credentials ?? credentials.createInsecure());
  const unary = peerCalls(client, options, 'portal');
  return {
    async lookup(applicant: NamedApplicant, typeCodes: readonly string[]) {
      const answers = new Map<string, CertificateLookup>();
      if (typeCodes.length === 0) return answers;
      try {
        const held = await unary<cv.ListHolderCertificatesRequest, cv.ListHolderCertificatesResponse>(
          client.listHolderCertificates,
          cv.ListHolderCertificatesRequest.fromPartial(
            applicant.kind === 'organisation'
              ? { holderCode: applicant.code, holderCodeType: HolderCodeType.HOLDER_CODE_TYPE_USCC }
              : { holderCode: applicant.id, holderCodeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID },
          ),
        );
        await Promise.all(
          typeCodes.map(async (typeCode) => {
            const candidate = pickCertificate(held.certificates, typeCode);
            if (!candidate) return void answers.set(typeCode, { kind: 'none' });
            const verdict = await unary<cv.VerifyCertificateRequest, cv.VerifyCertificateResponse>(
              client.verifyCertificate,
              cv.VerifyCertificateRequest.fromPartial({ subject: { $case: 'id', value: candidate.id } }),
            );
            const validTo = candidate.metadata?.validTo ?? '';
            answers.set(typeCode, {
              kind: 'found',
              certificateId: candidate.id,
              typeCode,
              number: candidate.metadata?.number ?? '',
              status: statusOf(verdict.status),
              ...(validTo ? { validTo } : {}),
              verified: verdict.valid,
              verifiedAt: verdict.checkedAt ? new Date(verdict.checkedAt) : options.clock(),
            });
          }),
        );
        return answers;
      } catch (err) {
        const code = (err as ServiceError).code;
        // the holder's code is never logged: only what went wrong
        options.log.warn(
          { grpcCode: code, unavailable: UNAVAILABLE.has(code) },
          'certificate provider did not answer: materials stay required',
        );
        return new Map(typeCodes.map((t) => [t, { kind: 'unavailable' } as const]));
      }
    },
    close: () => client.close(),
  };
}
