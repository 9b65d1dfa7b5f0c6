/**
 * `@onceonly/certificate/web`: offline verification in a browser (the hub's `/verify` page, ADR 037). The same
 * {@link verifyOfflineWith} as `onceonly cert verify --offline`, with the browser's cryptography as its port
 * (`@onceonly/seal/web`: WebCrypto, DecompressionStream), and the verdict's words in Chinese and English.
 */
import { parseTrustBundleWeb, readUpTo, verifySealedJwsWeb } from '@onceonly/seal/web';
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

/** Decodes an `encodedList` in a browser, with the checks of `decodeStatusList`. */
export async function decodeStatusListWeb(encoded: string): Promise<Uint8Array> {
  const gzip = statusListGzip(encoded);
  let bits: Uint8Array;
  try {
    const stream = new Blob([new Uint8Array(gzip)]).stream().pipeThrough(new DecompressionStream('gzip'));
    bits = await readUpTo(stream, MAX_STATUS_LIST_BYTES);
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
