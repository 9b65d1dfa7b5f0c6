import type { FieldViolation } from '@onceonly/errors';
import {
  assertFieldValues,
  type FieldPatch,
  type FieldValues,
  normaliseFieldValues,
  patchFieldValues,
  validateFieldValues,
} from '@onceonly/fields';
import type { CertificateType } from './catalogue.js';

/**
 * A certificate's face (照面信息) against its type's schema, with the fields library's rules (`@onceonly/fields`):
 * a violation names the field as `fields.<key>` with a stable reason (`FIELD_REASONS`).
 */

/** The face of a certificate: values by field key. */
export type FaceFields = FieldValues;

/** A change to a face: values to set and keys to clear. */
export type FacePatch = FieldPatch;

/** Trims every value and drops the empty ones: an empty optional field is an absent one. */
export const normaliseFaceFields: (fields: Readonly<Record<string, string>>) => FaceFields = normaliseFieldValues;

/** Every violation of the type's schema by a (normalised) face; empty when it is valid. */
export function validateFaceFields(type: CertificateType, fields: FaceFields): FieldViolation[] {
  return validateFieldValues(type, fields);
}

/**
 * Normalises and validates a face.
 * @returns the normalised face.
 * @throws AppError CERT_FIELDS_INVALID with one field violation per problem.
 */
export function assertFaceFields(type: CertificateType, fields: Readonly<Record<string, string>>): FaceFields {
  return assertFieldValues(type, fields, 'CERT_FIELDS_INVALID');
}

/** Applies a patch to a face and names the keys whose value changed; validate the result with assertFaceFields. */
export const patchFaceFields: (current: FaceFields, patch: FacePatch) => { fields: FaceFields; changed: string[] } =
  patchFieldValues;
