import type { TrustListInfo, TrustListProblem } from '@onceonly/seal';
import { chinaDate } from '../domain/dates.js';
import type { StatusListPosition, StatusPurpose } from '../domain/status-list-bits.js';
import { type Finding, verdictOf } from '../domain/verdict.js';
import type { VerificationReason } from '../domain/verification.js';
import {
  licenceSlot,
  type OfflineStatus,
  offlineStatus,
  type SealedVerifier,
  type StatusListCheck,
} from './status-list-check.js';

/** The `typ` of a sealed licence (`@onceonly/seal`'s SEALED_LICENCE_TYP, which the browser bundle cannot import). */
const SEALED_LICENCE_TYP = 'onceonly-licence+jws';

/**
 * Offline verification, for a verifier without access to the hub: the seal against a trust list (`onceonly trust
 * bundle`: the certificates and the hub CA's revocation list of seals): signature, chain, kid, key usage, seal
 * validity at the signing time, and the seal's revocation: a licence sealed at or after its seal's compromise time is
 * `SEAL_REVOKED`, one sealed before stays valid. A list past its nextUpdate (`TRUST_LIST_STALE`) or a bundle without
 * a list (`TRUST_LIST_MISSING`) is a warning in `warnings` that leaves the verdict as it is, or with `refuseStale` a
 * reason (not valid). Then what the payload itself says: the sealing department is the issuer it names, and today is
 * inside its validity window. The live status (revoked, suspended) comes from the issuer's sealed status lists when
 * the verifier gives them (`statusLists`, from GetStatusList: see `status-list-check.ts`); without them it is not
 * checked (`statusChecked` is empty), and only the hub can tell.
 *
 * Pure but for its port: `verifyOffline` (node:crypto, the CLI) and the verification page (WebCrypto, ADR 037) run
 * this same function.
 */

/** Options of {@link verifyOffline} and {@link verifyOfflineWith}. */
export interface OfflineOptions {
  /** The verification time; now by default. */
  readonly at?: Date;
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
  port: OfflinePort,
  at: Date,
  options: OfflineOptions,
): Promise<OfflineStatus> {
  const lists = options.statusLists ?? [];
  if (payload === undefined || lists.length === 0) return { reasons: [], checked: [], lists: [] };
  const issuerCode = typeof payload.issuerCode === 'string' ? payload.issuerCode : '';
  return offlineStatus(issuerCode, licenceSlot(payload), lists, { ...port, at });
}

/**
 * What an offline verifier does with its own cryptography: check a seal against its trust list (with the seal
 * revocations it knows), and decode a status list's GZIP. node:crypto and node:zlib in `verifyOffline`; WebCrypto
 * and DecompressionStream on the verification page (ADR 037). Everything else is {@link verifyOfflineWith}'s.
 */
export interface OfflinePort {
  readonly verifySealed: SealedVerifier;
  readonly decodeStatusList: (encoded: string) => Promise<Uint8Array>;
}

/**
 * Verifies a sealed licence (compact JWS or `OO1:` QR text) offline through `port`: the seal, the issuer, the
 * validity dates, the live status from the status lists given, and the two answers (ADR 033).
 */
export async function verifyOfflineWith(
  input: string,
  port: OfflinePort,
  options: OfflineOptions = {},
): Promise<OfflineVerification> {
  const at = options.at ?? new Date();
  const result = await port.verifySealed(input, {
    at,
    typ: SEALED_LICENCE_TYP,
    trustList: options.refuseStale === true ? 'refuse' : 'warn',
  });
  const reasons: VerificationReason[] = [...result.reasons];
  const { payload, sealCert } = result;
  if (payload !== undefined) {
    if (sealCert !== undefined && sealCert.departmentCode !== payload.issuerCode) reasons.push('ISSUER_MISMATCH');
    reasons.push(...windowReasons(payload, chinaDate(at)));
  }
  // A licence whose seal does not verify is not worth a live status: its lists are not read.
  const status = await liveStatus(result.valid ? payload : undefined, port, at, options);
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
