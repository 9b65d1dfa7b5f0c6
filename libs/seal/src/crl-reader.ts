/**
 * Reading an X.509 v2 CRL of seal certificates (RFC 5280 §5) into its fields, without checking its signature:
 * `readSealCrl` (node:crypto) and the browser verifier (WebCrypto) check the signature over {@link firstElementDer}
 * each their way, and read the same fields.
 */
import {
  type Asn1,
  Asn1Type,
  children,
  content,
  fromDer,
  isContext,
  isUniversal,
  readBitString,
  readOid,
  readTime,
  toDer,
} from './der.js';
import { OID } from './oids.js';

/** CRL reason codes (RFC 5280 §5.3.1) this package writes or names. */
export const CRL_REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  superseded: 4,
} as const;

/** One entry of a CRL, as read. */
export interface CrlEntry {
  /** Serial number, upper-case hex without leading zero bytes. */
  readonly serialNumber: string;
  readonly revokedAt: Date;
  /** The reason code; `unspecified` (0) when the entry has none. */
  readonly reasonCode: number;
  /** The Invalidity Date, when the entry has one. */
  readonly compromisedAt?: Date;
}

const hexOf = (bytes: Buffer): string => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start).toString('hex').toUpperCase();
};

/** The DER of the first element inside a DER SEQUENCE: what was signed, byte for byte. */
export function firstElementDer(der: Buffer): Buffer {
  const skipHeader = (at: number): number => {
    const first = der[at + 1] ?? 0;
    return at + 2 + (first & 0x80 ? first & 0x7f : 0);
  };
  const lengthAt = (at: number): number => {
    const first = der[at + 1] ?? 0;
    if (!(first & 0x80)) return first;
    let length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + (der[at + 2 + i] ?? 0);
    return length;
  };
  const start = skipHeader(0);
  return der.subarray(start, skipHeader(start) + lengthAt(start));
}

interface EntryExtensions {
  reasonCode: number;
  compromisedAt?: Date;
}

function readExtensionList(node: Asn1 | undefined): Map<string, Asn1> {
  const out = new Map<string, Asn1>();
  for (const extension of children(node, 'Extensions')) {
    const parts = children(extension, 'Extension');
    out.set(readOid(parts[0], 'extnID'), fromDer(content(parts[parts.length - 1], 'extnValue')));
  }
  return out;
}

function readEntryExtensions(node: Asn1 | undefined): EntryExtensions {
  if (!node) return { reasonCode: CRL_REASON_CODES.unspecified };
  const exts = readExtensionList(node);
  const reason = exts.get(OID.reasonCode);
  const invalidity = exts.get(OID.invalidityDate);
  return {
    reasonCode: reason ? (content(reason, 'reasonCode')[0] ?? 0) : CRL_REASON_CODES.unspecified,
    ...(invalidity ? { compromisedAt: readTime(invalidity, 'invalidityDate') } : {}),
  };
}

function readEntry(node: Asn1): CrlEntry {
  const [serial, revoked, exts] = children(node, 'revokedCertificate');
  if (!isUniversal(serial, Asn1Type.INTEGER)) throw new Error('userCertificate: expected an INTEGER');
  return {
    serialNumber: hexOf(content(serial, 'userCertificate')),
    revokedAt: readTime(revoked, 'revocationDate'),
    ...readEntryExtensions(exts),
  };
}

export interface CrlFields {
  readonly issuerDer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly crlNumber: bigint | undefined;
  readonly entries: CrlEntry[];
  readonly algorithm: string;
  readonly signature: Buffer;
}

export function readCrlFields(der: Buffer): CrlFields {
  const [tbs, algorithm, signature] = children(fromDer(der), 'CertificateList');
  const items = [...children(tbs, 'TBSCertList')];
  if (!isUniversal(items[0], Asn1Type.INTEGER) || content(items[0], 'version')[0] !== 1) {
    throw new Error('version: this package reads v2 CRLs only');
  }
  const [, , issuer, thisUpdate, ...rest] = items;
  const nextUpdate =
    rest[0] && !isContext(rest[0], 0) && !isUniversal(rest[0], Asn1Type.SEQUENCE) ? rest.shift() : undefined;
  const revoked = rest[0] && isUniversal(rest[0], Asn1Type.SEQUENCE) ? rest.shift() : undefined;
  const exts = rest[0] && isContext(rest[0], 0) ? readExtensionList(children(rest[0], 'crlExtensions')[0]) : new Map();
  const number = exts.get(OID.cRLNumber);
  return {
    issuerDer: toDer(issuer as Asn1),
    thisUpdate: readTime(thisUpdate, 'thisUpdate'),
    nextUpdate: nextUpdate ? readTime(nextUpdate, 'nextUpdate') : undefined,
    crlNumber: number ? BigInt(`0x${content(number, 'cRLNumber').toString('hex') || '0'}`) : undefined,
    entries: revoked ? children(revoked, 'revokedCertificates').map(readEntry) : [],
    algorithm: readOid(children(algorithm, 'signatureAlgorithm')[0], 'algorithm'),
    signature: readBitString(signature, 'signatureValue').bytes,
  };
}
