/**
 * DER building and reading over node-forge's ASN.1 module. node-forge's X.509 layer only knows RSA public keys, so
 * the certificates of this package (ECDSA P-256) are assembled from these primitives: forge encodes and decodes the
 * ASN.1, node:crypto signs. forge works on "binary strings" (one char per byte); everything here speaks Buffer.
 */
import forge from 'node-forge';

const { asn1 } = forge;
const { Class, Type } = asn1;

/** One ASN.1 node, as forge represents it. */
export type Asn1 = forge.asn1.Asn1;

const bin = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');
const buf = (binary: string): Buffer => Buffer.from(binary, 'binary');

const universal = (type: forge.asn1.Type, value: string | Asn1[], constructed = false): Asn1 =>
  asn1.create(Class.UNIVERSAL, type, constructed, value);

export const seq = (items: Asn1[]): Asn1 => universal(Type.SEQUENCE, items, true);
export const set = (items: Asn1[]): Asn1 => universal(Type.SET, items, true);
export const oid = (dotted: string): Asn1 => universal(Type.OID, asn1.oidToDer(dotted).getBytes());
export const bool = (value: boolean): Asn1 => universal(Type.BOOLEAN, value ? '\xff' : '\x00');
export const octets = (bytes: Uint8Array): Asn1 => universal(Type.OCTETSTRING, bin(bytes));
export const utf8String = (text: string): Asn1 => universal(Type.UTF8, forge.util.encodeUtf8(text));
export const printableString = (text: string): Asn1 => universal(Type.PRINTABLESTRING, text);
export const ia5String = (text: string): Asn1 => universal(Type.IA5STRING, text);

/** A BIT STRING whose content is whole bytes (no unused bits): signatures and public keys. */
export const bitStringOfBytes = (bytes: Uint8Array): Asn1 => universal(Type.BITSTRING, `\x00${bin(bytes)}`);

/**
 * A named-bit BIT STRING (key usage): `bits` are bit numbers, 0 = most significant bit of the first byte. DER drops
 * trailing zero bits and counts them as unused.
 */
export function namedBits(bits: readonly number[]): Asn1 {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  const unused = 7 - (highest & 7);
  return universal(Type.BITSTRING, String.fromCharCode(unused) + bin(bytes));
}

/** A non-negative INTEGER from big-endian magnitude bytes (a leading zero is added when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Asn1 {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = Buffer.from(magnitude.subarray(start));
  const bytes = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return universal(Type.INTEGER, bin(bytes));
}

/** An ENUMERATED (CRL reason codes). */
export const enumerated = (value: number): Asn1 => universal(Type.ENUMERATED, asn1.integerToDer(value).getBytes());

/** GeneralizedTime, whole seconds, `Z` (RFC 5280 wants it for the Invalidity Date whatever the year). */
export const generalizedTime = (date: Date): Asn1 => universal(Type.GENERALIZEDTIME, asn1.dateToGeneralizedTime(date));

export const smallInteger = (value: number): Asn1 => universal(Type.INTEGER, asn1.integerToDer(value).getBytes());

/** `[n] EXPLICIT`: a constructed context tag around one element. */
export const explicit = (tag: number, inner: Asn1): Asn1 =>
  asn1.create(Class.CONTEXT_SPECIFIC, tag as forge.asn1.Type, true, [inner]);

/** `[n] IMPLICIT` primitive: the context tag replaces the universal one (GeneralName choices, key identifiers). */
export const implicitPrimitive = (tag: number, bytes: Uint8Array): Asn1 =>
  asn1.create(Class.CONTEXT_SPECIFIC, tag as forge.asn1.Type, false, bin(bytes));

/**
 * Time as RFC 5280 §4.1.2.5 wants it: UTCTime up to 2049, GeneralizedTime from 2050, whole seconds, `Z`.
 * Milliseconds are dropped (the caller truncates first so that what is signed is what it reports).
 */
export function time(date: Date): Asn1 {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? universal(Type.UTCTIME, asn1.dateToUtcTime(date))
    : universal(Type.GENERALIZEDTIME, asn1.dateToGeneralizedTime(date));
}

/** Encodes a node to DER. */
export const toDer = (node: Asn1): Buffer => buf(asn1.toDer(node).getBytes());

/**
 * Decodes DER strictly: all bytes must be consumed. BIT STRINGs are not decoded as nested ASN.1 (a public key or a
 * signature would sometimes look like one).
 */
export function fromDer(der: Uint8Array): Asn1 {
  const options = { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean;
  return asn1.fromDer(bin(der), options);
}

/** The children of a constructed node; throws when the node is primitive. */
export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`${what}: expected a constructed ASN.1 value`);
  return node.value;
}

/** The content bytes of a primitive node; throws when the node is constructed. */
export function content(node: Asn1 | undefined, what: string): Buffer {
  if (!node || typeof node.value !== 'string') throw new Error(`${what}: expected a primitive ASN.1 value`);
  return buf(node.value);
}

export const isUniversal = (node: Asn1 | undefined, type: forge.asn1.Type): boolean =>
  node?.tagClass === Class.UNIVERSAL && node.type === type;

export const isContext = (node: Asn1 | undefined, tag: number): boolean =>
  node?.tagClass === Class.CONTEXT_SPECIFIC && node.type === tag;

export function readOid(node: Asn1 | undefined, what: string): string {
  if (!isUniversal(node, Type.OID)) throw new Error(`${what}: expected an OBJECT IDENTIFIER`);
  return asn1.derToOid(content(node, what).toString('binary'));
}

export function readBoolean(node: Asn1 | undefined, what: string): boolean {
  if (!isUniversal(node, Type.BOOLEAN)) throw new Error(`${what}: expected a BOOLEAN`);
  return content(node, what)[0] !== 0;
}

export function readTime(node: Asn1 | undefined, what: string): Date {
  const text = content(node, what).toString('binary');
  if (isUniversal(node, Type.UTCTIME)) return asn1.utcTimeToDate(text);
  if (isUniversal(node, Type.GENERALIZEDTIME)) return asn1.generalizedTimeToDate(text);
  throw new Error(`${what}: expected a UTCTime or GeneralizedTime`);
}

/** A directory string (UTF8String, PrintableString, IA5String, BMPString or TeletexString as Latin-1). */
export function readDirectoryString(node: Asn1 | undefined, what: string): string {
  const bytes = content(node, what);
  if (isUniversal(node, Type.UTF8)) return bytes.toString('utf8');
  if (isUniversal(node, Type.BMPSTRING)) return bytes.swap16().toString('utf16le');
  return bytes.toString('latin1');
}

/** A BIT STRING's bytes and its count of unused trailing bits. */
export function readBitString(node: Asn1 | undefined, what: string): { bytes: Buffer; unused: number } {
  if (!isUniversal(node, Type.BITSTRING)) throw new Error(`${what}: expected a BIT STRING`);
  const raw = content(node, what);
  const unused = raw[0];
  if (unused === undefined || unused > 7) throw new Error(`${what}: malformed BIT STRING`);
  return { bytes: raw.subarray(1), unused };
}

export { Type as Asn1Type };
