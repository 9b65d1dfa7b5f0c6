import { isAppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { checkUpload, isCurrent, mayServe, type Owner, sha256Hex } from './library.js';

const bytes = new TextEncoder().encode('floor plan, ground floor');
const digest = sha256Hex(bytes);
const owner: Owner = { kind: 'organisation', key: 'OWNER', display: 'OWNER' };
const material = { id: 'm1', owner };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAppError(err) ? err.code : 'not an AppError';
  }
  return undefined;
}

describe('an upload', () => {
  it('passes with the right type, size and digest, and answers the digest', () => {
    expect(
      checkUpload({ content: bytes, declaredSha256: digest.toUpperCase(), materialType: 'floor-plan', maxBytes: 100 }),
    ).toBe(digest);
  });

  it('is refused when the bytes do not hash to the declared digest', () => {
    const other = sha256Hex(new TextEncoder().encode('something else'));
    expect(
      codeOf(() => checkUpload({ content: bytes, declaredSha256: other, materialType: 'floor-plan', maxBytes: 100 })),
    ).toBe('MATERIALS_DIGEST_MISMATCH');
  });

  it('is refused over the size limit, and accepted at it', () => {
    const check = (maxBytes: number) => () =>
      checkUpload({ content: bytes, declaredSha256: digest, materialType: 'floor-plan', maxBytes });
    expect(codeOf(check(bytes.byteLength - 1))).toBe('MATERIALS_TOO_LARGE');
    expect(codeOf(check(bytes.byteLength))).toBeUndefined();
  });

  it('is refused for a type the catalogue does not list', () => {
    expect(
      codeOf(() => checkUpload({ content: bytes, declaredSha256: digest, materialType: 'selfie', maxBytes: 100 })),
    ).toBe('MATERIALS_TYPE_UNKNOWN');
  });
});

describe('who is served a material', () => {
  const reuses = [{ materialId: 'm1', applicationId: 'APP-2', departmentCode: 'D1' }];

  it('the portal acting for its owner, not for someone else', () => {
    expect(mayServe(material, { code: 'P', role: 'portal', onBehalfOf: 'OWNER' }, [])).toBe(true);
    expect(mayServe(material, { code: 'P', role: 'portal', onBehalfOf: 'OTHER' }, [])).toBe(false);
    expect(mayServe(material, { code: 'P', role: 'portal' }, [])).toBe(false);
  });

  it('the department of an application that reused it, naming that application', () => {
    expect(mayServe(material, { code: 'D1', role: 'department', applicationId: 'APP-2' }, reuses)).toBe(true);
  });

  it('not a department naming an application it is not part of, nor another department, nor without one', () => {
    expect(mayServe(material, { code: 'D1', role: 'department', applicationId: 'APP-9' }, reuses)).toBe(false);
    expect(mayServe(material, { code: 'D2', role: 'department', applicationId: 'APP-2' }, reuses)).toBe(false);
    expect(mayServe(material, { code: 'D1', role: 'department' }, reuses)).toBe(false);
  });

  it('not a platform or an auditor, even naming a reusing application', () => {
    expect(mayServe(material, { code: 'D1', role: 'platform', applicationId: 'APP-2' }, reuses)).toBe(false);
    expect(mayServe(material, { code: 'D1', role: 'auditor', applicationId: 'APP-2' }, reuses)).toBe(false);
  });
});

describe('validity', () => {
  it('is current up to and including its last day, and without an end', () => {
    expect(isCurrent({ validUntil: '2026-03-04' }, '2026-03-04')).toBe(true);
    expect(isCurrent({ validUntil: '2026-03-03' }, '2026-03-04')).toBe(false);
    expect(isCurrent({}, '2026-03-04')).toBe(true);
  });
});
