import type { OfflineVerification } from '@onceonly/certificate/client';
import { describe, expect, it } from 'vitest';
import { trustListJson, trustListLines } from './trust.js';

const list = {
  thisUpdate: new Date('2026-03-01T00:00:00Z'),
  nextUpdate: new Date('2026-03-08T00:00:00Z'),
  crlNumber: 1_772_323_200_000n,
};
const verdict = (extra: Partial<OfflineVerification>): OfflineVerification => ({
  valid: true,
  reasons: [],
  genuine: true,
  genuineFindings: [],
  mayOperate: true,
  operationFindings: [],
  sealValid: true,
  statusChecked: [],
  statusLists: [],
  warnings: [],
  ...extra,
});

describe('cert verify --offline: the trust list lines', () => {
  it('says which list the seal revocation was checked against, and warns of nothing when it is current', () => {
    const lines = trustListLines(verdict({ trustList: list }));
    expect(lines).toEqual([expect.stringContaining('2026-03-08T00:00:00.000Z')]);
    expect(lines.some((l) => l.startsWith('WARNING'))).toBe(false);
  });

  it('warns TRUST_LIST_STALE with the missed next update, as a warning or as a refusal', () => {
    for (const result of [
      verdict({ trustList: list, warnings: ['TRUST_LIST_STALE'] }),
      verdict({ trustList: list, valid: false, reasons: ['TRUST_LIST_STALE'] }),
    ]) {
      const lines = trustListLines(result);
      expect(lines.filter((l) => l.startsWith('WARNING TRUST_LIST_STALE'))).toHaveLength(1);
    }
  });

  it('warns TRUST_LIST_MISSING when the file holds no list', () => {
    expect(trustListLines(verdict({ warnings: ['TRUST_LIST_MISSING'] }))).toEqual([
      expect.stringMatching(/^WARNING TRUST_LIST_MISSING/),
    ]);
  });

  it('prints the CRL number as a decimal string under --json', () => {
    expect(trustListJson(verdict({ trustList: list }))).toEqual({
      thisUpdate: '2026-03-01T00:00:00.000Z',
      nextUpdate: '2026-03-08T00:00:00.000Z',
      crlNumber: '1772323200000',
    });
    expect(trustListJson(verdict({}))).toBeUndefined();
  });
});
