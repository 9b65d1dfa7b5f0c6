import type { TrustListMode, VerifyReason, VerifyResult } from '@onceonly/seal';
import type { StatusListPosition, StatusPurpose } from '../domain/status-list-bits.js';
import { readStatusBit } from '../domain/status-list-bits.js';
import type { VerificationReason } from '../domain/verification.js';
import { STATUS_LIST_TYP } from './status-list-typ.js';

/**
 * Live status offline, from the sealed status lists of GetStatusList (`jws`, typ `vc+jwt`): each list is verified
 * against the same trust bundle as the licence, read as a BitstringStatusListCredential of this hub, and judged:
 * - `STATUS_LIST_UNTRUSTED`: its seal does not verify (another trust root, tampered, revoked seal, wrong `typ`);
 * - `STATUS_LIST_MALFORMED`: sealed, but not a status list credential of this hub, or too short for the index;
 * - `STATUS_LIST_ISSUER_MISMATCH`: of another issuer than the licence's, or sealed by another department than the
 *   issuer it names;
 * - `STATUS_LIST_STALE`: its `validUntil` has passed.
 * A refused list is not read. The refusals of a list that is (or may be) the licence issuer's count in the verdict;
 * a good list of another issuer is only irrelevant (so that a verifier may pass the lists of every issuer it holds).
 * Of the accepted lists of the licence's issuer and list number, the newest per purpose (by `validFrom`, which
 * keeps milliseconds where `iat` keeps seconds; on a tie the one with the bit set) gives the bit at the licence's
 * index: revocation → `REVOKED` (withdrawn, revoked, cancelled or superseded: the hub tells which),
 * suspension → `SUSPENDED`.
 */

const PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];

/** The verdict reason of a set bit, per purpose. */
const BIT_REASON: Record<StatusPurpose, VerificationReason> = { revocation: 'REVOKED', suspension: 'SUSPENDED' };

/** What a sealed status list credential claims. */
export interface StatusListClaims {
  /** The last path segment of the credential's `issuer` URL. */
  readonly issuerCode: string;
  readonly purpose: StatusPurpose;
  readonly listNumber: number;
  /** When the list was built: its status is as of then. */
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly encodedList: string;
}

/** What came of one status list given to an offline verification. */
export interface StatusListCheck {
  /** The list's position among those given, from 0. */
  readonly position: number;
  /** Why the list was refused; empty when it was accepted. */
  readonly reasons: readonly VerificationReason[];
  /** True when the list is (or may be) the licence issuer's: its refusals count in the verdict. */
  readonly concernsLicence: boolean;
  /** The list's own seal reasons, for `STATUS_LIST_UNTRUSTED`. */
  readonly sealReasons?: readonly VerifyReason[];
  readonly issuerCode?: string;
  readonly purpose?: StatusPurpose;
  readonly listNumber?: number;
  readonly validFrom?: Date;
  readonly validUntil?: Date;
  readonly sealedAt?: Date;
  /** The licence's bit, when the list was accepted and is the licence's list. */
  readonly bit?: boolean;
}

/** The live status read from the lists given. */
export interface OfflineStatus {
  /** The refusals that count and REVOKED / SUSPENDED for a set bit, each once. */
  readonly reasons: readonly VerificationReason[];
  /** The purposes whose bit was read. */
  readonly checked: readonly StatusPurpose[];
  /** The `validFrom` of the oldest list read: the status is as of then. */
  readonly asOf?: Date;
  readonly lists: readonly StatusListCheck[];
}

/** How a verifier checks a seal: `verifySealedJws` over node:crypto, or `verifySealedJwsWeb` in a browser. */
export type SealedVerifier = (
  jws: string,
  options: { readonly typ?: string; readonly at: Date; readonly trustList: TrustListMode },
) => Promise<VerifyResult>;

/**
 * How the lists are verified: the verifier of the licence's trust bundle (with its seal revocations), the time, and
 * how an `encodedList` is decoded (GZIP: zlib, or DecompressionStream in a browser).
 */
export interface StatusListContext {
  readonly verifySealed: SealedVerifier;
  readonly decodeStatusList: (encoded: string) => Promise<Uint8Array>;
  readonly at: Date;
}

const isIndex = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isPurpose = (value: unknown): value is StatusPurpose => PURPOSES.includes(value as StatusPurpose);

/** Where the licence's bits lie, when its payload carries `statusListNumber` and `statusListIndex`. */
export function licenceSlot(payload: Record<string, unknown>): StatusListPosition | undefined {
  const { statusListNumber, statusListIndex } = payload;
  if (!isIndex(statusListNumber) || !isIndex(statusListIndex)) return undefined;
  return { listNumber: statusListNumber, index: statusListIndex };
}

/** The list number of an `id` of the form `<issuer>/<purpose>/<n>` (as GetStatusList builds it), else undefined. */
function listNumberOf(id: string, issuer: string, purpose: StatusPurpose): number | undefined {
  const prefix = `${issuer}/${purpose}/`;
  const rest = id.startsWith(prefix) ? id.slice(prefix.length) : '';
  return /^(0|[1-9][0-9]{0,8})$/.test(rest) ? Number(rest) : undefined;
}

/** The subject's purpose and list, when it is a BitstringStatusList. */
function subjectOf(subject: unknown): { purpose: StatusPurpose; encodedList: string } | undefined {
  if (!isRecord(subject) || subject.type !== 'BitstringStatusList') return undefined;
  const { statusPurpose, encodedList } = subject;
  return isPurpose(statusPurpose) && typeof encodedList === 'string'
    ? { purpose: statusPurpose, encodedList }
    : undefined;
}

/**
 * Reads a BitstringStatusListCredential as GetStatusList builds it: `issuer` `<base>/<issuer code>`, `id`
 * `<issuer>/<purpose>/<list number>`, a BitstringStatusList subject of that purpose, `validFrom` and `validUntil`.
 * Undefined for anything else.
 */
export function readStatusListClaims(credential: Record<string, unknown>): StatusListClaims | undefined {
  const { id, issuer, type, credentialSubject } = credential;
  if (!Array.isArray(type) || !type.includes('BitstringStatusListCredential')) return undefined;
  if (typeof id !== 'string' || typeof issuer !== 'string') return undefined;
  const subject = subjectOf(credentialSubject);
  const [validFrom, validUntil] = [dateOf(credential.validFrom), dateOf(credential.validUntil)];
  const issuerCode = issuer.slice(issuer.lastIndexOf('/') + 1);
  if (subject === undefined || validFrom === undefined || validUntil === undefined || issuerCode === '')
    return undefined;
  const listNumber = listNumberOf(id, issuer, subject.purpose);
  if (listNumber === undefined) return undefined;
  return { issuerCode, ...subject, listNumber, validFrom, validUntil };
}

/** An XML Schema dateTime (as `toISOString` writes it) as a Date; undefined for anything else. */
function dateOf(value: unknown): Date | undefined {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * The reasons a verified list with `claims`, sealed by the department `sealerCode` (the seal certificate's), cannot
 * vouch for a licence of `issuerCode` at `at`.
 */
export function claimReasons(
  claims: StatusListClaims,
  sealerCode: string | undefined,
  issuerCode: string,
  at: Date,
): VerificationReason[] {
  const reasons: VerificationReason[] = [];
  if (claims.issuerCode !== sealerCode || claims.issuerCode !== issuerCode) reasons.push('STATUS_LIST_ISSUER_MISMATCH');
  if (at.getTime() > claims.validUntil.getTime()) reasons.push('STATUS_LIST_STALE');
  return reasons;
}

/** The bit at `index` of an encoded list; undefined when the list does not decode or is too short. */
async function bitAt(ctx: StatusListContext, encodedList: string, index: number): Promise<boolean | undefined> {
  try {
    return readStatusBit(await ctx.decodeStatusList(encodedList), index);
  } catch {
    return undefined;
  }
}

/** Verifies one sealed list, judges it for the licence of `issuerCode`, and reads its bit when it is `slot`'s list. */
export async function checkStatusList(
  jws: string,
  position: number,
  issuerCode: string,
  slot: StatusListPosition | undefined,
  ctx: StatusListContext,
): Promise<StatusListCheck> {
  // the trust list's revocations apply to the lists' seals too; its staleness is the licence verdict's to tell
  const sealed = await ctx.verifySealed(jws, { at: ctx.at, typ: STATUS_LIST_TYP, trustList: 'warn' });
  if (!sealed.valid || sealed.payload === undefined || sealed.sealCert === undefined) {
    return { position, reasons: ['STATUS_LIST_UNTRUSTED'], concernsLicence: true, sealReasons: sealed.reasons };
  }
  const claims = readStatusListClaims(sealed.payload);
  if (claims === undefined) return { position, reasons: ['STATUS_LIST_MALFORMED'], concernsLicence: true };
  const sealerCode = sealed.sealCert.departmentCode;
  const { encodedList: _list, ...shown } = claims;
  const seen = { position, ...shown, ...(sealed.signedAt === undefined ? {} : { sealedAt: sealed.signedAt }) };
  // A list that names its sealer and another issuer is irrelevant; one that does not name its sealer is forged.
  const concernsLicence = claims.issuerCode === issuerCode || claims.issuerCode !== sealerCode;
  const reasons = claimReasons(claims, sealerCode, issuerCode, ctx.at);
  if (reasons.length > 0 || slot === undefined || claims.listNumber !== slot.listNumber) {
    return { ...seen, reasons, concernsLicence };
  }
  const bit = await bitAt(ctx, claims.encodedList, slot.index);
  if (bit === undefined) return { ...seen, reasons: ['STATUS_LIST_MALFORMED'], concernsLicence };
  return { ...seen, reasons: [], concernsLicence, bit };
}

/** A list whose bit was read. */
type ReadList = StatusListCheck & { readonly purpose: StatusPurpose; readonly bit: boolean; readonly validFrom: Date };

const wasRead = (list: StatusListCheck): list is ReadList =>
  list.bit !== undefined && list.purpose !== undefined && list.validFrom !== undefined;

/** True when `a` outranks `b`: built later, or at the same time with the bit set (the cautious reading). */
const outranks = (a: ReadList, b: ReadList): boolean =>
  a.validFrom.getTime() > b.validFrom.getTime() || (a.validFrom.getTime() === b.validFrom.getTime() && a.bit && !b.bit);

/** Of the lists read for `purpose`, the one built last. */
function newest(lists: readonly ReadList[], purpose: StatusPurpose): ReadList | undefined {
  return lists
    .filter((list) => list.purpose === purpose)
    .reduce<ReadList | undefined>(
      (best, list) => (best === undefined || outranks(list, best) ? list : best),
      undefined,
    );
}

/** The verdict of the lists checked: their counted refusals, then REVOKED / SUSPENDED for the newest set bits. */
export function statusOf(lists: readonly StatusListCheck[]): OfflineStatus {
  const read = lists.filter(wasRead);
  const used = PURPOSES.map((purpose) => newest(read, purpose)).filter((list) => list !== undefined);
  const refusals = lists.filter((list) => list.concernsLicence).flatMap((list) => list.reasons);
  const set = used.filter((list) => list.bit).map((list) => BIT_REASON[list.purpose]);
  const times = used.map((list) => list.validFrom.getTime());
  return {
    reasons: [...new Set([...refusals, ...set])],
    checked: used.map((list) => list.purpose),
    ...(times.length === 0 ? {} : { asOf: new Date(Math.min(...times)) }),
    lists,
  };
}

/**
 * Checks the sealed lists given for a licence of `issuerCode` (with its `slot`, when it carries one) and reads its
 * live status from them. No list → nothing checked, no reason.
 */
export async function offlineStatus(
  issuerCode: string,
  slot: StatusListPosition | undefined,
  statusLists: readonly string[],
  ctx: StatusListContext,
): Promise<OfflineStatus> {
  const lists = await Promise.all(statusLists.map((jws, i) => checkStatusList(jws, i, issuerCode, slot, ctx)));
  return statusOf(lists);
}
