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
  MAX_FIELD_LENGTH,
  MAX_SCHEMA_FIELDS,
  normaliseFieldValues,
  patchFieldValues,
  schemaViolations,
  validateFieldValues,
} from './fields.js';
