import { HolderCodeType } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { fieldsArgument, holderCodeType } from './cert-commands.js';

describe('cert command arguments', () => {
  it('--fields takes a JSON object of strings', () => {
    expect(fieldsArgument('{"premises":"上海市普陀区"}')).toEqual({ premises: '上海市普陀区' });
    for (const bad of ['not json', '[1]', '{"a":1}', 'null']) {
      expect(() => fieldsArgument(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => fieldsArgument('@/nonexistent/fields.json')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('the holder code type defaults from the shape of the code, and --holder-type wins', () => {
    expect(holderCodeType('91310107MA1H2B3C44', undefined)).toBe(HolderCodeType.HOLDER_CODE_TYPE_USCC);
    expect(holderCodeType('31010719900307123X', undefined)).toBe(HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID);
    expect(holderCodeType('913101070000000000', '001')).toBe(HolderCodeType.HOLDER_CODE_TYPE_USCC);
  });
});
