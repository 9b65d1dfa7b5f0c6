import { HolderCodeType, type materialsV1 as mv } from '@onceonly/contracts';
import { validateCitizenId, validateUscc } from '@onceonly/ids';
import { FieldCheck } from '@onceonly/kit';
import type { Actor, NamedApplicant } from '../../app/ports.js';
import type { GetMaterialInput } from '../../app/read-materials.js';
import type { ResolveInput } from '../../app/resolve-materials.js';
import type { UploadInput } from '../../app/upload-material.js';
import { MAX_CODE } from '../../domain/catalogue.js';

/**
 * One parser per MaterialsService RPC: the request in, the use case's input out, or one coded error naming every
 * field at fault (the kit's FieldCheck: the text rule, no citizen ID in free text; credit codes and citizen IDs by
 * their check characters, the ID never echoed). Nothing runs before a request has parsed.
 */

const MAX_NAME = 200;
const MAX_ID = 100;
const SHA256 = /^[0-9a-fA-F]{64}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function applicant(check: FieldCheck, field: string, a: mv.Applicant | undefined): NamedApplicant {
  const code = (a?.code ?? '').trim();
  if (code === '') {
    check.fail(`${field}.code`, 'REQUIRED', 'a credit code or a citizen ID');
    return { kind: 'organisation', code: '' };
  }
  const type = a?.codeType ?? HolderCodeType.HOLDER_CODE_TYPE_UNSPECIFIED;
  if (type === HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID) {
    const result = validateCitizenId(code);
    if (!result.ok) check.fail(`${field}.code`, 'CITIZEN_ID', 'not a valid citizen ID', 'CITIZEN_ID_INVALID');
    return result.ok ? { kind: 'citizen', id: result.value.id } : { kind: 'organisation', code: '' };
  }
  if (type !== HolderCodeType.HOLDER_CODE_TYPE_USCC) {
    check.fail(`${field}.code_type`, 'HOLDER_CODE_TYPE', 'USCC or CITIZEN_ID', 'HOLDER_CODE_TYPE_INVALID');
    return { kind: 'organisation', code: '' };
  }
  const result = validateUscc(code);
  if (!result.ok) {
    check.fail(
      `${field}.code`,
      `USCC_${result.reason}`,
      `not a unified social credit code: ${result.message}`,
      'USCC_INVALID',
    );
    return { kind: 'organisation', code: '' };
  }
  return { kind: 'organisation', code: result.value };
}

const code = (check: FieldCheck, field: string, value: string) =>
  check.text(field, value, { max: MAX_CODE, required: true, trim: true });

/** A real calendar day YYYY-MM-DD. */
function day(check: FieldCheck, field: string, value: string): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const at = new Date(`${v}T00:00:00Z`);
  if (!DAY.test(v) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== v) {
    check.fail(field, 'DATE', 'a calendar day YYYY-MM-DD');
    return undefined;
  }
  return v;
}

export function parseGetItem(r: mv.GetItemRequest) {
  return FieldCheck.parse((check) => {
    if (!Number.isInteger(r.version) || r.version < 0) check.fail('version', 'VERSION', '0 (latest) or a version');
    return { code: code(check, 'code', r.code), ...(r.version > 0 ? { version: r.version } : {}) };
  });
}

export function parseUploadMaterial(r: mv.UploadMaterialRequest, actor: Actor): UploadInput {
  return FieldCheck.parse((check) => {
    const owner = applicant(check, 'owner', r.owner);
    if (r.content.byteLength === 0) check.fail('content', 'REQUIRED', 'the bytes of the material');
    if (!SHA256.test(r.sha256)) check.fail('sha256', 'SHA256', 'the hex SHA-256 of content (64 characters)');
    const mediaType = r.mediaType.trim() === '' ? 'application/octet-stream' : r.mediaType.trim().toLowerCase();
    if (!MEDIA_TYPE.test(mediaType)) check.fail('media_type', 'MEDIA_TYPE', 'a media type, e.g. application/pdf');
    const validUntil = day(check, 'valid_until', r.validUntil);
    const applicationId = check.text('application_id', r.applicationId, { max: MAX_ID, trim: true });
    return {
      actor,
      owner,
      materialType: code(check, 'material_type', r.materialType),
      name: check.text('name', r.name, { max: MAX_NAME, required: true, trim: true }),
      content: r.content,
      sha256: r.sha256.toLowerCase(),
      mediaType,
      ...(validUntil ? { validUntil } : {}),
      ...(applicationId ? { applicationId } : {}),
    };
  });
}

export function parseListMaterials(r: mv.ListMaterialsRequest, actor: Actor) {
  return FieldCheck.parse((check) => ({ actor, owner: applicant(check, 'owner', r.owner) }));
}

export function parseGetMaterial(r: mv.GetMaterialRequest, actor: Actor): GetMaterialInput {
  return FieldCheck.parse((check) => {
    const owner = r.owner && r.owner.code.trim() !== '' ? applicant(check, 'owner', r.owner) : undefined;
    const applicationId = check.text('application_id', r.applicationId, { max: MAX_ID, trim: true });
    return {
      actor,
      id: check.text('id', r.id, { max: MAX_ID, required: true, trim: true }),
      ...(owner ? { owner } : {}),
      ...(applicationId ? { applicationId } : {}),
    };
  });
}

export function parseResolveMaterials(r: mv.ResolveMaterialsRequest, actor: Actor): ResolveInput {
  return FieldCheck.parse((check) => ({
    actor,
    applicant: applicant(check, 'applicant', r.applicant),
    itemCode: code(check, 'item_code', r.itemCode),
    applicationId: check.text('application_id', r.applicationId, { max: MAX_ID, required: true, trim: true }),
  }));
}
