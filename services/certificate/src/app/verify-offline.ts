import {
  parseTrustBundle,
  type SealStatusLookup,
  type TrustBundle,
  type TrustListInfo,
  type TrustListProblem,
  verifySealedJws,
} from '@onceonly/seal';
import { chinaDate } from '../domain/dates.js';
import type { StatusListPosition, StatusPurpose } from '../domain/status-list.js';
import { type Finding, verdictOf } from '../domain/verdict.js';
import type { VerificationReason } from '../domain/verification.js';
import { licenceSlot, type OfflineStatus, offlineStatus, type StatusListCheck } from './status-list-check.js';

/**
 * Offline verification, for a verifier without access to the hub (`onceonly cert verify --offline --trust <pem>`):
 * the seal against a trust list PEM (`onceonly trust bundle`: the certificates and the hub CA's revocation list of
 * seals): signature, chain, kid, key usage, seal validity at the signing time, and the seal's revocation: a licence
 * sealed at or after its seal's compromise time is `SEAL_REVOKED`, one sealed before stays valid. A list past its
 * nextUpdate (`TRUST_LIST_STALE`) or a bundle without a list (`TRUST_LIST_MISSING`, e.g. certificates only) is a
 * warning in `warnings` that leaves the verdict as it is, or with `refuseStale` a reason (not valid). Then what the payload itself says: the sealing department is the issuer it names, and
 * today is inside its validity window. The live status (revoked, suspended) comes from the issuer's sealed status
 * lists when the verifier gives them (`statusLists`, from GetStatusList: see `status-list-check.ts`); without them
 * it is not checked (`statusChecked` is empty), and only the hub can tell.
 */

/** Options of {@link verifyOffline}. */
export interface OfflineOptions {
  /** The verification time; now by default. */
  readonly at?: Date;
  /** Seal revocations (by kid), for the licence's seal and the lists' seals. */
  readonly sealStatus?: SealStatusLookup;
  /** Sealed status lists (GetStatusList's `jws`, typ vc+jwt), of the licence's issuer or others. */
  readonly statusLists?: readonly string[];
  /** A stale or missing trust list makes the licence not valid (a reason) instead of a warning. Default false. */
  readonly refuseStale?: boolean;
}

/** The verdict of an offline verification. */
export interface OfflineVerification {
  /**
   * Deprecated (ADR 033): nothing was found against the licence by the checks made (a live status not checked
   * leaves it true). Read `genuine` and `mayOperate`.
   */
  readonly valid: boolean;
  /** What was found against it (not what was left unchecked: see `operationFindings`). */
  readonly reasons: readonly VerificationReason[];
  /** The document is authentic: its seal verifies against the trust list, and its sealer is its issuer. */
  readonly genuine: boolean;
  readonly genuineFindings: readonly Finding[];
  /**
   * The holder may operate under it, as far as can be established offline: genuine, within its dates, and neither
   * revoked nor suspended by the issuer's status lists. False with `STATUS_UNCHECKED` when a list was not read, and
   * with `COMPONENTS_UNCHECKED` for an industry licence (its permits' status is known online only).
   */
  readonly mayOperate: boolean;
  readonly operationFindings: readonly Finding[];
  /** The licence's seal verified (signature, chain, kid, key usage, seal validity and revocation). */
  readonly sealValid: boolean;
  /** The payload as signed, when the signature verified. */
  readonly payload?: Record<string, unknown>;
  readonly sealKid?: string;
  readonly sealedAt?: Date;
  /** The licence's status-list slot, when its payload carries one. */
  readonly statusSlot?: StatusListPosition;
  /** The purposes whose bit was read from a status list given; empty when the live status was not checked. */
  readonly statusChecked: readonly StatusPurpose[];
  /** The live status is as of then: the signing time of the oldest list read. */
  readonly statusAsOf?: Date;
  /** What came of each status list given, in order. */
  readonly statusLists: readonly StatusListCheck[];
  /**
   * `TRUST_LIST_STALE` or `TRUST_LIST_MISSING` when the seal's revocation could not be checked against a current
   * list (not with `refuseStale`, where they are reasons). A verifier must show them: the verdict is as of the list.
   */
  readonly warnings: readonly TrustListProblem[];
  /** The revocation list read: its thisUpdate, nextUpdate and number. */
  readonly trustList?: TrustListInfo;
}

function windowReasons(payload: Record<string, unknown>, today: string): VerificationReason[] {
  const from = typeof payload.validFrom === 'string' ? payload.validFrom : '';
  const to = typeof payload.validTo === 'string' ? payload.validTo : '';
  if (from !== '' && today < from) return ['NOT_YET_VALID'];
  if (to !== '' && today > to) return ['EXPIRED'];
  return [];
}

/** The live status of a verified payload from the lists given (nothing checked without a payload or lists). */
async function liveStatus(
  payload: Record<string, unknown> | undefined,
  trustBundle: TrustBundle,
  at: Date,
  options: OfflineOptions,
): Promise<OfflineStatus> {
  const lists = options.statusLists ?? [];
  if (payload === undefined || lists.length === 0) return { reasons: [], checked: [], lists: [] };
  const issuerCode = typeof payload.issuerCode === 'string' ? payload.issuerCode : '';
  const ctx = { trustBundle, at, ...(options.sealStatus === undefined ? {} : { sealStatus: options.sealStatus }) };
  return offlineStatus(issuerCode, licenceSlot(payload), lists, ctx);
}

/** Verifies a sealed licence (compact JWS or `OO1:` QR text) against a trust bundle, without the hub. */
export async function verifyOffline(
  input: string,
  trustBundlePem: string,
  options: OfflineOptions = {},
): Promise<OfflineVerification> {
  const at = options.at ?? new Date();
  const trustBundle = parseTrustBundle(trustBundlePem);
  const result = await verifySealedJws(input, {
    trustBundle,
    at,
    trustList: options.refuseStale === true ? 'refuse' : 'warn',
    ...(options.sealStatus === undefined ? {} : { sealStatus: options.sealStatus }),
  });
  const reasons: VerificationReason[] = [...result.reasons];
  const { payload, sealCert } = result;
  if (payload !== undefined) {
    if (sealCert !== undefined && sealCert.departmentCode !== payload.issuerCode) reasons.push('ISSUER_MISMATCH');
    reasons.push(...windowReasons(payload, chinaDate(at)));
  }
  // A licence whose seal does not verify is not worth a live status: its lists are not read.
  const status = await liveStatus(result.valid ? payload : undefined, trustBundle, at, options);
  reasons.push(...status.reasons.filter((reason) => !reasons.includes(reason)));
  const slot = payload === undefined ? undefined : licenceSlot(payload);
  // what could not be checked offline matters only for a licence whose seal verified (else: NOT_GENUINE)
  const unchecked: VerificationReason[] = [];
  const purposes: readonly StatusPurpose[] = ['revocation', 'suspension'];
  if (result.valid && !purposes.every((p) => status.checked.includes(p))) unchecked.push('STATUS_UNCHECKED');
  if (result.valid && payload?.industry !== undefined) unchecked.push('COMPONENTS_UNCHECKED');
  const warnings = result.warnings ?? [];
  const verdict = verdictOf({ reasons: [...reasons, ...unchecked], warnings });
  return {
    valid: reasons.length === 0,
    reasons,
    genuine: verdict.genuine,
    genuineFindings: verdict.genuineFindings,
    mayOperate: verdict.mayOperate,
    operationFindings: verdict.operationFindings,
    sealValid: result.valid,
    ...(payload === undefined ? {} : { payload }),
    ...(sealCert === undefined ? {} : { sealKid: sealCert.kid }),
    ...(result.signedAt === undefined ? {} : { sealedAt: result.signedAt }),
    ...(slot === undefined ? {} : { statusSlot: slot }),
    statusChecked: status.checked,
    ...(status.asOf === undefined ? {} : { statusAsOf: status.asOf }),
    statusLists: status.lists,
    warnings,
    ...(result.trustListUsed === undefined ? {} : { trustList: result.trustListUsed }),
  };
}
