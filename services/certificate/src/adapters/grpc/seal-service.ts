import { sealV1 } from '@onceonly/contracts';
import { validateUscc } from '@onceonly/ids';
import { type Caller, FieldCheck, unary } from '@onceonly/kit';
import { isSealKid } from '@onceonly/seal';
import type { Database } from '@onceonly/store';
import { type CreateSealCommand, createSeal } from '../../app/seals/create-seal.js';
import { type ListSealsCommand, listSeals } from '../../app/seals/list-seals.js';
import type { SealDeps } from '../../app/seals/ports.js';
import { type RevokeSealCommand, revokeSeal } from '../../app/seals/revoke-seal.js';
import { type RotateSealCommand, rotateSeal } from '../../app/seals/rotate-seal.js';
import type { StoredSealKeys } from '../../app/seals/seal-keys.js';
import { makeTrustList } from '../../app/seals/trust-list.js';
import type { SealActor } from '../../domain/seals/permissions.js';
import {
  MAX_PICTURE_REF_LENGTH,
  MAX_REASON_LENGTH,
  MAX_SEAL_NAME_LENGTH,
  MAX_SEAL_VALIDITY_DAYS,
} from '../../domain/seals/seal.js';
import { sealKindFromProto, sealToProto } from './seal-to-proto.js';

/**
 * The gRPC adapter of SealService. Every request is parsed here, at the edge: each invalid field is named in an
 * INVALID_ARGUMENT (with google.rpc.BadRequest details) before anything runs. Who may do what is the use cases'
 * rule (PERMISSION_DENIED); unknown kids are SEAL_NOT_FOUND (NOT_FOUND).
 */

export interface SealServiceDeps {
  readonly db: Database;
  readonly seals: SealDeps;
  readonly keys: StoredSealKeys;
}

export function sealService(deps: SealServiceDeps): sealV1.SealServiceServer {
  const { db, seals } = deps;
  const now = () => seals.clock();
  return {
    createSeal: unary(async (request: sealV1.CreateSealRequest, { caller }) => {
      const seal = await createSeal(db, seals, parseCreateSeal(request, actorOf(caller)));
      return sealV1.CreateSealResponse.fromPartial({ seal: sealToProto(seal, now()) });
    }),
    rotateSeal: unary(async (request: sealV1.RotateSealRequest, { caller }) => {
      const rotation = await rotateSeal(db, seals, parseRotateSeal(request, actorOf(caller)));
      const at = now();
      return sealV1.RotateSealResponse.fromPartial({
        seal: sealToProto(rotation.seal, at),
        previous: sealToProto(rotation.previous, at),
      });
    }),
    revokeSeal: unary(async (request: sealV1.RevokeSealRequest, { caller }) => {
      const seal = await revokeSeal(db, seals, parseRevokeSeal(request, actorOf(caller)));
      return sealV1.RevokeSealResponse.fromPartial({ seal: sealToProto(seal, now()) });
    }),
    listSeals: unary(async (request: sealV1.ListSealsRequest, { caller }) => {
      const page = await listSeals(db, seals, parseListSeals(request, actorOf(caller)));
      const at = now();
      return sealV1.ListSealsResponse.fromPartial({
        seals: page.seals.map((s) => sealToProto(s, at)),
        page: { nextPageToken: page.nextPageToken },
      });
    }),
    getTrustBundle: unary(async () => {
      // open to every authenticated caller: certificates and the revocation list are public
      const list = await makeTrustList(seals, () => deps.keys.bundle());
      const at = now();
      return sealV1.GetTrustBundleResponse.fromPartial({
        rootCertificatePem: seals.ca.certPem,
        seals: list.bundle.seals.map((s) => sealToProto(s, at)),
        bundlePem: list.bundle.pem,
        generatedAt: at.toISOString(),
        crlPem: list.crlPem,
        trustListPem: list.pem,
        thisUpdate: list.thisUpdate.toISOString(),
        nextUpdate: list.nextUpdate.toISOString(),
        crlNumber: list.crlNumber.toString(),
      });
    }),
  };
}

function actorOf(caller: Caller): SealActor {
  return { departmentCode: caller.departmentCode, departmentName: caller.departmentName, role: caller.role };
}

// ---------------------------------------------------------------------------------------------------------------
// request parsing: every field comes from the caller

function optionalUscc(check: FieldCheck, field: string, value: string): string | undefined {
  if (value === '') return undefined;
  const checked = validateUscc(value);
  if (!checked.ok) {
    check.fail(field, `USCC_${checked.reason}`, `not a unified social credit code: ${checked.message}`);
    return undefined;
  }
  return checked.value;
}

/** Seal names and reasons: trimmed, under the kit's text rule (one line, no citizen ID); undefined when empty. */
function text(check: FieldCheck, field: string, value: string, max: number, required: boolean): string | undefined {
  const trimmed = check.text(field, value, { max, required, trim: true });
  return trimmed === '' ? undefined : trimmed;
}

function validityDays(check: FieldCheck, value: number): number | undefined {
  if (value === 0) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > MAX_SEAL_VALIDITY_DAYS) {
    check.fail('validity_days', 'RANGE', `from 1 to ${MAX_SEAL_VALIDITY_DAYS} days, or 0 for the default`);
  }
  return value;
}

function kid(check: FieldCheck, value: string): string {
  if (value === '') check.fail('kid', 'REQUIRED', 'name the seal by its kid');
  else if (!isSealKid(value)) check.fail('kid', 'KID_FORMAT', 'a kid is 22 base64url characters');
  return value;
}

/** CreateSeal: kind UNSPECIFIED means a licensing seal; an empty name, the department's name and the seal type. */
export function parseCreateSeal(request: sealV1.CreateSealRequest, actor: SealActor): CreateSealCommand {
  return FieldCheck.parse((check) => {
    const departmentCode = optionalUscc(check, 'department_code', request.departmentCode);
    const name = text(check, 'name', request.name, MAX_SEAL_NAME_LENGTH, false);
    const kind = request.kind === 0 ? 'licensing' : sealKindFromProto(request.kind);
    if (kind === undefined) check.fail('kind', 'ENUM', 'an unknown seal kind');
    const days = validityDays(check, request.validityDays);
    const pictureRef = text(check, 'picture_ref', request.pictureRef, MAX_PICTURE_REF_LENGTH, false);
    return { actor, departmentCode, name, kind: kind!, validityDays: days, pictureRef };
  });
}

export function parseRotateSeal(request: sealV1.RotateSealRequest, actor: SealActor): RotateSealCommand {
  return FieldCheck.parse((check) => ({
    actor,
    kid: kid(check, request.kid),
    validityDays: validityDays(check, request.validityDays),
  }));
}

/** RevokeSeal: `compromised_at` is RFC 3339 with an offset (empty: now); the reason is required. */
export function parseRevokeSeal(request: sealV1.RevokeSealRequest, actor: SealActor): RevokeSealCommand {
  return FieldCheck.parse((check) => {
    const sealKid = kid(check, request.kid);
    const compromisedAt = check.instant('compromised_at', request.compromisedAt);
    const reason = text(check, 'reason', request.reason, MAX_REASON_LENGTH, true);
    return { actor, kid: sealKid, compromisedAt, reason: reason! };
  });
}

/** ListSeals: page size 0 takes the default, larger than the maximum is cut to it. */
export function parseListSeals(request: sealV1.ListSealsRequest, actor: SealActor): ListSealsCommand {
  return FieldCheck.parse((check) => {
    const departmentCode = optionalUscc(check, 'department_code', request.departmentCode);
    const pageSize = request.page?.pageSize ?? 0;
    if (!Number.isInteger(pageSize) || pageSize < 0) check.fail('page.page_size', 'RANGE', 'must not be negative');
    const pageToken = request.page?.pageToken ?? '';
    if (pageToken.length > 200) check.fail('page.page_token', 'PAGE_TOKEN', 'not a page token of this list');
    else check.text('page.page_token', pageToken, { max: 200 });
    return {
      actor,
      departmentCode,
      includeInactive: request.includeInactive,
      pageSize,
      pageToken: pageToken === '' ? undefined : pageToken,
    };
  });
}
