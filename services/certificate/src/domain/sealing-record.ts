import type { VerificationReason } from './verification.js';

/**
 * The online check that a presented licence is the one the hub sealed: same seal (kid) and same sealing time as the
 * record. A thief of a seal key can seal a licence with any `iat`, backdated before the seal's compromise time, and
 * no offline check can tell; the hub's record cannot be forged that way, so a mismatch is `RECORD_MISMATCH`.
 * Pure: the caller reads the record and the verified seal.
 */

/** What the hub recorded when it sealed the licence. */
export interface SealedRecord {
  readonly sealKid: string;
  readonly sealedAt: Date;
}

/** What the presented licence's seal says. */
export interface PresentedSeal {
  readonly kid?: string | undefined;
  readonly signedAt?: Date | undefined;
}

/** `RECORD_MISMATCH` when the seal or the sealing time (whole seconds, as `iat`) differ from the record. */
export function sealingReasons(record: SealedRecord, seal: PresentedSeal): VerificationReason[] {
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  const sameKid = seal.kid === record.sealKid;
  const sameTime = seal.signedAt !== undefined && seconds(seal.signedAt) === seconds(record.sealedAt);
  return sameKid && sameTime ? [] : ['RECORD_MISMATCH'];
}
