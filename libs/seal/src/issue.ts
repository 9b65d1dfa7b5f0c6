import type { KeyObject } from 'node:crypto';
import { invalid } from '@onceonly/errors';
import { type CertificateAuthority, type IssuingCa, issuingCa, randomSerialNumber } from './ca.js';
import {
  buildCertificate,
  type Extension,
  extensions,
  keyIdentifier,
  type NameAttribute,
  validateNames,
  validatePeriod,
} from './certificate-builder.js';
import { assertP256, publicKeyOf } from './keys.js';
import { OID } from './oids.js';
import { derToPem } from './pem.js';

/** The department a seal or a client certificate belongs to. */
export interface Department {
  /** Unified social credit code of the department (18 characters); validated by the caller's adapter. */
  readonly code: string;
  /** Full name, for example `上海市普陀区市场监督管理局`. */
  readonly name: string;
  /** Administrative division code (GB/T 2260, six digits), for example `310107`. */
  readonly division?: string;
}

/** Options of {@link issueSealCertificate}. */
export interface IssueSealCertificateOptions {
  readonly ca: CertificateAuthority;
  /** Seal id (印章编码): PrintableString characters, at most 64. Goes into the subject's serialNumber. */
  readonly sealId: string;
  readonly department: Department;
  /** Seal name (印章名称), for example `上海市普陀区市场监督管理局行政许可专用章`; the subject CN (at most 64). */
  readonly sealName: string;
  /** Seal type (印章类型), for example `05` or `行政许可专用章`; the subject title (at most 64). */
  readonly sealType: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** The seal's public key (P-256); a private key is accepted and its public half used. */
  readonly publicKey: KeyObject;
  /** Certificate serial number bytes; 16 random bytes by default. */
  readonly serialNumber?: Uint8Array;
}

/** A validity period of a TLS certificate. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Roles in a client certificate's OU; the same list as the kit's `CALLER_ROLES`. */
export const CLIENT_ROLES = ['department', 'platform', 'portal', 'auditor'] as const;

/** The role of a client certificate. */
export type ClientRole = (typeof CLIENT_ROLES)[number];

/** Options of {@link issueClientCertificate}. */
export interface IssueClientCertificateOptions {
  readonly ca: CertificateAuthority;
  readonly department: Pick<Department, 'code' | 'name'>;
  readonly role: ClientRole;
  readonly publicKey: KeyObject;
  readonly validity: Validity;
  readonly serialNumber?: Uint8Array;
}

/** Options of {@link issueServerCertificate}. */
export interface IssueServerCertificateOptions {
  readonly ca: CertificateAuthority;
  /** Host names and IP addresses the server answers on, for example `['127.0.0.1', 'localhost']`. */
  readonly hosts: readonly string[];
  readonly publicKey: KeyObject;
  readonly validity: Validity;
  /** Subject CN; the first host by default. */
  readonly commonName?: string;
  /** Subject O; `OnceOnly` by default. */
  readonly organisation?: string;
  readonly serialNumber?: Uint8Array;
}

const DIVISION = /^\d{6}$/;

/** Everything an issued (non-CA) certificate has in common. */
function issueLeaf(
  signer: IssuingCa,
  input: {
    subject: NameAttribute[];
    fields: string[];
    notBefore: Date;
    notAfter: Date;
    publicKey: KeyObject;
    serialNumber: Uint8Array | undefined;
    extensions: Extension[];
    periodField: string;
  },
): string {
  validateNames(input.subject, input.fields);
  validatePeriod(input.notBefore, input.notAfter, input.periodField);
  if (input.notAfter.getTime() > signer.fields.notAfter.getTime()) {
    // A certificate that outlives its CA could never be verified after the CA expires: refuse it now.
    throw invalid('INVALID_ARGUMENT', [
      { field: input.periodField, reason: 'BEYOND_CA', description: 'must end before the CA certificate expires' },
    ]);
  }
  const publicKey = publicKeyOf(input.publicKey);
  assertP256(publicKey, 'public', 'the subject key');
  const der = buildCertificate({
    serialNumber: input.serialNumber ?? randomSerialNumber(),
    issuer: signer.fields.subjectName,
    subject: input.subject,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    publicKey,
    extensions: [
      extensions.basicConstraints(false),
      ...input.extensions,
      extensions.subjectKeyIdentifier(keyIdentifier(publicKey)),
      extensions.authorityKeyIdentifier(signer.keyId),
    ],
    signingKey: signer.ca.keyPair.privateKey,
  });
  return derToPem('CERTIFICATE', der);
}

/**
 * Issues a seal certificate (电子印章证书) for one department seal. Subject, in order:
 * `C=CN, L=<division>?, O=<department name>, OU=<department code>, title=<seal type>, CN=<seal name>,
 * serialNumber=<seal id>`. keyUsage `digitalSignature, nonRepudiation` (critical), extendedKeyUsage
 * `documentSigning` (1.3.6.1.5.5.7.3.36), basicConstraints `cA:FALSE`, subject and authority key identifiers.
 * Validity as given, to the second.
 * @returns the certificate as PEM.
 * @throws AppError INVALID_ARGUMENT (with field violations), KEY_INVALID, X509_INVALID.
 */
export function issueSealCertificate(options: IssueSealCertificateOptions): string {
  const signer = issuingCa(options.ca);
  const { department } = options;
  if (department.division !== undefined && !DIVISION.test(department.division)) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'department.division', reason: 'DIVISION', description: 'must be a six-digit division code' },
    ]);
  }
  const subject: NameAttribute[] = [{ oid: OID.countryName, value: 'CN' }];
  const fields = ['country'];
  if (department.division !== undefined) {
    subject.push({ oid: OID.localityName, value: department.division });
    fields.push('department.division');
  }
  subject.push(
    { oid: OID.organizationName, value: department.name },
    { oid: OID.organizationalUnitName, value: department.code },
    { oid: OID.title, value: options.sealType },
    { oid: OID.commonName, value: options.sealName },
    { oid: OID.serialNumber, value: options.sealId },
  );
  fields.push('department.name', 'department.code', 'sealType', 'sealName', 'sealId');
  return issueLeaf(signer, {
    subject,
    fields,
    notBefore: options.validFrom,
    notAfter: options.validTo,
    publicKey: options.publicKey,
    serialNumber: options.serialNumber,
    periodField: 'validTo',
    extensions: [
      extensions.keyUsage(['digitalSignature', 'nonRepudiation']),
      extensions.extKeyUsage([OID.documentSigning]),
    ],
  });
}

/**
 * Issues an mTLS client certificate for a department system, platform, portal or auditor:
 * `C=CN, O=<department name>, OU=<role>, CN=<department code>` (what the kit's `callerFromCertificate` reads),
 * keyUsage `digitalSignature`, extendedKeyUsage `clientAuth`.
 * @returns the certificate as PEM.
 */
export function issueClientCertificate(options: IssueClientCertificateOptions): string {
  const signer = issuingCa(options.ca);
  if (!(CLIENT_ROLES as readonly string[]).includes(options.role)) {
    throw invalid('INVALID_ARGUMENT', [
      { field: 'role', reason: 'ROLE', description: `must be one of ${CLIENT_ROLES.join(', ')}` },
    ]);
  }
  return issueLeaf(signer, {
    subject: [
      { oid: OID.countryName, value: 'CN' },
      { oid: OID.organizationName, value: options.department.name },
      { oid: OID.organizationalUnitName, value: options.role },
      { oid: OID.commonName, value: options.department.code },
    ],
    fields: ['country', 'department.name', 'role', 'department.code'],
    notBefore: options.validity.notBefore,
    notAfter: options.validity.notAfter,
    publicKey: options.publicKey,
    serialNumber: options.serialNumber,
    periodField: 'validity',
    extensions: [extensions.keyUsage(['digitalSignature']), extensions.extKeyUsage([OID.clientAuth])],
  });
}

/**
 * Issues a TLS server certificate: `C=CN, O=<organisation>, CN=<commonName>`, subjectAltName with every host
 * (dNSName or iPAddress), keyUsage `digitalSignature`, extendedKeyUsage `serverAuth`.
 * @returns the certificate as PEM.
 */
export function issueServerCertificate(options: IssueServerCertificateOptions): string {
  const signer = issuingCa(options.ca);
  const [first] = options.hosts;
  if (first === undefined) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'hosts', reason: 'EMPTY', description: 'name at least one host' }]);
  }
  return issueLeaf(signer, {
    subject: [
      { oid: OID.countryName, value: 'CN' },
      { oid: OID.organizationName, value: options.organisation ?? 'OnceOnly' },
      { oid: OID.commonName, value: options.commonName ?? first },
    ],
    fields: ['country', 'organisation', 'commonName'],
    notBefore: options.validity.notBefore,
    notAfter: options.validity.notAfter,
    publicKey: options.publicKey,
    serialNumber: options.serialNumber,
    periodField: 'validity',
    extensions: [
      extensions.keyUsage(['digitalSignature']),
      extensions.extKeyUsage([OID.serverAuth]),
      extensions.subjectAltName(options.hosts),
    ],
  });
}
