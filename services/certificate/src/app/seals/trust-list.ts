import { issueSealCrl, trustListPem } from '@onceonly/seal';
import { revokedSealEntries, trustListWindow } from '../../domain/seals/trust-list.js';
import type { SealDeps } from './ports.js';
import type { TrustBundleView } from './seal-keys.js';

/** The trust list: what an offline verifier needs, in one PEM, and its parts. */
export interface TrustList {
  /** The trust bundle (every root and seal certificate). */
  readonly bundle: TrustBundleView;
  /** The revocation list of the seals of the hub's CA, signed by it (PEM `X509 CRL`). */
  readonly crlPem: string;
  /** Certificates then the CRL: `onceonly trust bundle`'s file. */
  readonly pem: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: bigint;
}

/**
 * Makes the trust list now: the bundle, and a CRL signed by the hub's CA naming every seal it issued that is
 * revoked, with its compromise time. Made on every call (one ECDSA signature), so that it is always fresh and a
 * revocation is in the next list fetched; current for `deps.trustListHours` (`ONCEONLY_TRUST_LIST_HOURS`).
 */
export async function makeTrustList(deps: SealDeps, bundle: () => Promise<TrustBundleView>): Promise<TrustList> {
  const view = await bundle();
  const window = trustListWindow(deps.clock(), deps.trustListHours);
  const revoked = revokedSealEntries(view.seals, deps.ca.fingerprintSha256);
  const crlPem = issueSealCrl({ ca: deps.ca.authority, ...window, revoked });
  return { bundle: view, crlPem, pem: trustListPem([view.pem], [crlPem]), ...window };
}
