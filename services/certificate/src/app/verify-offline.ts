import { parseTrustBundle, type SealStatusLookup, verifySealedJws } from '@onceonly/seal';
import { decodeStatusList } from '../domain/status-list.js';
import { type OfflineOptions, type OfflineVerification, verifyOfflineWith } from './offline-verdict.js';

export type { OfflineOptions, OfflineVerification } from './offline-verdict.js';

/**
 * Offline verification with node:crypto and node:zlib (`onceonly cert verify --offline --trust <pem>`): see
 * {@link verifyOfflineWith}, which decides.
 */

/** Options of {@link verifyOffline}: those of every offline verifier, and the seal revocations the caller knows. */
export interface NodeOfflineOptions extends OfflineOptions {
  /** Seal revocations (by kid), for the licence's seal and the lists' seals. */
  readonly sealStatus?: SealStatusLookup;
}

/** Verifies a sealed licence (compact JWS or `OO1:` QR text) against a trust bundle, without the hub. */
export async function verifyOffline(
  input: string,
  trustBundlePem: string,
  options: NodeOfflineOptions = {},
): Promise<OfflineVerification> {
  const trustBundle = parseTrustBundle(trustBundlePem);
  const { sealStatus, ...rest } = options;
  return verifyOfflineWith(
    input,
    {
      verifySealed: (jws, o) =>
        verifySealedJws(jws, { trustBundle, ...o, ...(sealStatus === undefined ? {} : { sealStatus }) }),
      decodeStatusList: async (encoded) => decodeStatusList(encoded),
    },
    rest,
  );
}
