import { isAppError } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_TYPES, checkItem, MATERIAL_TYPES, requireMaterialType, SEEDED_ITEMS } from './catalogue.js';

describe('the seeded catalogue', () => {
  it('has a 新办 item for every licence type but the industry licence, and one item per industry', () => {
    const granted = new Set(SEEDED_ITEMS.map((i) => i.certificateTypeCode));
    for (const [name, type] of Object.entries(CERTIFICATE_TYPES)) expect(granted.has(type), name).toBe(true);
    expect(SEEDED_ITEMS.filter((i) => i.industryCode).map((i) => i.industryCode)).toEqual([
      'convenience-store',
      'bookstore',
      'bakery',
      'cafe',
      'cinema',
      'internet-cafe',
    ]);
  });

  it('names certificate types by a defining body’s valid credit code and a sequence', () => {
    for (const type of Object.values(CERTIFICATE_TYPES)) {
      expect(type).toHaveLength(21);
      expect(validateUscc(type.slice(0, 18)).ok).toBe(true);
    }
  });

  it('has unique item codes, and library sources only of known material types', () => {
    const codes = SEEDED_ITEMS.map((i) => `${i.code}@${i.version}`);
    expect(new Set(codes).size).toBe(codes.length);
    const types = new Set(MATERIAL_TYPES.map((t) => t.code));
    for (const item of SEEDED_ITEMS)
      for (const m of item.materials)
        for (const s of m.sources) if (s.kind === 'library') expect(types.has(s.materialType)).toBe(true);
  });

  it('refuses an item with a material twice or an unknown material type', () => {
    const base = SEEDED_ITEMS[0]!;
    const twice = { ...base, materials: [base.materials[0]!, base.materials[0]!] };
    expect(() => checkItem(twice)).toThrow(/twice/);
    const unknown = {
      ...base,
      materials: [
        { code: 'x', nameZh: 'x', nameEn: 'x', sources: [{ kind: 'library' as const, materialType: 'nope' }] },
      ],
    };
    expect(() => checkItem(unknown)).toThrow(/unknown material type/);
  });

  it('answers an unknown material type with its code', () => {
    expect(requireMaterialType('floor-plan').nameZh).toBe('经营场所平面图');
    try {
      requireMaterialType('nope');
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'MATERIALS_TYPE_UNKNOWN')).toBe(true);
    }
  });
});
