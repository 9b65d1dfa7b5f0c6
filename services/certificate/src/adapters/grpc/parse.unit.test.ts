import { HolderCodeType } from '@onceonly/contracts';
import { computeCitizenIdCheck } from '@onceonly/ids';
import { FieldCheck } from '@onceonly/kit';
import { describe, expect, it } from 'vitest';
import { codeTypeOf, faceFields, holderInput, idempotencyKey, MAX_FIELDS } from './parse.js';

const CITIZEN_ID = `31010719900307123${computeCitizenIdCheck('31010719900307123')}`;

describe('request parsing at the edge', () => {
  it('bounds face fields before anything else (REQUEST_TOO_LARGE)', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_FIELDS + 1 }, (_, i) => [`f${i}`, 'x']));
    expect(() => faceFields(new FieldCheck(), many)).toThrow(expect.objectContaining({ code: 'REQUEST_TOO_LARGE' }));
    expect(() => faceFields(new FieldCheck(), { premises: 'x'.repeat(8_001) })).toThrow(
      expect.objectContaining({ code: 'REQUEST_TOO_LARGE' }),
    );
    expect(faceFields(new FieldCheck(), { premises: '上海' })).toEqual({ premises: '上海' });
  });

  it('collects field violations and throws them together', () => {
    const check = new FieldCheck();
    idempotencyKey(check, 'has space');
    holderInput(check, undefined);
    expect(() => check.done()).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        details: {
          fields: [expect.objectContaining({ field: 'idempotency_key' }), expect.objectContaining({ field: 'holder' })],
        },
      }),
    );
  });

  it('keeps line breaks in face values, refuses a citizen ID in them, and names a bad key only by its map', () => {
    const check = new FieldCheck();
    faceFields(check, { business_scope: '餐饮服务\n食品销售', premises: `房东${CITIZEN_ID}`, 'a\u001b[2J': 'x' });
    expect(check.violations.map((v) => [v.field, v.reason])).toEqual([
      ['fields.premises', 'CITIZEN_ID'],
      ['fields', 'CONTROL_CHARACTER'],
    ]);
  });

  it('lets the holder code carry a citizen ID but not the holder name', () => {
    const check = new FieldCheck();
    const holder = {
      code: CITIZEN_ID,
      codeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID,
      name: `张三${CITIZEN_ID}`,
    };
    holderInput(check, holder);
    expect(check.violations.map((v) => [v.field, v.reason])).toEqual([['holder.name', 'CITIZEN_ID']]);
  });

  it('maps holder code types to the domain spelling', () => {
    expect(codeTypeOf(HolderCodeType.HOLDER_CODE_TYPE_USCC)).toBe('001');
    expect(codeTypeOf(HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID)).toBe('111');
    expect(codeTypeOf(HolderCodeType.HOLDER_CODE_TYPE_UNSPECIFIED)).toBe('');
  });
});
