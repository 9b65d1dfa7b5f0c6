import { describe, expect, it } from 'vitest';
import { FOOD, FOOD_FIELDS, thrown, type } from '../../test/fixtures.js';
import { TYPE_CODES } from './catalogue.js';
import { assertFaceFields, normaliseFaceFields, patchFaceFields, validateFaceFields } from './face-fields.js';

const BUSINESS = type(TYPE_CODES.BUSINESS_LICENCE);
const DRUG = type(TYPE_CODES.DRUG_BUSINESS);

function reasons(fields: Record<string, string>, of = FOOD) {
  return validateFaceFields(of, normaliseFaceFields(fields)).map((v) => [v.field, v.reason]);
}

describe('face field validation', () => {
  it('accepts a complete face', () => {
    expect(reasons(FOOD_FIELDS)).toEqual([]);
  });

  it('rejects a field the type does not have', () => {
    expect(reasons({ ...FOOD_FIELDS, colour: 'red' })).toEqual([['fields.colour', 'FIELD_UNKNOWN']]);
  });

  it('rejects a missing required field, and treats a blank one as missing', () => {
    const { premises: _, ...rest } = FOOD_FIELDS;
    expect(reasons(rest)).toEqual([['fields.premises', 'FIELD_REQUIRED']]);
    expect(reasons({ ...FOOD_FIELDS, premises: '   ' })).toEqual([['fields.premises', 'FIELD_REQUIRED']]);
  });

  it('counts length in characters, not bytes', () => {
    expect(reasons({ ...FOOD_FIELDS, legal_representative: '王'.repeat(50) })).toEqual([]);
    expect(reasons({ ...FOOD_FIELDS, legal_representative: '王'.repeat(51) })).toEqual([
      ['fields.legal_representative', 'FIELD_TOO_LONG'],
    ]);
  });

  it('rejects a value that does not match the pattern', () => {
    expect(reasons({ ...FOOD_FIELDS, complaint_hotline: '12315' })).toEqual([]);
    expect(reasons({ ...FOOD_FIELDS, complaint_hotline: 'call us' })).toEqual([
      ['fields.complaint_hotline', 'FIELD_PATTERN'],
    ]);
  });

  it('rejects a value outside the enum', () => {
    expect(reasons({ ...FOOD_FIELDS, main_format: '网吧' })).toEqual([['fields.main_format', 'FIELD_ENUM']]);
  });

  it('rejects a date that is not a calendar date', () => {
    const face = {
      entity_type: '有限责任公司',
      legal_representative: '李雷',
      established_on: '2019-02-29',
      address: '上海市普陀区真北路1号',
      business_scope: '餐饮服务',
    };
    expect(reasons(face, BUSINESS)).toEqual([['fields.established_on', 'FIELD_DATE']]);
    expect(reasons({ ...face, established_on: '2020-02-29' }, BUSINESS)).toEqual([]);
  });

  it('rejects a credit code with a wrong check character', () => {
    const face = {
      legal_representative: '赵敏',
      responsible_person: '赵敏',
      quality_manager: '钱进',
      address: '上海市普陀区武宁路2号',
      business_mode: '零售（连锁）',
      business_scope: '处方药、甲类非处方药、乙类非处方药',
    };
    expect(reasons({ ...face, chain_headquarters_code: '11100000000013338W' }, DRUG)).toEqual([]);
    expect(reasons({ ...face, chain_headquarters_code: '11100000000013338X' }, DRUG)).toEqual([
      ['fields.chain_headquarters_code', 'FIELD_USCC'],
    ]);
  });

  it('rejects control characters in one-line fields but allows line breaks in text', () => {
    expect(reasons({ ...FOOD_FIELDS, premises: '长寿路\n100号' })).toEqual([['fields.premises', 'FIELD_FORMAT']]);
    expect(reasons({ ...FOOD_FIELDS, business_items: '热食类食品制售\n冷食类食品制售' })).toEqual([]);
    expect(reasons({ ...FOOD_FIELDS, business_items: 'a\u0000b' })).toEqual([
      ['fields.business_items', 'FIELD_FORMAT'],
    ]);
  });

  it('reports every violation at once', () => {
    expect(reasons({ main_format: 'x', extra: '1' }).map(([, r]) => r)).toEqual([
      'FIELD_REQUIRED',
      'FIELD_REQUIRED',
      'FIELD_ENUM',
      'FIELD_REQUIRED',
      'FIELD_UNKNOWN',
    ]);
  });

  it('throws CERT_FIELDS_INVALID with the violations, and returns the trimmed face when valid', () => {
    expect(thrown(() => assertFaceFields(FOOD, { ...FOOD_FIELDS, colour: 'red' }))).toMatchObject({
      code: 'CERT_FIELDS_INVALID',
      fields: [{ field: 'fields.colour', reason: 'FIELD_UNKNOWN' }],
    });
    expect(assertFaceFields(FOOD, { ...FOOD_FIELDS, premises: ' 长寿路100号 ', address: '' })).toEqual({
      ...FOOD_FIELDS,
      premises: '长寿路100号',
    });
  });
});

describe('patching a face', () => {
  it('sets, clears and names the changed keys', () => {
    const current = { ...FOOD_FIELDS, complaint_hotline: '12315' };
    const { fields, changed } = patchFaceFields(current, {
      set: { premises: '上海市普陀区长寿路200号', legal_representative: '王芳' },
      clear: ['complaint_hotline'],
    });
    expect(fields).toEqual({ ...FOOD_FIELDS, premises: '上海市普陀区长寿路200号' });
    expect(changed).toEqual(['complaint_hotline', 'premises']);
  });

  it('treats setting an empty value as clearing it', () => {
    expect(patchFaceFields({ a: '1' }, { set: { a: ' ' } })).toEqual({ fields: {}, changed: ['a'] });
  });
});
