/**
 * A real {@link SealKeys} for tests, built from `@onceonly/seal` alone: a test root CA, one seal certificate and
 * key per demo department that seals (licensing, or the service centre's industry-licence seal), LocalKeySigner,
 * a trust bundle, and seal revocations the test records. Real crypto throughout; nothing is faked.
 */

import { AppError } from '@onceonly/errors';
import {
  type CertificateAuthority,
  createRootCa,
  generateKeyPair,
  issueSealCertificate,
  LocalKeySigner,
  parseTrustBundle,
  type Signer,
  trustBundlePem,
} from '@onceonly/seal';
import type { SealKeys } from '../src/app/ports.js';
import { DEMO_DEPARTMENTS, type SealUse } from '../src/domain/departments.js';

export interface TestSeals extends SealKeys {
  readonly ca: CertificateAuthority;
  /** Seal certificate PEM by department code. */
  readonly certificates: ReadonlyMap<string, string>;
  readonly signers: ReadonlyMap<string, Signer>;
  /** Records a seal's compromise time; undefined takes the revocation back (tests only). */
  revoke(departmentCode: string, at: Date | undefined): void;
}

const DAY = 86_400_000;

/** Seals for every demo department that has one, valid from a day before `now` for three years. */
export function testSeals(now: Date = new Date(), commonName = 'OnceOnly Test Root CA'): TestSeals {
  const ca = createRootCa({
    commonName,
    organisation: '上海市普陀区人民政府',
    validityYears: 10,
    clock: () => new Date(now.getTime() - 2 * DAY),
  });
  const certificates = new Map<string, string>();
  const signers = new Map<string, Signer>();
  const uses = new Map<string, SealUse>();
  for (const [i, department] of DEMO_DEPARTMENTS.entries()) {
    if (department.seal === undefined) continue;
    const keys = generateKeyPair();
    const certificatePem = issueSealCertificate({
      ca,
      sealId: `31010700000${i + 10}`,
      department: { code: department.code, name: department.nameZh, division: department.division },
      sealName: department.seal.nameZh.slice(0, 64),
      sealType: department.seal.use === 'industry-licence' ? '行业综合许可专用章' : '行政许可专用章',
      validFrom: new Date(now.getTime() - DAY),
      validTo: new Date(now.getTime() + 3 * 365 * DAY),
      publicKey: keys.publicKey,
    });
    certificates.set(department.code, certificatePem);
    uses.set(department.code, department.seal.use);
    signers.set(
      department.code,
      new LocalKeySigner({ privateKey: keys.privateKey, certificatePem, caCertificatePem: ca.certPem }),
    );
  }
  const revoked = new Map<string, Date>();
  const pem = trustBundlePem([ca.certPem, ...certificates.values()]);
  const bundle = parseTrustBundle(pem);
  return {
    ca,
    certificates,
    signers,
    revoke(code, at) {
      const signer = signers.get(code);
      if (signer && at) revoked.set(signer.kid, at);
      else if (signer) revoked.delete(signer.kid);
    },
    async activeSigner(code, kind, at) {
      const signer = signers.get(code);
      if (signer === undefined || uses.get(code) !== kind) {
        throw new AppError('SEAL_NOT_FOUND', `no ${kind} seal`, { details: { meta: { departmentCode: code } } });
      }
      const revokedAt = revoked.get(signer.kid);
      if (revokedAt !== undefined && revokedAt <= at) throw new AppError('SEAL_REVOKED', 'the seal was revoked');
      return signer;
    },
    async sealStatus(kid) {
      const at = revoked.get(kid);
      return at === undefined ? undefined : { revokedAt: at };
    },
    async trustBundle() {
      return pem;
    },
    async verificationTrust() {
      return {
        trustBundle: bundle,
        sealStatus: (kid: string) => {
          const at = revoked.get(kid);
          return at === undefined ? undefined : { revokedAt: at };
        },
      };
    },
  };
}
