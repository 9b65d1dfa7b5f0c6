import { createHash } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import { requireMaterialType } from './catalogue.js';

/**
 * The electronic material library (电子材料库): what a stored material is, the checks of an upload, and who may be
 * served a material. Materials are content-addressed by the SHA-256 of their bytes.
 */

/** An applicant as the service keeps it: an organisation by credit code, a person only by keyed hash and mask. */
export interface Owner {
  readonly kind: 'organisation' | 'person';
  /** The credit code, or the keyed hash of the citizen ID (64 hex). */
  readonly key: string;
  /** The credit code, or the masked citizen ID. */
  readonly display: string;
}

export interface StoredMaterial {
  readonly id: string;
  readonly sha256: string;
  readonly materialType: string;
  readonly sizeBytes: number;
  readonly owner: Owner;
  readonly name: string;
  readonly mediaType: string;
  /** YYYY-MM-DD; absent: no end of validity. */
  readonly validUntil?: string;
  readonly sourceApplicationId?: string;
  readonly uploadedBy: string;
  readonly uploadedAt: Date;
}

/** Default limit of one material's size: below the gRPC server's 4 MiB receive limit, with room for the fields. */
export const DEFAULT_MAX_MATERIAL_BYTES = 3 * 1024 * 1024;

/** Hex SHA-256 of bytes. */
export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** An upload as the edge parsed it (the owner already keyed). */
export interface UploadCheck {
  readonly content: Uint8Array;
  readonly declaredSha256: string;
  readonly materialType: string;
  readonly maxBytes: number;
}

/**
 * Checks an upload before anything is written: the type is in the catalogue, the size within the limit, the bytes
 * hash to the declared digest. Returns the digest.
 * @throws AppError MATERIALS_TYPE_UNKNOWN, MATERIALS_TOO_LARGE, MATERIALS_DIGEST_MISMATCH.
 */
export function checkUpload(upload: UploadCheck): string {
  requireMaterialType(upload.materialType);
  if (upload.content.byteLength > upload.maxBytes) {
    throw new AppError('MATERIALS_TOO_LARGE', `the material is over the limit of ${upload.maxBytes} bytes`, {
      details: {
        fields: [{ field: 'content', reason: 'MATERIALS_TOO_LARGE', description: `at most ${upload.maxBytes} bytes` }],
        meta: { sizeBytes: String(upload.content.byteLength), maxBytes: String(upload.maxBytes) },
      },
    });
  }
  const actual = sha256Hex(upload.content);
  if (actual !== upload.declaredSha256.toLowerCase()) {
    throw new AppError('MATERIALS_DIGEST_MISMATCH', 'the content does not hash to the declared SHA-256', {
      details: {
        fields: [{ field: 'sha256', reason: 'MATERIALS_DIGEST_MISMATCH', description: 'the SHA-256 of content' }],
        meta: { actual },
      },
    });
  }
  return actual;
}

/** Who asks for a material's content. */
export interface Reader {
  readonly code: string;
  readonly role: string;
  /** The portal: the key of the owner it acts for. */
  readonly onBehalfOf?: string;
  /** A department: the application it names. */
  readonly applicationId?: string;
}

/** A reuse of a material by an application, as recorded when a resolution used it. */
export interface Reuse {
  readonly materialId: string;
  readonly applicationId: string;
  readonly departmentCode: string;
}

/**
 * Whether `reader` may be served `material`: the portal acting for its owner, or a department naming an application
 * of its own that reused the material. Nobody else: not another department, not a department naming an application
 * it is not part of, not the portal acting for someone else.
 */
export function mayServe(material: Pick<StoredMaterial, 'id' | 'owner'>, reader: Reader, reuses: readonly Reuse[]) {
  if (reader.role === 'portal') return reader.onBehalfOf !== undefined && reader.onBehalfOf === material.owner.key;
  if (reader.role !== 'department' || reader.applicationId === undefined) return false;
  return reuses.some(
    (r) => r.materialId === material.id && r.applicationId === reader.applicationId && r.departmentCode === reader.code,
  );
}

/** Whether a material is usable on `today` (YYYY-MM-DD): no end of validity, or not past it. */
export function isCurrent(material: Pick<StoredMaterial, 'validUntil'>, today: string): boolean {
  return material.validUntil === undefined || material.validUntil >= today;
}
