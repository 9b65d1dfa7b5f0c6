import { randomBytes, X509Certificate } from 'node:crypto';
import { AppError, invalid } from '@onceonly/errors';
import { buildCertificate, extensions, keyIdentifier, validateNames, wholeSecond } from './certificate-builder.js';
import { type CertificateFields, readCertificate } from './certificate-reader.js';
import { assertP256, generateKeyPair, type KeyPair, sameKey } from './keys.js';
import { OID } from './oids.js';
import { derToPem, singleCertificateDer } from './pem.js';

/** The time source: tests freeze it. */
export type Clock = () => Date;

/** The hub's certificate authority: its certificate and key pair. */
export interface CertificateAuthority {
  /** The self-signed root certificate (PEM). */
  readonly certPem: string;
  readonly keyPair: KeyPair;
}

/** Options of {@link createRootCa}. */
export interface CreateRootCaOptions {
  /** Subject CN, for example `OnceOnly Hub Root CA`. */
  readonly commonName: string;
  /** Subject O, for example `上海市普陀区人民政府`. */
  readonly organisation: string;
  /** Whole years from `clock()`; 1 to 30. */
  readonly validityYears: number;
  readonly clock: Clock;
  /** An existing P-256 key pair (for example one loaded from storage); a fresh one by default. */
  readonly keyPair?: KeyPair;
  /** Serial number bytes; 16 random bytes by default. */
  readonly serialNumber?: Uint8Array;
}

/**
 * 16 random bytes, positive and minimally encoded: the first byte is in 0x40..0x7f, so the DER INTEGER needs no
 * leading zero and never loses a byte (RFC 5280 wants at most 20 bytes, CA/B rules at least 64 bits of entropy).
 */
export function randomSerialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes;
}

/**
 * Creates the hub's self-signed root CA: ECDSA P-256, subject `C=CN, O=<organisation>, CN=<commonName>`,
 * valid from `clock()` (to the second) for `validityYears`, basicConstraints `cA:TRUE, pathlen:0` (critical),
 * keyUsage `keyCertSign, cRLSign` (critical), subjectKeyIdentifier.
 */
export function createRootCa(options: CreateRootCaOptions): CertificateAuthority {
  const { validityYears } = options;
  if (!Number.isInteger(validityYears) || validityYears < 1 || validityYears > 30) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'validityYears', reason: 'RANGE', description: 'must be a whole number of years from 1 to 30' },
    ]);
  }
  const subject = [
    { oid: OID.countryName, value: 'CN' },
    { oid: OID.organizationName, value: options.organisation },
    { oid: OID.commonName, value: options.commonName },
  ];
  validateNames(subject, ['country', 'organisation', 'commonName']);
  const keyPair = options.keyPair ?? generateKeyPair();
  assertP256(keyPair.privateKey, 'private', 'the CA key');
  if (!sameKey(keyPair.privateKey, keyPair.publicKey)) {
    throw new AppError('KEY_INVALID', 'the CA key pair: public and private keys do not belong together');
  }
  const notBefore = wholeSecond(options.clock());
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + validityYears);
  const ski = keyIdentifier(keyPair.publicKey);
  const der = buildCertificate({
    serialNumber: options.serialNumber ?? randomSerialNumber(),
    issuer: 'self',
    subject,
    notBefore,
    notAfter,
    publicKey: keyPair.publicKey,
    extensions: [
      extensions.basicConstraints(true),
      extensions.keyUsage(['keyCertSign', 'cRLSign']),
      extensions.subjectKeyIdentifier(ski),
      extensions.authorityKeyIdentifier(ski),
    ],
    signingKey: keyPair.privateKey,
  });
  return { certPem: derToPem('CERTIFICATE', der), keyPair };
}

/** A CA ready to issue: its parsed certificate and the values its certificates copy. */
export interface IssuingCa {
  readonly ca: CertificateAuthority;
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  /** Goes into the authorityKeyIdentifier of what it issues: its own SKI, or one computed from its key. */
  readonly keyId: Buffer;
}

/**
 * Checks that `ca` can issue: one certificate, a CA one with keyCertSign, a P-256 key that matches it.
 * @throws AppError X509_INVALID or KEY_INVALID.
 */
export function issuingCa(ca: CertificateAuthority): IssuingCa {
  const der = singleCertificateDer(ca.certPem, 'CA certificate');
  const fields = readCertificate(der);
  if (!fields.isCa || (fields.keyUsage && !fields.keyUsage.has('keyCertSign'))) {
    throw new AppError('X509_INVALID', 'the CA certificate is not a CA certificate with keyCertSign');
  }
  assertP256(ca.keyPair.privateKey, 'private', 'the CA key');
  const x509 = new X509Certificate(der);
  if (!sameKey(x509.publicKey, ca.keyPair.privateKey)) {
    throw new AppError('KEY_INVALID', 'the CA private key does not match the CA certificate');
  }
  return { ca, x509, fields, keyId: fields.subjectKeyIdentifier ?? keyIdentifier(x509.publicKey) };
}
