/**
 * X.509 v2 certificate revocation lists (RFC 5280 §5) of seal certificates, signed by the hub CA: the part of the
 * trust list that says which seals are revoked and from when. Built with forge's ASN.1 encoder and signed with
 * node:crypto, like the certificates (see certificate-builder.ts for why not forge's X.509 layer).
 *
 * Every entry carries reasonCode `keyCompromise` and the Invalidity Date (RFC 5280 §5.3.2): the time from which the
 * seal's key is held compromised. What the seal sealed before that time stays valid; `openssl crl -verify` and
 * `openssl verify -crl_check` read these lists.
 */
import { sign, verify, type X509Certificate } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import type { CertificateAuthority } from './ca.js';
import { issuingCa } from './ca.js';
import { wholeSecond } from './certificate-builder.js';
import { readCertificate } from './certificate-reader.js';
import { CRL_REASON_CODES, type CrlEntry, type CrlFields, firstElementDer, readCrlFields } from './crl-reader.js';
import {
  type Asn1,
  bitStringOfBytes,
  enumerated,
  explicit,
  fromDer,
  generalizedTime,
  implicitPrimitive,
  octets,
  oid,
  seq,
  smallInteger,
  time,
  toDer,
  unsignedInteger,
} from './der.js';
import { OID } from './oids.js';
import { derToPem } from './pem.js';

export { CRL_REASON_CODES, type CrlEntry } from './crl-reader.js';

/** One revoked seal certificate, as the hub lists it. */
export interface SealRevocation {
  /** The seal certificate's serial number, hex (as {@link SealCertificateInfo.serialNumber}). */
  readonly serialNumber: string;
  /** When the hub recorded the revocation: the entry's revocationDate. */
  readonly revokedAt: Date;
  /** From when the key is held compromised: the entry's Invalidity Date. */
  readonly compromisedAt: Date;
}

/** Options of {@link issueSealCrl}. */
export interface IssueSealCrlOptions {
  /** The CA that issued the seal certificates listed, and signs the list. */
  readonly ca: CertificateAuthority;
  readonly thisUpdate: Date;
  /** When the next list will be out: a verifier holding this one later knows it is stale. */
  readonly nextUpdate: Date;
  /** Grows with every list of this CA (RFC 5280 §5.2.3); positive, at most 20 bytes. */
  readonly crlNumber: bigint;
  readonly revoked: readonly SealRevocation[];
}

/** A CRL whose signature verified against a trust anchor. */
export interface SealCrl {
  /** The anchor that signed it. */
  readonly issuer: X509Certificate;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: bigint;
  /** Entries by serial number (upper-case hex). */
  readonly entries: ReadonlyMap<string, CrlEntry>;
  readonly der: Buffer;
}

/** A non-critical extension (every CRL and entry extension written here is). */
const crlExtension = (id: string, value: Asn1): Asn1 => seq([oid(id), octets(toDer(value))]);

function serialBytes(hex: string): Buffer {
  if (!/^[0-9A-Fa-f]{1,40}$/.test(hex)) throw new AppError('INVALID_ARGUMENT', 'a serial number is 1 to 20 bytes hex');
  return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
}

function bigintBytes(value: bigint): Buffer {
  if (value <= 0n) throw new AppError('INVALID_ARGUMENT', 'a CRL number is positive');
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  if (bytes.length > 20) throw new AppError('INVALID_ARGUMENT', 'a CRL number has at most 20 bytes');
  return bytes;
}

function entryOf(revocation: SealRevocation): Asn1 {
  return seq([
    unsignedInteger(serialBytes(revocation.serialNumber)),
    time(wholeSecond(revocation.revokedAt)),
    seq([
      crlExtension(OID.reasonCode, enumerated(CRL_REASON_CODES.keyCompromise)),
      crlExtension(OID.invalidityDate, generalizedTime(wholeSecond(revocation.compromisedAt))),
    ]),
  ]);
}

/**
 * Issues a CRL of seal certificates: v2, ecdsa-with-SHA256, the CA's subject as issuer, thisUpdate/nextUpdate,
 * the CRL number and the CA's key identifier, one entry per revoked seal (keyCompromise, Invalidity Date).
 * @returns PEM, label `X509 CRL`.
 * @throws AppError INVALID_ARGUMENT (dates out of order, bad serial or CRL number), X509_INVALID / KEY_INVALID
 *   (the CA cannot issue).
 */
export function issueSealCrl(options: IssueSealCrlOptions): string {
  const signer = issuingCa(options.ca);
  const thisUpdate = wholeSecond(options.thisUpdate);
  const nextUpdate = wholeSecond(options.nextUpdate);
  if (nextUpdate.getTime() <= thisUpdate.getTime()) {
    throw new AppError('INVALID_ARGUMENT', 'a CRL’s nextUpdate comes after its thisUpdate');
  }
  const algorithm = seq([oid(OID.ecdsaWithSha256)]);
  const tbs = seq([
    smallInteger(1), // v2
    algorithm,
    signer.fields.subjectName,
    time(thisUpdate),
    time(nextUpdate),
    ...(options.revoked.length > 0 ? [seq(options.revoked.map(entryOf))] : []),
    explicit(
      0,
      seq([
        crlExtension(OID.authorityKeyIdentifier, seq([implicitPrimitive(0, signer.keyId)])),
        crlExtension(OID.cRLNumber, unsignedInteger(bigintBytes(options.crlNumber))),
      ]),
    ),
  ]);
  const tbsDer = toDer(tbs);
  const signature = sign('sha256', tbsDer, options.ca.keyPair.privateKey);
  return derToPem('X509 CRL', toDer(seq([fromDer(tbsDer), algorithm, bitStringOfBytes(signature)])));
}

// ---------------------------------------------------------------------------------------------------------------
// reading

function signedBy(der: Buffer, fields: CrlFields, anchor: X509Certificate): boolean {
  const subjectDer = toDer(readCertificate(anchor.raw).subjectName);
  if (!subjectDer.equals(fields.issuerDer)) return false;
  try {
    return verify('sha256', firstElementDer(der), anchor.publicKey, fields.signature);
  } catch {
    return false;
  }
}

/**
 * Reads a CRL and checks it: DER, v2, ecdsa-with-SHA256, a nextUpdate and a CRL number (this hub's lists always
 * say when the next comes), signed by one of `anchors` (its issuer name and signature).
 * @throws AppError CRL_INVALID when any of this fails: a list that does not verify must not be half-believed.
 */
export function readSealCrl(der: Uint8Array, anchors: readonly X509Certificate[]): SealCrl {
  const bytes = Buffer.from(der);
  let fields: CrlFields;
  try {
    fields = readCrlFields(bytes);
  } catch (cause) {
    throw new AppError('CRL_INVALID', 'the revocation list is not a DER X.509 v2 CRL', { cause });
  }
  const { nextUpdate, crlNumber } = fields;
  if (fields.algorithm !== OID.ecdsaWithSha256 || nextUpdate === undefined || crlNumber === undefined) {
    throw new AppError('CRL_INVALID', 'the revocation list lacks ecdsa-with-SHA256, its nextUpdate or its CRL number');
  }
  const issuer = anchors.find((anchor) => signedBy(bytes, fields, anchor));
  if (!issuer) throw new AppError('CRL_INVALID', 'the revocation list is not signed by a root of the trust bundle');
  const entries = new Map(fields.entries.map((entry) => [entry.serialNumber, entry]));
  return { issuer, thisUpdate: fields.thisUpdate, nextUpdate, crlNumber, entries, der: bytes };
}
