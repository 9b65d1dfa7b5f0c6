import { describe, expect, it } from 'vitest';
import type { Consent } from './consent.js';
import { disclosureById } from './verify-disclosure.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const ISSUER = '11100000000000001X';
const PLATFORM = '91310000MA1FL0000A';
const FOOD = '001'; // a type code
const HOLDER = '91310107MA1P3Q4R5X';
const certificate = { issuerCode: ISSUER, typeCode: FOOD, holderSubject: HOLDER };

function consent(overrides: Partial<Consent> = {}): Consent {
  return {
    id: 'c1',
    holder: {} as Consent['holder'],
    platformCode: PLATFORM,
    typeCodes: [FOOD],
    purpose: 'onboarding',
    grantedAt: '2026-01-01T00:00:00Z',
    expiresAt: '2027-01-01T00:00:00Z',
    recordedBy: 'PORTAL1',
    ...overrides,
  };
}

describe('disclosureById', () => {
  it('shows the face to the issuing department and to an auditor', () => {
    expect(disclosureById({ departmentCode: ISSUER, role: 'department' }, certificate, [], NOW)).toBe('full');
    expect(disclosureById({ departmentCode: 'AUD1', role: 'auditor' }, certificate, [], NOW)).toBe('full');
  });

  it('shows the face to a platform with the holder’s active consent for the type', () => {
    expect(disclosureById({ departmentCode: PLATFORM, role: 'platform' }, certificate, [consent()], NOW)).toBe('full');
  });

  it('shows only the verdict when the consent was revoked, expired, is for another type or another platform', () => {
    const platform = { departmentCode: PLATFORM, role: 'platform' };
    const refused = [
      consent({ revokedAt: '2026-02-01T00:00:00Z' }),
      consent({ expiresAt: '2026-02-01T00:00:00Z' }),
      consent({ typeCodes: ['002'] }),
      consent({ platformCode: '91310000MA1FL0001B' }),
    ];
    for (const c of refused) expect(disclosureById(platform, certificate, [c], NOW)).toBe('verdict');
  });

  it('shows only the verdict to another department, a portal and an unknown caller', () => {
    expect(disclosureById({ departmentCode: '11100000000000002X', role: 'department' }, certificate, [], NOW)).toBe(
      'verdict',
    );
    expect(disclosureById({ departmentCode: 'PORTAL1', role: 'portal' }, certificate, [], NOW)).toBe('verdict');
    expect(disclosureById({ departmentCode: '' }, { issuerCode: '', typeCode: FOOD, holderSubject: '' }, [], NOW)).toBe(
      'verdict',
    );
  });

  it('shows the face to the portal acting for the certificate’s holder, and only for that holder', () => {
    const portal = (onBehalfOf?: string) => ({ departmentCode: 'PORTAL1', role: 'portal', onBehalfOf });
    expect(disclosureById(portal(HOLDER), certificate, [], NOW)).toBe('full');
    expect(disclosureById(portal('h:'.padEnd(66, 'a')), certificate, [], NOW)).toBe('verdict');
    expect(disclosureById(portal(''), certificate, [], NOW)).toBe('verdict');
    // naming the holder makes no one else a portal
    const department = { departmentCode: '11100000000000002X', role: 'department', onBehalfOf: HOLDER };
    expect(disclosureById(department, certificate, [], NOW)).toBe('verdict');
    const platform = { departmentCode: PLATFORM, role: 'platform', onBehalfOf: HOLDER };
    expect(disclosureById(platform, certificate, [], NOW)).toBe('verdict');
  });
});
