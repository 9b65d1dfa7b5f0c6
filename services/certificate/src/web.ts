/**
 * `@onceonly/certificate/web`: offline verification in a browser (the hub's `/verify` page, ADR 037). The same
 * {@link verifyOfflineWith} as `onceonly cert verify --offline`, with the browser's cryptography as its port
 * (`@onceonly/seal/web`: WebCrypto, DecompressionStream), and the verdict's words in Chinese and English.
 */
import { parseTrustBundleWeb, verifySealedJwsWeb } from '@onceonly/seal/web';
import {
  type OfflineOptions,
  type OfflinePort,
  type OfflineVerification,
  verifyOfflineWith,
} from './app/offline-verdict.js';
import {
  checkedBitstring,
  MAX_STATUS_LIST_BYTES,
  statusListGzip,
  statusListMalformed,
} from './domain/status-list-bits.js';

export type { OfflineOptions, OfflineVerification } from './app/offline-verdict.js';
export { STATUS_LIST_TYP } from './app/status-list-typ.js';
export { type Finding, findingWords, REASON_WORDS, type Words } from './domain/verdict.js';

/** GZIP through DecompressionStream, stopped past `max` bytes. */
async function gunzipWeb(gzip: Uint8Array, max: number): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(gzip)]).stream().pipeThrough(new DecompressionStream('gzip'));
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

/** Decodes an `encodedList` in a browser, with the checks of `decodeStatusList`. */
export async function decodeStatusListWeb(encoded: string): Promise<Uint8Array> {
  const gzip = statusListGzip(encoded);
  let bits: Uint8Array;
  try {
    bits = await gunzipWeb(gzip, MAX_STATUS_LIST_BYTES);
  } catch (err) {
    throw statusListMalformed('encodedList is not a GZIP stream within the size limit', err);
  }
  return checkedBitstring(bits);
}

/** A verifier over one trust list (PEM, as GetTrustBundle's `trust_list_pem`), read once. */
export type BrowserVerifier = (input: string, options?: OfflineOptions) => Promise<OfflineVerification>;

/**
 * Reads the trust list with WebCrypto and returns the offline verifier of `verifyOffline`, on WebCrypto.
 * @throws AppError X509_INVALID / CRL_INVALID when the trust list does not read.
 */
export async function createBrowserVerifier(trustListPem: string): Promise<BrowserVerifier> {
  const trustBundle = await parseTrustBundleWeb(trustListPem);
  const port: OfflinePort = {
    verifySealed: (jws, options) => verifySealedJwsWeb(jws, { trustBundle, ...options }),
    decodeStatusList: decodeStatusListWeb,
  };
  return (input, options = {}) => verifyOfflineWith(input, port, options);
}
