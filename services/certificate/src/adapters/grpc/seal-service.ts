import { sealV1 } from '@onceonly/contracts';
import { type FieldViolation, invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import { type Caller, unary } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import { type CreateSealCommand, createSeal } from '../../app/seals/create-seal.js';
import { type ListSealsCommand, listSeals } from '../../app/seals/list-seals.js';
import type { SealDeps } from '../../app/seals/ports.js';
import { type RevokeSealCommand, revokeSeal } from '../../app/seals/revoke-seal.js';
import { type RotateSealCommand, rotateSeal } from '../../app/seals/rotate-seal.js';
import type { StoredSealKeys } from '../../app/seals/seal-keys.js';
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
      // open to every authenticated caller: the bundle holds certificates only, which are public
      const view = await deps.keys.bundle();
      const at = now();
      return sealV1.GetTrustBundleResponse.fromPartial({
        rootCertificatePem: seals.ca.certPem,
        seals: view.seals.map((s) => sealToProto(s, at)),
        bundlePem: view.pem,
        generatedAt: at.toISOString(),
      });
    }),
  };
}

function actorOf(caller: Caller): SealActor {
  return { departmentCode: caller.departmentCode, departmentName: caller.departmentName, role: caller.role };
}

// ---------------------------------------------------------------------------------------------------------------
// request parsing: every field comes from the caller

const KID = /^[A-Za-z0-9_-]{22}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// C0 and C1 controls, and line/paragraph separators: nothing a seal name or reason needs, and they forge log lines
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Collects field violations and throws them all at once. */
class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, reason: string, description: string): void {
    this.list.push({ field, reason, description });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw invalid('INVALID_ARGUMENT', this.list);
  }
}

function optionalUscc(v: Violations, field: string, value: string): string | undefined {
  if (value === '') return undefined;
  const checked = validateUscc(value);
  if (!checked.ok) {
    v.add(field, `USCC_${checked.reason}`, `not a unified social credit code: ${checked.message}`);
    return undefined;
  }
  return checked.value;
}

function text(v: Violations, field: string, value: string, max: number, required: boolean): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') {
    if (required) v.add(field, 'REQUIRED', 'must not be empty');
    return undefined;
  }
  if ([...trimmed].length > max) v.add(field, 'TOO_LONG', `at most ${max} characters`);
  else if (CONTROL.test(trimmed)) v.add(field, 'CONTROL_CHARACTER', 'must not contain control characters');
  return trimmed;
}

function validityDays(v: Violations, value: number): number | undefined {
  if (value === 0) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > MAX_SEAL_VALIDITY_DAYS) {
    v.add('validity_days', 'RANGE', `from 1 to ${MAX_SEAL_VALIDITY_DAYS} days, or 0 for the default`);
  }
  return value;
}

function kid(v: Violations, value: string): string {
  if (value === '') v.add('kid', 'REQUIRED', 'name the seal by its kid');
  else if (!KID.test(value)) v.add('kid', 'KID_FORMAT', 'a kid is 22 base64url characters');
  return value;
}

/** CreateSeal: kind UNSPECIFIED means a licensing seal; an empty name, the department's name and the seal type. */
export function parseCreateSeal(request: sealV1.CreateSealRequest, actor: SealActor): CreateSealCommand {
  const v = new Violations();
  const departmentCode = optionalUscc(v, 'department_code', request.departmentCode);
  const name = text(v, 'name', request.name, MAX_SEAL_NAME_LENGTH, false);
  const kind = request.kind === 0 ? 'licensing' : sealKindFromProto(request.kind);
  if (kind === undefined) v.add('kind', 'ENUM', 'an unknown seal kind');
  const days = validityDays(v, request.validityDays);
  const pictureRef = text(v, 'picture_ref', request.pictureRef, MAX_PICTURE_REF_LENGTH, false);
  v.throwIfAny();
  return { actor, departmentCode, name, kind: kind!, validityDays: days, pictureRef };
}

export function parseRotateSeal(request: sealV1.RotateSealRequest, actor: SealActor): RotateSealCommand {
  const v = new Violations();
  const command = { actor, kid: kid(v, request.kid), validityDays: validityDays(v, request.validityDays) };
  v.throwIfAny();
  return command;
}

/** RevokeSeal: `compromised_at` is RFC 3339 (empty: now); the reason is required. */
export function parseRevokeSeal(request: sealV1.RevokeSealRequest, actor: SealActor): RevokeSealCommand {
  const v = new Violations();
  const sealKid = kid(v, request.kid);
  let compromisedAt: Date | undefined;
  if (request.compromisedAt !== '') {
    compromisedAt = new Date(request.compromisedAt);
    if (!RFC3339.test(request.compromisedAt) || Number.isNaN(compromisedAt.getTime())) {
      v.add('compromised_at', 'TIMESTAMP', 'an RFC 3339 time such as 2025-03-10T08:00:00+08:00');
    }
  }
  const reason = text(v, 'reason', request.reason, MAX_REASON_LENGTH, true);
  v.throwIfAny();
  return { actor, kid: sealKid, compromisedAt, reason: reason! };
}

/** ListSeals: page size 0 takes the default, larger than the maximum is cut to it. */
export function parseListSeals(request: sealV1.ListSealsRequest, actor: SealActor): ListSealsCommand {
  const v = new Violations();
  const departmentCode = optionalUscc(v, 'department_code', request.departmentCode);
  const pageSize = request.page?.pageSize ?? 0;
  if (!Number.isInteger(pageSize) || pageSize < 0) v.add('page.page_size', 'RANGE', 'must not be negative');
  const pageToken = request.page?.pageToken ?? '';
  if (pageToken.length > 200) v.add('page.page_token', 'PAGE_TOKEN', 'not a page token of this list');
  v.throwIfAny();
  return {
    actor,
    departmentCode,
    includeInactive: request.includeInactive,
    pageSize,
    pageToken: pageToken === '' ? undefined : pageToken,
  };
}
