import type { SealRecord } from './seal.js';

/**
 * What the hub's trust list says of its seals, decided here and signed by the adapters: which seals its revocation
 * list (CRL) names, and the list's window. Pure: the clock comes in as an argument.
 *
 * Only revoked seals are listed: a rotated seal is not compromised (what it sealed stays valid, and the hub seals
 * nothing more with it), an expired one is judged by its certificate's dates. A CRL speaks for the certificates of
 * the CA that signs it, so only the seals issued by that CA (`issuerFingerprint`) are listed; a seal of a retired
 * root finds no list, which an offline verifier reports as `TRUST_LIST_MISSING`.
 */

/** How long a trust list is current: an offline verifier holding it past this calls it stale. */
export const TRUST_LIST_VALIDITY_HOURS = 24 * 7;

/** One entry of the revocation list. */
export interface RevokedSealEntry {
  readonly serialNumber: string;
  readonly revokedAt: Date;
  readonly compromisedAt: Date;
}

/** The revoked seals the CA with this fingerprint issued, oldest revocation first. */
export function revokedSealEntries(seals: readonly SealRecord[], caFingerprint: string): RevokedSealEntry[] {
  return seals
    .filter((seal) => seal.status === 'revoked' && seal.issuerFingerprint === caFingerprint)
    .map((seal) => {
      const revokedAt = seal.revokedAt ?? seal.compromisedAt ?? seal.createdAt;
      return { serialNumber: seal.serialNumber, revokedAt, compromisedAt: seal.compromisedAt ?? revokedAt };
    })
    .sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime());
}

/** The window of a list made at `now`: thisUpdate (whole seconds), nextUpdate, and its CRL number. */
export interface TrustListWindow {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /**
   * Milliseconds since the epoch at `now`: it grows with every list made later, without a counter to store (lists
   * are made on demand, and one made in the same millisecond has the same content).
   */
  readonly crlNumber: bigint;
}

/** The window of a trust list made at `now`, current for `validityHours`. */
export function trustListWindow(now: Date, validityHours = TRUST_LIST_VALIDITY_HOURS): TrustListWindow {
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + validityHours * 3_600_000);
  return { thisUpdate, nextUpdate, crlNumber: BigInt(Math.max(1, now.getTime())) };
}
