import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import {
  assertFieldValues,
  type FieldSchema,
  type FieldSpec,
  patchFieldValues,
  schemaViolations,
  validateFieldValues,
} from './index.js';

// An assistance answer's schema (the second user of the library after licence faces).
const ANSWER: FieldSchema = {
  nameEn: 'Economic status of a legal aid applicant',
  fields: [
    {
      key: 'household_status',
      labelZh: '家庭经济状况',
      labelEn: 'Household status',
      type: 'enum',
      required: true,
      maxLength: 0,
      enumValues: ['低保', '低收入', '其他'],
    },
    { key: 'checked_on', labelZh: '核查日期', labelEn: 'Checked on', type: 'date', required: true, maxLength: 0 },
    {
      key: 'employer',
      labelZh: '工作单位统一社会信用代码',
      labelEn: 'Employer',
      type: 'uscc',
      required: false,
      maxLength: 0,
    },
    { key: 'remarks', labelZh: '备注', labelEn: 'Remarks', type: 'text', required: false, maxLength: 20 },
    {
      key: 'case_no',
      labelZh: '案号',
      labelEn: 'Case number',
      type: 'string',
      required: false,
      maxLength: 0,
      pattern: '^[A-Z]{2}[0-9]{4}$',
    },
  ],
};

const reasons = (fields: Record<string, string>) => validateFieldValues(ANSWER, fields).map((v) => [v.field, v.reason]);

describe('field schemas', () => {
  it('accepts valid values', () => {
    expect(reasons({ household_status: '低保', checked_on: '2026-02-24', case_no: 'FY2026' })).toEqual([]);
  });

  it('names every violation, in schema order then unknown keys', () => {
    expect(
      reasons({
        checked_on: '2026-02-30',
        employer: '91310000MA1FL8XQ3X',
        remarks: 'x'.repeat(21),
        case_no: 'fy2026',
        colour: 'red',
      }),
    ).toEqual([
      ['fields.household_status', 'FIELD_REQUIRED'],
      ['fields.checked_on', 'FIELD_DATE'],
      ['fields.employer', 'FIELD_USCC'],
      ['fields.remarks', 'FIELD_TOO_LONG'],
      ['fields.case_no', 'FIELD_PATTERN'],
      ['fields.colour', 'FIELD_UNKNOWN'],
    ]);
  });

  it("throws the caller's code, with the violations, and returns the normalised values", () => {
    let thrown: unknown;
    try {
      assertFieldValues(ANSWER, { household_status: '不知道', checked_on: '2026-02-24' }, 'CERT_FIELDS_INVALID');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'CERT_FIELDS_INVALID' });
    expect(
      assertFieldValues(
        ANSWER,
        { household_status: ' 低保 ', checked_on: '2026-02-24', remarks: '' },
        'CERT_FIELDS_INVALID',
      ),
    ).toEqual({
      household_status: '低保',
      checked_on: '2026-02-24',
    });
  });

  it('patches values and names what changed', () => {
    expect(patchFieldValues({ a: '1', b: '2' }, { set: { a: '3', c: ' ' }, clear: ['b'] })).toEqual({
      fields: { a: '3' },
      changed: ['a', 'b'],
    });
  });
});

describe('schemas from callers', () => {
  const spec = (more: Partial<FieldSpec>): FieldSpec => ({
    key: 'site',
    labelZh: '地点',
    labelEn: 'Site',
    type: 'string',
    required: true,
    maxLength: 0,
    ...more,
  });
  const problems = (...fields: FieldSpec[]) =>
    schemaViolations({ nameEn: 'x', fields }, 'request').map((v) => [v.field, v.reason]);

  it('accepts a sound schema (the one above, every kind)', () => {
    expect(schemaViolations(ANSWER, 'answer')).toEqual([]);
  });

  it('names each broken rule', () => {
    expect(
      problems(
        spec({ key: 'Site' }),
        spec({}),
        spec({ key: 'site', labelEn: ' ' }),
        spec({ key: 'a', type: 'colour' as FieldSpec['type'] }),
        spec({ key: 'b', maxLength: 4001 }),
        spec({ key: 'c', type: 'enum' }),
        spec({ key: 'd', type: 'enum', enumValues: ['是', '是'] }),
        spec({ key: 'e', enumValues: ['是'] }),
        spec({ key: 'f', pattern: '^(a+)+$' }),
        spec({ key: 'g', pattern: '^[a-' }),
        spec({ key: 'h', pattern: `^${'a'.repeat(201)}$` }),
        spec({ key: 'i', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }),
      ),
    ).toEqual([
      ['request.fields[0].key', 'SCHEMA_KEY'],
      ['request.fields[2].key', 'SCHEMA_KEY'],
      ['request.fields[2].label', 'SCHEMA_LABEL'],
      ['request.fields[3].kind', 'SCHEMA_KIND'],
      ['request.fields[4].max_length', 'SCHEMA_LENGTH'],
      ['request.fields[5].enum_values', 'SCHEMA_ENUM'],
      ['request.fields[6].enum_values', 'SCHEMA_ENUM'],
      ['request.fields[7].enum_values', 'SCHEMA_ENUM'],
      ['request.fields[8].pattern', 'SCHEMA_PATTERN'],
      ['request.fields[9].pattern', 'SCHEMA_PATTERN'],
      ['request.fields[10].pattern', 'SCHEMA_PATTERN'],
    ]);
  });

  it('bounds the number of fields', () => {
    const many = Array.from({ length: 65 }, (_, i) => spec({ key: `f${i}` }));
    expect(problems(...many)).toEqual([['request.fields', 'SCHEMA_SIZE']]);
  });
});
