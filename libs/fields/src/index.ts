/**
 * @onceonly/fields: the schema of a structured record's fields (a licence's face, an assistance request's or
 * answer's fields) and their validation, normalisation and patches. Pure functions.
 */
export {
  assertFieldValues,
  FIELD_REASONS,
  type FieldKind,
  type FieldPatch,
  type FieldReason,
  type FieldSchema,
  type FieldSpec,
  type FieldValues,
  normaliseFieldValues,
  patchFieldValues,
  validateFieldValues,
} from './fields.js';
