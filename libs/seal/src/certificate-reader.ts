/**
 * Reads the parts of an X.509 certificate that node:crypto's X509Certificate does not expose as values: the subject
 * attributes (exactly, with Chinese text), validity as dates, key usage bits, extended key usages, key identifiers
 * and basic constraints. Signatures and issuance are checked with X509Certificate; this only reads.
 */
import { AppError } from '@onceonly/errors';
import type { NameAttribute } from './certificate-builder.js';
import {
  type Asn1,
  Asn1Type,
  children,
  content,
  fromDer,
  isContext,
  isUniversal,
  readBitString,
  readBoolean,
  readDirectoryString,
  readOid,
  readTime,
} from './der.js';
import { KEY_USAGE_BITS, type KeyUsage, OID } from './oids.js';

/** The fields of a certificate this package looks at. */
export interface CertificateFields {
  /** Serial number, upper-case hex without leading zero bytes (as X509Certificate.serialNumber gives it). */
  readonly serialNumber: string;
  /** The issuer Name as an ASN.1 node (to copy into certificates this issuer signs). */
  readonly issuerName: Asn1;
  /** The subject Name as an ASN.1 node. */
  readonly subjectName: Asn1;
  readonly subject: readonly NameAttribute[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Key usage bits that are set; undefined when the extension is absent. */
  readonly keyUsage: ReadonlySet<KeyUsage> | undefined;
  /** Extended key usage OIDs; undefined when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** BasicConstraints cA; false when the extension is absent. */
  readonly isCa: boolean;
  readonly subjectKeyIdentifier: Buffer | undefined;
  readonly authorityKeyIdentifier: Buffer | undefined;
}

function readName(node: Asn1 | undefined): NameAttribute[] {
  return children(node, 'Name').flatMap((rdn) =>
    children(rdn, 'RelativeDistinguishedName').map((atv) => {
      const [type, value] = children(atv, 'AttributeTypeAndValue');
      return { oid: readOid(type, 'attribute type'), value: readDirectoryString(value, 'attribute value') };
    }),
  );
}

function readKeyUsage(value: Asn1): Set<KeyUsage> {
  const { bytes } = readBitString(value, 'KeyUsage');
  const set = new Set<KeyUsage>();
  for (const [name, bit] of Object.entries(KEY_USAGE_BITS) as [KeyUsage, number][]) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) set.add(name);
  }
  return set;
}

function readBasicConstraints(value: Asn1): boolean {
  const [first] = children(value, 'BasicConstraints');
  return isUniversal(first, Asn1Type.BOOLEAN) ? readBoolean(first, 'cA') : false;
}

function readAuthorityKeyId(value: Asn1): Buffer | undefined {
  const keyId = children(value, 'AuthorityKeyIdentifier').find((n) => isContext(n, 0));
  return keyId ? content(keyId, 'keyIdentifier') : undefined;
}

interface Extensions {
  keyUsage?: Set<KeyUsage>;
  extKeyUsage?: string[];
  isCa: boolean;
  subjectKeyIdentifier?: Buffer;
  authorityKeyIdentifier?: Buffer;
}

function readExtensions(node: Asn1 | undefined): Extensions {
  const out: Extensions = { isCa: false };
  if (!node) return out;
  for (const extension of children(children(node, 'extensions')[0], 'Extensions')) {
    const parts = children(extension, 'Extension');
    const id = readOid(parts[0], 'extnID');
    const value = fromDer(content(parts[parts.length - 1], 'extnValue'));
    if (id === OID.keyUsage) out.keyUsage = readKeyUsage(value);
    else if (id === OID.extKeyUsage) out.extKeyUsage = children(value, 'ExtKeyUsage').map((n) => readOid(n, 'purpose'));
    else if (id === OID.basicConstraints) out.isCa = readBasicConstraints(value);
    else if (id === OID.subjectKeyIdentifier) out.subjectKeyIdentifier = content(value, 'SubjectKeyIdentifier');
    else if (id === OID.authorityKeyIdentifier) out.authorityKeyIdentifier = readAuthorityKeyId(value);
  }
  return out;
}

/**
 * Reads a DER certificate.
 * @throws AppError X509_INVALID when the DER is not a certificate this reader understands.
 */
export function readCertificate(der: Uint8Array): CertificateFields {
  try {
    const [tbs] = children(fromDer(der), 'Certificate');
    const fields = children(tbs, 'TBSCertificate');
    const offset = isContext(fields[0], 0) ? 1 : 0; // version is optional (v1)
    const at = (i: number) => fields[offset + i];
    const serial = content(at(0), 'serialNumber');
    const [notBefore, notAfter] = children(at(3), 'Validity');
    const extensions = readExtensions(fields.slice(offset + 6).find((n) => isContext(n, 3)));
    const issuerName = at(2);
    const subjectName = at(4);
    if (!issuerName || !subjectName) throw new Error('TBSCertificate: missing names');
    return {
      serialNumber: serialHex(serial),
      issuerName,
      subjectName,
      subject: readName(subjectName),
      notBefore: readTime(notBefore, 'notBefore'),
      notAfter: readTime(notAfter, 'notAfter'),
      keyUsage: extensions.keyUsage,
      extKeyUsage: extensions.extKeyUsage,
      isCa: extensions.isCa,
      subjectKeyIdentifier: extensions.subjectKeyIdentifier,
      authorityKeyIdentifier: extensions.authorityKeyIdentifier,
    };
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('X509_INVALID', 'not a readable X.509 certificate', { cause });
  }
}

function serialHex(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start).toString('hex').toUpperCase();
}

/** The first value of an attribute in a name, or undefined. */
export function nameValue(attrs: readonly NameAttribute[], oidValue: string): string | undefined {
  return attrs.find((a) => a.oid === oidValue)?.value;
}
