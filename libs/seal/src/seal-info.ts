import { type CertificateFields, nameValue, readCertificate } from './certificate-reader.js';
import { OID } from './oids.js';
import { derToPem, singleCertificateDer } from './pem.js';
import { sealKid } from './signer.js';

/** What a seal certificate says, read back from its subject (see {@link issueSealCertificate}). */
export interface SealCertificateInfo {
  /** {@link sealKid} of the certificate. */
  readonly kid: string;
  /** Certificate serial number, upper-case hex. */
  readonly serialNumber: string;
  /** Subject serialNumber. */
  readonly sealId: string | undefined;
  /** Subject CN. */
  readonly sealName: string | undefined;
  /** Subject title. */
  readonly sealType: string | undefined;
  /** Subject O. */
  readonly departmentName: string | undefined;
  /** Subject OU. */
  readonly departmentCode: string | undefined;
  /** Subject L. */
  readonly division: string | undefined;
  readonly validFrom: Date;
  readonly validTo: Date;
  readonly pem: string;
}

/**
 * Reads a seal certificate's metadata.
 * @param certificate PEM or DER.
 * @throws AppError X509_INVALID when it is not a certificate.
 */
export function sealCertificateInfo(certificate: string | Uint8Array): SealCertificateInfo {
  const der = typeof certificate === 'string' ? singleCertificateDer(certificate) : Buffer.from(certificate);
  return infoFromFields(der, readCertificate(der));
}

/** @internal {@link sealCertificateInfo} from a certificate already read (and its kid, when already computed). */
export function infoFromFields(der: Buffer, read: CertificateFields, kid: string = sealKid(der)): SealCertificateInfo {
  const subject = read.subject;
  return {
    kid,
    serialNumber: read.serialNumber,
    sealId: nameValue(subject, OID.serialNumber),
    sealName: nameValue(subject, OID.commonName),
    sealType: nameValue(subject, OID.title),
    departmentName: nameValue(subject, OID.organizationName),
    departmentCode: nameValue(subject, OID.organizationalUnitName),
    division: nameValue(subject, OID.localityName),
    validFrom: read.notBefore,
    validTo: read.notAfter,
    pem: derToPem('CERTIFICATE', der),
  };
}
