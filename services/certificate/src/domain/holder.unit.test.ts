import { describe, expect, it } from 'vitest';
import { CITIZEN_ID, ENTERPRISE_CODE, enterprise, hasher, NOW, person, thrown } from '../../test/fixtures.js';
import { holderOf, holderSubject, renameHolder, sameHolder } from './holder.js';

describe('holders', () => {
  it('keeps a credit code in clear', () => {
    expect(enterprise()).toEqual({
      codeType: '001',
      code: ENTERPRISE_CODE,
      masked: ENTERPRISE_CODE,
      name: '上海普陀小笼包餐饮有限公司',
    });
    expect(holderSubject(enterprise())).toBe(ENTERPRISE_CODE);
  });

  it('keeps a citizen ID only masked and hashed', () => {
    const holder = person();
    expect(holder.masked).toBe(`310107********${CITIZEN_ID.slice(14)}`);
    expect(JSON.stringify(holder)).not.toContain(CITIZEN_ID);
    expect(holderSubject(holder)).toBe(`h:${holder.key}`);
  });

  it('recognises the same holder under a new name', () => {
    expect(sameHolder(person(), renameHolder(person(), '张晓明'))).toBe(true);
    expect(sameHolder(person(), enterprise())).toBe(false);
  });

  it.each([
    ['a wrong check character', { code: `${ENTERPRISE_CODE.slice(0, 17)}0`, codeType: '001' }, 'USCC_INVALID'],
    ['a citizen ID with a wrong check', { code: `${CITIZEN_ID.slice(0, 17)}0`, codeType: '111' }, 'CITIZEN_ID_INVALID'],
    ['an unknown code type', { code: ENTERPRISE_CODE, codeType: '999' }, 'HOLDER_CODE_TYPE_INVALID'],
  ])('rejects %s', (_, input, code) => {
    const err = thrown(() => holderOf({ ...input, name: 'x' }, hasher, NOW));
    expect(err).toMatchObject({ code });
    expect(JSON.stringify(err)).not.toContain(CITIZEN_ID.slice(0, 17));
  });

  it('requires a name', () => {
    expect(thrown(() => holderOf({ code: ENTERPRISE_CODE, codeType: '001', name: ' ' }, hasher, NOW))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: [{ field: 'holder.name' }],
    });
  });
});
