import { describe, expect, it } from 'vitest';
import type { SealRecord } from './seal.js';
import { revokedSealEntries, TRUST_LIST_VALIDITY_HOURS, trustListWindow } from './trust-list.js';

const CA = 'a'.repeat(64);
const at = (iso: string) => new Date(iso);
const seal = (overrides: Partial<SealRecord>): SealRecord =>
  ({
    status: 'active',
    serialNumber: '4A01',
    issuerFingerprint: CA,
    createdAt: at('2026-01-01T00:00:00Z'),
    ...overrides,
  }) as SealRecord;

describe('revokedSealEntries', () => {
  it('lists the revoked seals of the CA with their compromise time, oldest revocation first', () => {
    const seals = [
      seal({ serialNumber: '01', status: 'active' }),
      seal({ serialNumber: '02', status: 'rotated' }),
      seal({
        serialNumber: '03',
        status: 'revoked',
        revokedAt: at('2026-03-02T00:00:00Z'),
        compromisedAt: at('2026-02-20T00:00:00Z'),
      }),
      seal({
        serialNumber: '04',
        status: 'revoked',
        revokedAt: at('2026-03-01T00:00:00Z'),
        compromisedAt: at('2026-03-01T00:00:00Z'),
      }),
      seal({
        serialNumber: '05',
        status: 'revoked',
        issuerFingerprint: 'b'.repeat(64),
        revokedAt: at('2026-03-01T00:00:00Z'),
      }),
    ];
    expect(revokedSealEntries(seals, CA)).toEqual([
      { serialNumber: '04', revokedAt: at('2026-03-01T00:00:00Z'), compromisedAt: at('2026-03-01T00:00:00Z') },
      { serialNumber: '03', revokedAt: at('2026-03-02T00:00:00Z'), compromisedAt: at('2026-02-20T00:00:00Z') },
    ]);
  });
});

describe('trustListWindow', () => {
  it('starts at the whole second, lasts the validity, and numbers the list by the time it was made', () => {
    const now = at('2026-03-01T08:00:00.250Z');
    const window = trustListWindow(now);
    expect(window.thisUpdate).toEqual(at('2026-03-01T08:00:00Z'));
    expect(window.nextUpdate.getTime() - window.thisUpdate.getTime()).toBe(TRUST_LIST_VALIDITY_HOURS * 3_600_000);
    expect(window.crlNumber).toBe(BigInt(now.getTime()));
    expect(trustListWindow(new Date(now.getTime() + 1)).crlNumber).toBeGreaterThan(window.crlNumber);
  });
});
