import { describe, expect, it } from 'vitest';
import { daysLater, FOOD, foodLicence, MARKET, NOW, newId } from '../../test/fixtures.js';
import { DEMO_PORTAL } from './departments.js';
import { raiseDispute } from './dispute.js';
import { reissue } from './new-versions.js';
import { revoke, suspend } from './status-changes.js';
import { isValidWith, recordReasons } from './verification.js';

describe('reasons from the record', () => {
  it('are none for a valid certificate', () => {
    expect(recordReasons(foodLicence(), NOW)).toEqual([]);
    expect(isValidWith([])).toBe(true);
  });

  it('name the status, the window and a superseded version', () => {
    const licence = foodLicence();
    const reason = { reason: 'r', legalBasis: 'b' };
    expect(recordReasons(suspend(licence, { actor: MARKET, ...reason }, NOW).certificate, NOW)).toEqual(['SUSPENDED']);
    expect(
      recordReasons(revoke(licence, { actor: MARKET, kind: 'withdrawn', ...reason }, NOW).certificate, NOW),
    ).toEqual(['WITHDRAWN']);
    expect(recordReasons(licence, daysLater(6 * 365))).toEqual(['EXPIRED']);
    expect(recordReasons({ ...licence, validFrom: '2025-04-01' }, NOW)).toEqual(['NOT_YET_VALID']);
    const { previous } = reissue(licence, { actor: MARKET, reason: '遗失' }, { newId: newId(), now: NOW });
    expect(recordReasons(previous, NOW)).toEqual(['SUPERSEDED']);
  });

  it('warn of an open dispute without invalidating', () => {
    const disputed = raiseDispute(
      foodLicence(),
      { actor: { departmentCode: DEMO_PORTAL.code }, disputeId: 'd', claim: 'c', fieldKeys: ['premises'] },
      { now: NOW, type: FOOD },
    ).certificate;
    const reasons = recordReasons(disputed, NOW);
    expect(reasons).toEqual(['DISPUTED']);
    expect(isValidWith(reasons)).toBe(true);
    expect(isValidWith(['DISPUTED', 'REVOKED'])).toBe(false);
  });
});
