import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { encryptPrivateKey, generateKeyPair, issueSealCertificate, sealCertificateInfo } from '@onceonly/seal';
import {
  SEAL_ALGORITHM,
  SEAL_TYPE_NAMES,
  type SealKind,
  type SealRecord,
  sealCode,
  sealValidity,
} from '../../domain/seals/seal.js';
import type { SealDeps } from './ports.js';

/** What a new seal is for. */
export interface NewSealSpec {
  readonly departmentCode: string;
  readonly departmentName: string;
  readonly division: string;
  readonly name: string;
  readonly kind: SealKind;
  /** Undefined: the configured default, cut to the CA's end. */
  readonly validityDays?: number | undefined;
  readonly pictureRef?: string | undefined;
}

/**
 * Makes a seal: a fresh P-256 key, a seal certificate from the hub's CA, the key encrypted with the passphrase.
 * Nothing is stored here: the caller inserts the record in its transaction.
 * @throws AppError INVALID_ARGUMENT (names or validity the certificate cannot carry), KEY_INVALID, X509_INVALID.
 */
export function newSeal(deps: SealDeps, spec: NewSealSpec, now: Date): SealRecord {
  const id = randomUUID();
  const code = sealCode(spec.division, spec.kind, id);
  const { validFrom, validTo } = sealValidity(now, spec.validityDays, deps.defaultValidityDays, deps.ca.notAfter);
  const keys = generateKeyPair();
  const certificatePem = issueSealCertificate({
    ca: deps.ca.authority,
    sealId: code,
    department: { code: spec.departmentCode, name: spec.departmentName, division: spec.division },
    sealName: spec.name,
    sealType: SEAL_TYPE_NAMES[spec.kind],
    validFrom,
    validTo,
    publicKey: keys.publicKey,
  });
  const info = sealCertificateInfo(certificatePem);
  return {
    id,
    sealCode: code,
    departmentCode: spec.departmentCode,
    departmentName: spec.departmentName,
    division: spec.division,
    name: spec.name,
    kind: spec.kind,
    status: 'active',
    algorithm: SEAL_ALGORITHM,
    kid: info.kid,
    serialNumber: info.serialNumber,
    fingerprintSha256: createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex'),
    certificatePem,
    encryptedKeyPem: encryptPrivateKey(keys.privateKey, deps.passphrase),
    issuerFingerprint: deps.ca.fingerprintSha256,
    validFrom: info.validFrom,
    validTo: info.validTo,
    pictureRef: spec.pictureRef,
    createdAt: now,
  };
}
