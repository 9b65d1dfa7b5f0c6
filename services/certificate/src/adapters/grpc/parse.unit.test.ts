import { HolderCodeType } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { codeTypeOf, faceFields, holderInput, idempotencyKey, MAX_FIELDS, Violations } from './parse.js';

describe('request parsing at the edge', () => {
  it('bounds face fields before anything else (REQUEST_TOO_LARGE)', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_FIELDS + 1 }, (_, i) => [`f${i}`, 'x']));
    expect(() => faceFields(many)).toThrow(expect.objectContaining({ code: 'REQUEST_TOO_LARGE' }));
    expect(() => faceFields({ premises: 'x'.repeat(8_001) })).toThrow(
      expect.objectContaining({ code: 'REQUEST_TOO_LARGE' }),
    );
    expect(faceFields({ premises: '上海' })).toEqual({ premises: '上海' });
  });

  it('collects field violations and throws them together', () => {
    const out = new Violations();
    idempotencyKey('has space', out);
    holderInput(undefined, out);
    expect(() => out.done()).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        details: {
          fields: [expect.objectContaining({ field: 'idempotency_key' }), expect.objectContaining({ field: 'holder' })],
        },
      }),
    );
  });

  it('maps holder code types to the domain spelling', () => {
    expect(codeTypeOf(HolderCodeType.HOLDER_CODE_TYPE_USCC)).toBe('001');
    expect(codeTypeOf(HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID)).toBe('111');
    expect(codeTypeOf(HolderCodeType.HOLDER_CODE_TYPE_UNSPECIFIED)).toBe('');
  });
});
