import { describe, expect, it } from 'vitest';
import { assertMayManage, listScope } from './permissions.js';

const MARKET = '11310107MB2F03587X';
const HEALTH = '11310107MB2F01231X';

describe('assertMayManage', () => {
  it('lets a department manage its own seals', () => {
    expect(() => assertMayManage({ departmentCode: MARKET, role: 'department' }, MARKET)).not.toThrow();
  });

  it("refuses another department's seals (PERMISSION_DENIED)", () => {
    expect(() => assertMayManage({ departmentCode: HEALTH, role: 'department' }, MARKET)).toThrow(
      expect.objectContaining({ code: 'PERMISSION_DENIED' }),
    );
  });

  it('refuses platforms, portals and auditors, even for their own code', () => {
    for (const role of ['platform', 'portal', 'auditor'] as const) {
      expect(() => assertMayManage({ departmentCode: MARKET, role }, MARKET)).toThrow(
        expect.objectContaining({ code: 'PERMISSION_DENIED' }),
      );
    }
  });
});

describe('listScope', () => {
  it('gives a department its own seals, asked or not', () => {
    expect(listScope({ departmentCode: MARKET, role: 'department' }, undefined)).toBe(MARKET);
    expect(listScope({ departmentCode: MARKET, role: 'department' }, MARKET)).toBe(MARKET);
  });

  it("refuses another department's seals to a non-auditor", () => {
    expect(() => listScope({ departmentCode: MARKET, role: 'platform' }, HEALTH)).toThrow(
      expect.objectContaining({ code: 'PERMISSION_DENIED' }),
    );
  });

  it('gives an auditor the department asked for, or every department', () => {
    expect(listScope({ departmentCode: 'audit', role: 'auditor' }, HEALTH)).toBe(HEALTH);
    expect(listScope({ departmentCode: 'audit', role: 'auditor' }, undefined)).toBeUndefined();
  });
});
