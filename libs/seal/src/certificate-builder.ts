/**
 * X.509 v3 certificates for ECDSA P-256 keys, assembled with forge's ASN.1 encoder and signed with node:crypto.
 *
 * Why not forge's `pki.createCertificate()`: forge 1.x encodes and decodes RSA public keys only
 * (`publicKeyToAsn1` is RSA-only, `certificateFromAsn1` throws "OID is not RSA"), and it cannot sign with an EC key.
 * So the TBSCertificate (RFC 5280 §4.1) is built here field by field and signed with ecdsa-with-SHA256.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError, invalid } from '@onceonly/errors';
import {
  type Asn1,
  bitStringOfBytes,
  bool,
  explicit,
  fromDer,
  ia5String,
  implicitPrimitive,
  namedBits,
  octets,
  oid,
  printableString,
  seq,
  set,
  smallInteger,
  time,
  toDer,
  unsignedInteger,
  utf8String,
} from './der.js';
import { spkiDer } from './keys.js';
import { KEY_USAGE_BITS, type KeyUsage, OID } from './oids.js';

/** One attribute of a distinguished name, in the order it is written. */
export interface NameAttribute {
  /** Attribute type OID, for example {@link OID.commonName}. */
  readonly oid: string;
  readonly value: string;
}

/** One certificate extension: its OID, criticality and value (encoded into the OCTET STRING). */
export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Asn1;
}

/** Everything that goes into a certificate. */
export interface CertificateSpec {
  /** Serial number magnitude, big-endian, at most 20 bytes (RFC 5280 §4.1.2.2). */
  readonly serialNumber: Uint8Array;
  /** The issuer's subject, as encoded in the issuer's certificate (or the subject itself when self-signed). */
  readonly issuer: Asn1 | 'self';
  readonly subject: readonly NameAttribute[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly extensions: readonly Extension[];
  /** The issuer's private key (P-256). */
  readonly signingKey: KeyObject;
}

// X520SerialNumber and X520countryName are PrintableStrings; this is the PrintableString alphabet.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;
const PRINTABLE_ONLY = new Set<string>([OID.serialNumber, OID.countryName]);

/** Upper bounds of X.520 attribute lengths (RFC 5280 appendix A), in characters. */
const MAX_LENGTH: Record<string, number> = {
  [OID.commonName]: 64,
  [OID.serialNumber]: 64,
  [OID.countryName]: 2,
  [OID.localityName]: 128,
  [OID.organizationName]: 64,
  [OID.organizationalUnitName]: 64,
  [OID.title]: 64,
};

/** The whole second at or before `date`: X.509 times have no fractions. */
export const wholeSecond = (date: Date): Date => new Date(Math.floor(date.getTime() / 1000) * 1000);

/** Checks one attribute; returns a field violation or undefined. */
function nameViolation(attr: NameAttribute, field: string) {
  const length = [...attr.value].length;
  const max = MAX_LENGTH[attr.oid] ?? 64;
  if (length === 0 || length > max || attr.value.trim() !== attr.value) {
    return { field, reason: 'LENGTH', description: `must be 1 to ${max} characters without surrounding spaces` };
  }
  if (PRINTABLE_ONLY.has(attr.oid) && !PRINTABLE.test(attr.value)) {
    return { field, reason: 'ALPHABET', description: "must use letters, digits, space and '()+,-./:=? only" };
  }
  return undefined;
}

/**
 * Validates names before anything is built, so that a bad name is an INVALID_ARGUMENT naming the field and not a
 * certificate that openssl later refuses. `fields` gives the request field name of each attribute.
 */
export function validateNames(attrs: readonly NameAttribute[], fields: readonly string[]): void {
  const violations = attrs.flatMap((attr, i) => nameViolation(attr, fields[i] ?? attr.oid) ?? []);
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
}

/** Checks a validity period; throws INVALID_ARGUMENT naming `field`. */
export function validatePeriod(notBefore: Date, notAfter: Date, field: string): void {
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw invalid('INVALID_ARGUMENT', [{ field, reason: 'DATE', description: 'must be valid dates' }]);
  }
  if (wholeSecond(notAfter).getTime() <= wholeSecond(notBefore).getTime()) {
    throw invalid('INVALID_ARGUMENT', [{ field, reason: 'ORDER', description: 'must end after it starts' }]);
  }
}

/** Encodes a Name: one single-valued RDN per attribute. */
export function encodeName(attrs: readonly NameAttribute[]): Asn1 {
  return seq(
    attrs.map((attr) => {
      const value = PRINTABLE_ONLY.has(attr.oid) ? printableString(attr.value) : utf8String(attr.value);
      return set([seq([oid(attr.oid), value])]);
    }),
  );
}

/** Key identifier: SHA-1 of the subjectPublicKey BIT STRING's bytes (RFC 5280 §4.2.1.2, method 1). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = fromDer(spkiDer(publicKey));
  const bitString = Array.isArray(spki.value) ? spki.value[1] : undefined;
  if (!bitString || typeof bitString.value !== 'string') throw new AppError('KEY_INVALID', 'unreadable public key');
  return createHash('sha1').update(Buffer.from(bitString.value, 'binary').subarray(1)).digest();
}

const ext = (oidValue: string, critical: boolean, value: Asn1): Extension => ({ oid: oidValue, critical, value });

/** Extension builders. */
export const extensions = {
  /** BasicConstraints, critical. A CA gets pathLenConstraint 0 (no intermediates in this hub). */
  basicConstraints: (ca: boolean): Extension =>
    ext(OID.basicConstraints, true, seq(ca ? [bool(true), smallInteger(0)] : [])),
  keyUsage: (usages: readonly KeyUsage[]): Extension =>
    ext(OID.keyUsage, true, namedBits(usages.map((u) => KEY_USAGE_BITS[u]))),
  extKeyUsage: (purposes: readonly string[]): Extension => ext(OID.extKeyUsage, false, seq(purposes.map(oid))),
  subjectKeyIdentifier: (id: Uint8Array): Extension => ext(OID.subjectKeyIdentifier, false, octets(id)),
  authorityKeyIdentifier: (id: Uint8Array): Extension =>
    ext(OID.authorityKeyIdentifier, false, seq([implicitPrimitive(0, id)])),
  /** SubjectAltName from host names (dNSName) and IP addresses (iPAddress). */
  subjectAltName: (hosts: readonly string[]): Extension =>
    ext(
      OID.subjectAltName,
      false,
      seq(
        hosts.map((host) => (isIP(host) ? implicitPrimitive(7, ipBytes(host)) : implicitPrimitive(2, dnsBytes(host)))),
      ),
    ),
};

const DNS_NAME =
  /^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function dnsBytes(host: string): Buffer {
  if (host.length > 253 || !DNS_NAME.test(host)) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'hosts', reason: 'HOST', description: `${host} is not a DNS name` }]);
  }
  return Buffer.from(ia5String(host).value as string, 'binary');
}

/** The 4 or 16 bytes of an IP address (IPv6 may use `::` and an IPv4 tail). */
export function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(zeros).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => {
    out.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  });
  return out;
}

/** Builds, signs and returns the DER of a certificate. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  if (spec.serialNumber.length === 0 || spec.serialNumber.length > 20) {
    throw new AppError('INVALID_ARGUMENT', 'a certificate serial number has 1 to 20 bytes');
  }
  const signatureAlgorithm = seq([oid(OID.ecdsaWithSha256)]);
  const subject = encodeName(spec.subject);
  const exts = spec.extensions.map((e) =>
    seq([oid(e.oid), ...(e.critical ? [bool(true)] : []), octets(toDer(e.value))]),
  );
  const tbs = seq([
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(spec.serialNumber),
    signatureAlgorithm,
    spec.issuer === 'self' ? subject : spec.issuer,
    seq([time(wholeSecond(spec.notBefore)), time(wholeSecond(spec.notAfter))]),
    subject,
    fromDer(spkiDer(spec.publicKey)),
    explicit(3, seq(exts)),
  ]);
  const tbsDer = toDer(tbs);
  // node:crypto signs ECDSA in DER form (ECDSA-Sig-Value), which is what X.509 carries.
  const signature = sign('sha256', tbsDer, spec.signingKey);
  return toDer(seq([fromDer(tbsDer), signatureAlgorithm, bitStringOfBytes(signature)]));
}
