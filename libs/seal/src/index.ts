/**
 * @onceonly/seal: the hub's seals and trust.
 *
 * - A root CA (ECDSA P-256) and the certificates it issues: seal certificates (one per department seal, for
 *   document signing), mTLS client certificates (CN = department code, OU = role) and TLS server certificates.
 *   They are X.509 v3 built with node-forge's ASN.1 encoder and signed with node:crypto; `openssl verify` and
 *   Node's TLS accept them.
 * - The {@link Signer} port and {@link LocalKeySigner}; private keys at rest as encrypted PKCS#8.
 * - Sealing: a compact JWS (ES256) whose header names the seal (`kid`) and carries its chain (`x5c`).
 * - Verification against a trust bundle, with machine-readable reasons ({@link VERIFY_REASONS}); the signature is
 *   checked with node:crypto on a cached key, on the caller's thread (jose checks the same in the tests).
 * - Trust lists: X.509 v2 CRLs of seal certificates signed by the hub CA (reason keyCompromise, Invalidity Date =
 *   compromise time), carried in the trust bundle PEM next to the certificates; offline verification reads them
 *   (`trustList: 'warn' | 'refuse'`) and says when they are stale or missing.
 * - QR payloads: `OO1:` + base45(deflate) of a JWS sealed without `x5c`; the kid resolves in the trust bundle.
 */
export {
  type CertificateAuthority,
  type Clock,
  type CreateRootCaOptions,
  createRootCa,
  randomSerialNumber,
} from './ca.js';
export {
  CRL_REASON_CODES,
  type CrlEntry,
  type IssueSealCrlOptions,
  issueSealCrl,
  readSealCrl,
  type SealCrl,
  type SealRevocation,
} from './crl.js';
export {
  CLIENT_ROLES,
  type ClientRole,
  type Department,
  type IssueClientCertificateOptions,
  type IssueSealCertificateOptions,
  type IssueServerCertificateOptions,
  issueClientCertificate,
  issueSealCertificate,
  issueServerCertificate,
  type Validity,
} from './issue.js';
export {
  type CompactJws,
  MAX_JWS_LENGTH,
  parseCompactJws,
  SEALED_LICENCE_TYP,
  type SealHeader,
  type SealOptions,
  sealPayload,
} from './jws.js';
export {
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  isP256,
  type KeyPair,
} from './keys.js';
export { OID } from './oids.js';
export { fromQrPayload, QR_PREFIX, type SealedWithQr, sealWithQr, toQrPayload } from './qr.js';
export { QR_DICTIONARY_V1 } from './qr-dictionary.js';
export { type SealCertificateInfo, sealCertificateInfo } from './seal-info.js';
export { isSealKid, LocalKeySigner, type LocalKeySignerOptions, type Signer, sealKid } from './signer.js';
export {
  CRL_PEM_LABEL,
  parseTrustBundle,
  resolveKid,
  type TrustBundle,
  trustBundlePem,
  trustListFor,
  trustListPem,
} from './trust-bundle.js';
export {
  type SealStatus,
  type SealStatusLookup,
  SignatureMemory,
  type TrustListInfo,
  type TrustListMode,
  type TrustListProblem,
  VERIFY_REASONS,
  type VerifyOptions,
  type VerifyReason,
  type VerifyResult,
  verifySealedJws,
} from './verify.js';
