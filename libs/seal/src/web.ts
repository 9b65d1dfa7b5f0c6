/**
 * `@onceonly/seal/web`: seal verification in a browser, with WebCrypto (ECDSA P-256 / SHA-256) and
 * DecompressionStream, for the hub's verification page (ADR 037). The cryptography is the browser's; every rule is
 * this package's own: the header checks, the certificate reading, the CRL reading and the verdict come from the same
 * modules as `verifySealedJws` (`verify-rules.ts`, `certificate-reader.ts`, `crl-reader.ts`, `qr-frame.ts`), so the
 * two verifiers cannot disagree on what makes a seal valid. Needs a global `Buffer` (the page's bundle provides it).
 */
import { AppError } from '@onceonly/errors';
import { type CertificateFields, readCertificate } from './certificate-reader.js';
import { type CrlFields, firstElementDer, readCrlFields } from './crl-reader.js';
import { type Asn1, children, content, fromDer, isContext, readBitString, readOid, toDer } from './der.js';
import { parseCompactJwsSharingHeader, SEALED_LICENCE_TYP } from './jws.js';
import { OID } from './oids.js';
import { pemBlocks } from './pem.js';
import { QR_DICTIONARY_V1 } from './qr-dictionary.js';
import { jwsOfQrFrame, MAX_QR_FRAME_BYTES, QR_PREFIX, qrCompressedBytes, qrMalformed } from './qr-frame.js';
import { infoFromFields, type SealCertificateInfo } from './seal-info.js';
import {
  failed,
  judgeSeal,
  readParts,
  type TrustListMode,
  type TrustListRead,
  trustListCheck,
  type VerifyResult,
} from './verify-rules.js';

export { QR_PREFIX } from './qr-frame.js';
export type { SealCertificateInfo } from './seal-info.js';
export {
  type TrustListInfo,
  type TrustListProblem,
  VERIFY_REASONS,
  type VerifyReason,
  type VerifyResult,
} from './verify-rules.js';

/** WebCrypto's key type (the DOM library is not in this package's compiler settings). */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const KID_BYTES = 16;

/** A certificate read for verification in the browser. */
interface WebCertificate {
  readonly der: Uint8Array;
  readonly fields: CertificateFields;
  /** The signed part (TBSCertificate), its signature algorithm and its signature in JOSE form (r‖s). */
  readonly tbs: Uint8Array;
  readonly algorithm: string;
  readonly signature: Uint8Array | undefined;
  /** The certificate's public key; undefined when it is not P-256. */
  readonly key: CryptoKey | undefined;
  readonly kid: string;
  readonly info: SealCertificateInfo;
}

/** A trust list in the browser: roots, seal certificates by kid, and each root's newest verified CRL. */
export interface WebTrustBundle {
  readonly anchors: readonly WebCertificate[];
  readonly seals: ReadonlyMap<string, WebCertificate>;
  readonly crls: readonly (TrustListRead & { readonly issuer: WebCertificate })[];
}

const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/** An ECDSA signature from its DER form (SEQUENCE of two INTEGERs) to JOSE's r‖s; undefined when it is not one. */
function joseSignature(der: Uint8Array): Uint8Array | undefined {
  try {
    const [r, s] = children(fromDer(der), 'ECDSA-Sig-Value');
    const out = new Uint8Array(64);
    for (const [i, part] of [r, s].entries()) {
      let value = content(part, 'INTEGER');
      while (value.length > 32 && value[0] === 0) value = value.subarray(1);
      if (value.length > 32) return undefined;
      out.set(value, 32 * i + 32 - value.length);
    }
    return out;
  } catch {
    return undefined;
  }
}

const base64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** Reads a DER certificate: its fields, signed part, signature and key. @throws AppError X509_INVALID. */
async function readWebCertificate(der: Uint8Array): Promise<WebCertificate> {
  const fields = readCertificate(der);
  let tbs: Uint8Array;
  let algorithm: string;
  let signatureBits: Uint8Array;
  let spki: Uint8Array;
  try {
    const [tbsNode, algorithmNode, signatureNode] = children(fromDer(der), 'Certificate');
    tbs = firstElementDer(Buffer.from(der));
    algorithm = readOid(children(algorithmNode, 'signatureAlgorithm')[0], 'algorithm');
    signatureBits = readBitString(signatureNode, 'signature').bytes;
    const items = children(tbsNode, 'TBSCertificate');
    const offset = isContext(items[0], 0) ? 1 : 0; // version is optional (v1)
    spki = toDer(items[offset + 5] as Asn1);
  } catch (cause) {
    throw new AppError('X509_INVALID', 'not a readable X.509 certificate', { cause });
  }
  let key: CryptoKey | undefined;
  try {
    key = await crypto.subtle.importKey('spki', bytes(spki), ECDSA_P256, false, ['verify']);
  } catch {
    key = undefined;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes(der)));
  const kid = base64url(digest.subarray(0, KID_BYTES));
  return {
    der,
    fields,
    tbs,
    algorithm,
    signature: joseSignature(signatureBits),
    key,
    kid,
    info: infoFromFields(Buffer.from(der), fields, kid),
  };
}

/** ECDSA P-256 / SHA-256 verification; false for anything WebCrypto refuses. */
async function verifies(key: CryptoKey | undefined, signature: Uint8Array | undefined, data: Uint8Array) {
  if (!key || !signature || signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify(ES256, key, bytes(signature), bytes(data));
  } catch {
    return false;
  }
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

const nameDer = (fields: CertificateFields, which: 'issuerName' | 'subjectName'): Uint8Array => toDer(fields[which]);

/**
 * True when `ca` issued `cert`: the issuer name is the CA's subject, the key identifiers agree when both are there,
 * the CA may sign certificates, and the ecdsa-with-SHA256 signature verifies with the CA's key.
 */
async function issuedBy(cert: WebCertificate, ca: WebCertificate): Promise<boolean> {
  if (!sameBytes(nameDer(cert.fields, 'issuerName'), nameDer(ca.fields, 'subjectName'))) return false;
  const aki = cert.fields.authorityKeyIdentifier;
  const ski = ca.fields.subjectKeyIdentifier;
  if (aki && ski && !sameBytes(aki, ski)) return false;
  if (!ca.fields.isCa || (ca.fields.keyUsage && !ca.fields.keyUsage.has('keyCertSign'))) return false;
  if (cert.algorithm !== OID.ecdsaWithSha256) return false;
  return verifies(ca.key, cert.signature, cert.tbs);
}

/** A CRL verified against the anchors, read. @throws AppError CRL_INVALID as `readSealCrl`. */
async function readWebCrl(der: Uint8Array, anchors: readonly WebCertificate[]) {
  let fields: CrlFields;
  try {
    fields = readCrlFields(Buffer.from(der));
  } catch (cause) {
    throw new AppError('CRL_INVALID', 'the revocation list is not a DER X.509 v2 CRL', { cause });
  }
  const { nextUpdate, crlNumber } = fields;
  if (fields.algorithm !== OID.ecdsaWithSha256 || nextUpdate === undefined || crlNumber === undefined) {
    throw new AppError('CRL_INVALID', 'the revocation list lacks ecdsa-with-SHA256, its nextUpdate or its CRL number');
  }
  const signed = firstElementDer(Buffer.from(der));
  const signature = joseSignature(fields.signature);
  let issuer: WebCertificate | undefined;
  for (const anchor of anchors) {
    if (!sameBytes(fields.issuerDer, nameDer(anchor.fields, 'subjectName'))) continue;
    if (await verifies(anchor.key, signature, signed)) {
      issuer = anchor;
      break;
    }
  }
  if (!issuer) throw new AppError('CRL_INVALID', 'the revocation list is not signed by a root of the trust bundle');
  const entries = new Map(fields.entries.map((entry) => [entry.serialNumber, entry]));
  return { issuer, thisUpdate: fields.thisUpdate, nextUpdate, crlNumber, entries };
}

/**
 * Reads a trust list PEM (`onceonly trust bundle`, GetTrustBundle's `trust_list_pem`) as `parseTrustBundle` does:
 * self-signed CA certificates become anchors, the others seal certificates by kid, CRLs are verified against the
 * anchors and the newest of each kept.
 * @throws AppError X509_INVALID, CRL_INVALID as `parseTrustBundle`.
 */
export async function parseTrustBundleWeb(pem: string): Promise<WebTrustBundle> {
  const anchors: WebCertificate[] = [];
  const seals = new Map<string, WebCertificate>();
  const blocks = pemBlocks(pem);
  for (const block of blocks.filter((b) => b.label === 'CERTIFICATE')) {
    const cert = await readWebCertificate(block.der);
    if (cert.fields.isCa) {
      if (!(await issuedBy(cert, cert))) {
        throw new AppError('X509_INVALID', 'a CA in the trust bundle is not a self-signed root');
      }
      anchors.push(cert);
    } else {
      seals.set(cert.kid, cert);
    }
  }
  if (anchors.length === 0) throw new AppError('X509_INVALID', 'the trust bundle holds no root CA certificate');
  const newest = new Map<WebCertificate, TrustListRead & { issuer: WebCertificate }>();
  for (const block of blocks.filter((b) => b.label === 'X509 CRL')) {
    const crl = await readWebCrl(block.der, anchors);
    const held = newest.get(crl.issuer);
    if (!held || crl.crlNumber > held.crlNumber) newest.set(crl.issuer, crl);
  }
  return { anchors, seals, crls: [...newest.values()] };
}

/** The bytes of a stream, in one array; throws past `max` bytes (a decompression bomb stops there). */
export async function readUpTo(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new Error('over the size limit');
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Inflates raw deflate with a preset dictionary through DecompressionStream, which takes none: a stored block
 * holding the dictionary is put before the stream (a stored block ends on a byte boundary, where the stream begins),
 * so that the stream's back-references into the dictionary find it in the window; its bytes are then cut off.
 * @throws AppError JWS_MALFORMED (`DEFLATE`) when the stream does not inflate within `max` bytes.
 */
export async function inflateRawWithDictionary(
  compressed: Uint8Array,
  dictionary: Uint8Array,
  max: number,
): Promise<Uint8Array> {
  const n = dictionary.length;
  const stored = new Uint8Array([0x00, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff]);
  const stream = new Blob([stored, bytes(dictionary), bytes(compressed)])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  let out: Uint8Array;
  try {
    out = await readUpTo(stream, n + max);
  } catch (cause) {
    throw qrMalformed('DEFLATE', 'the QR payload does not inflate', cause);
  }
  return out.subarray(n);
}

/** `fromQrPayload` in the browser: the compact JWS inside a QR text. @throws AppError JWS_MALFORMED. */
export async function fromQrPayloadWeb(text: string): Promise<string> {
  const frame = await inflateRawWithDictionary(qrCompressedBytes(text), QR_DICTIONARY_V1, MAX_QR_FRAME_BYTES);
  return jwsOfQrFrame(frame);
}

/** Options of {@link verifySealedJwsWeb}: those of `verifySealedJws` that an offline verifier uses. */
export interface WebVerifyOptions {
  readonly trustBundle: WebTrustBundle;
  readonly at?: Date;
  readonly trustList?: TrustListMode;
  readonly typ?: string;
  readonly clockToleranceSeconds?: number;
}

/** Reads an x5c leaf or finds the bundle's seal by kid; undefined when unknown; throws when unreadable. */
async function leafOf(chain: readonly string[], kid: string, bundle: WebTrustBundle) {
  const first = chain[0];
  if (first === undefined) return bundle.seals.get(kid);
  return readWebCertificate(Buffer.from(first, 'base64'));
}

/**
 * `verifySealedJws` in the browser, against a trust list read by {@link parseTrustBundleWeb}: the same header
 * checks, seal certificate, chain, key usage, validity, trust-list revocation and verdict ({@link judgeSeal}), with
 * WebCrypto for the signatures. Never throws for bad input: hostile input gives `MALFORMED`.
 */
export async function verifySealedJwsWeb(input: string, options: WebVerifyOptions): Promise<VerifyResult> {
  let jws = input.trim();
  let parsed: ReturnType<typeof parseCompactJwsSharingHeader>;
  try {
    if (jws.startsWith(QR_PREFIX)) jws = await fromQrPayloadWeb(jws);
    parsed = parseCompactJwsSharingHeader(jws);
  } catch {
    return failed('MALFORMED');
  }
  const parts = readParts(parsed, options.typ ?? SEALED_LICENCE_TYP);
  if (typeof parts === 'string') return failed(parts);
  const { header, chain, kid, iat } = parts;
  const bundle = options.trustBundle;
  let leaf: WebCertificate | undefined;
  try {
    leaf = await leafOf(chain, kid, bundle);
  } catch {
    return { valid: false, reasons: ['MALFORMED'], header };
  }
  if (!leaf) return { valid: false, reasons: ['KID_UNKNOWN'], header };
  const at = options.at ?? new Date();
  const signedAt = new Date(iat * 1000);
  const [h, p] = parsed.parts;
  const signingInput = new TextEncoder().encode(`${h}.${p}`);
  let anchor: WebCertificate | undefined;
  for (const candidate of bundle.anchors) {
    if (await issuedBy(leaf, candidate)) {
      anchor = candidate;
      break;
    }
  }
  const anchorValid = anchor !== undefined && signedAt >= anchor.fields.notBefore && signedAt <= anchor.fields.notAfter;
  const crl = anchor === undefined ? undefined : bundle.crls.find((c) => c.issuer === anchor);
  return judgeSeal({
    parsed,
    header,
    kid,
    iat,
    info: leaf.info,
    fields: leaf.fields,
    signatureOk: await verifies(leaf.key, parsed.signature, signingInput),
    chainTrusted: anchorValid,
    ...(options.trustList && anchor ? { listed: trustListCheck(crl, leaf.info.serialNumber, at) } : {}),
    ...(options.trustList === undefined ? {} : { trustList: options.trustList }),
    at,
    ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
  });
}
