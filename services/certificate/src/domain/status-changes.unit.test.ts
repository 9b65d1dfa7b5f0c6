import { describe, expect, it } from 'vitest';
import { daysLater, foodLicence, MARKET, NOW, thrown } from '../../test/fixtures.js';
import type { CertificateState } from './certificate.js';
import { PUTUO_HEALTH } from './departments.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';
import { cancel, expireIfDue, resume, revoke, suspend } from './status-changes.js';

const SUSPEND = {
  actor: MARKET,
  reason: '存在食品安全隐患',
  legalBasis: '《食品安全法》第一百二十六条',
  until: '2025-04-10',
};
const REVOKE = {
  actor: MARKET,
  kind: 'revoked' as const,
  reason: '违法经营',
  legalBasis: '《食品安全法》第一百三十四条',
};
const OTHER = { departmentCode: PUTUO_HEALTH.code };

function suspended(): CertificateState {
  return suspend(foodLicence(), SUSPEND, NOW).certificate;
}

describe('suspending (暂扣)', () => {
  it('suspends a valid certificate with reason, legal basis and planned end', () => {
    const { certificate, event } = suspend(foodLicence(), SUSPEND, NOW);
    expect(certificate).toMatchObject({
      status: LicenceStatus.SUSPENDED,
      suspension: { reason: SUSPEND.reason, legalBasis: SUSPEND.legalBasis, until: '2025-04-10' },
    });
    expect(event).toMatchObject({
      type: 'certificate.suspended',
      facts: { status: '02', operation: LicenceOperation.SUSPEND },
      until: '2025-04-10',
    });
  });

  it('requires a reason and a legal basis', () => {
    expect(thrown(() => suspend(foodLicence(), { ...SUSPEND, reason: '', legalBasis: ' ' }, NOW))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: [{ field: 'reason' }, { field: 'legal_basis' }],
    });
  });

  it('refuses a planned end in the past', () => {
    expect(thrown(() => suspend(foodLicence(), { ...SUSPEND, until: '2025-03-09' }, NOW))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: [{ field: 'until' }],
    });
  });

  it('refuses to suspend a suspended certificate', () => {
    expect(thrown(() => suspend(suspended(), SUSPEND, NOW))).toMatchObject({ code: 'CERT_ILLEGAL_TRANSITION' });
  });
});

describe('resuming (暂扣发还)', () => {
  it('makes a suspended certificate valid again and drops the suspension', () => {
    const { certificate, event } = resume(suspended(), { actor: MARKET, reason: '整改完成' }, NOW);
    expect(certificate.status).toBe(LicenceStatus.VALID);
    expect(certificate.suspension).toBeUndefined();
    expect(event.facts.operation).toBe(LicenceOperation.RESUME);
  });

  it('refuses to resume a valid certificate', () => {
    expect(thrown(() => resume(foodLicence(), { actor: MARKET }, NOW))).toMatchObject({
      code: 'CERT_ILLEGAL_TRANSITION',
      details: { meta: { status: '01', operation: 'resume' } },
    });
  });
});

describe('revoking (撤销 / 吊销)', () => {
  it('revokes as a penalty: status 07', () => {
    const { certificate, event } = revoke(foodLicence(), REVOKE, NOW);
    expect(certificate).toMatchObject({ status: LicenceStatus.REVOKED, revocation: { kind: 'revoked' } });
    expect(event).toMatchObject({ kind: 'revoked', facts: { status: '07', operation: LicenceOperation.OTHER } });
  });

  it('withdraws: status 03, also from suspended', () => {
    const { certificate } = revoke(suspended(), { ...REVOKE, kind: 'withdrawn' }, NOW);
    expect(certificate.status).toBe(LicenceStatus.WITHDRAWN);
  });

  it('requires the kind, a reason and a legal basis', () => {
    const call = () => revoke(foodLicence(), { ...REVOKE, kind: 'x' as 'revoked', legalBasis: '' }, NOW);
    expect(thrown(call)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: [{ field: 'kind' }, { field: 'legal_basis' }],
    });
  });

  it('refuses to act on a revoked certificate', () => {
    const revoked = revoke(foodLicence(), REVOKE, NOW).certificate;
    expect(thrown(() => revoke(revoked, REVOKE, NOW))).toMatchObject({ code: 'CERT_ILLEGAL_TRANSITION' });
    expect(thrown(() => resume(revoked, { actor: MARKET }, NOW))).toMatchObject({ code: 'CERT_ILLEGAL_TRANSITION' });
    expect(thrown(() => cancel(revoked, { actor: MARKET, reason: '歇业' }, NOW))).toMatchObject({
      code: 'CERT_ILLEGAL_TRANSITION',
    });
  });
});

describe('cancelling (注销)', () => {
  it('cancels a valid certificate with a reason', () => {
    const { certificate, event } = cancel(foodLicence(), { actor: MARKET, reason: '申请人申请注销' }, NOW);
    expect(certificate).toMatchObject({ status: LicenceStatus.CANCELLED, cancellationReason: '申请人申请注销' });
    expect(event.facts.operation).toBe(LicenceOperation.CANCEL);
  });

  it('cancels an expired certificate', () => {
    const later = daysLater(6 * 365);
    const expired = expireIfDue(foodLicence(), later)!.certificate;
    expect(cancel(expired, { actor: MARKET, reason: '有效期届满未延续' }, later).certificate.status).toBe('04');
  });

  it('refuses to act on a cancelled certificate', () => {
    const cancelled = cancel(foodLicence(), { actor: MARKET, reason: '歇业' }, NOW).certificate;
    expect(thrown(() => suspend(cancelled, SUSPEND, NOW))).toMatchObject({ code: 'CERT_ILLEGAL_TRANSITION' });
    expect(thrown(() => cancel(cancelled, { actor: MARKET, reason: '再次' }, NOW))).toMatchObject({
      code: 'CERT_ILLEGAL_TRANSITION',
    });
  });
});

describe('expiry (失效) by time', () => {
  it('does nothing on the last valid day, expires the day after', () => {
    const licence = foodLicence();
    expect(expireIfDue(licence, new Date('2030-03-09T15:59:59Z'))).toBeUndefined();
    const due = expireIfDue(licence, new Date('2030-03-09T16:00:00Z'));
    expect(due?.certificate.status).toBe(LicenceStatus.EXPIRED);
    expect(due?.event).toMatchObject({
      type: 'certificate.expired',
      validTo: '2030-03-09',
      facts: { operation: LicenceOperation.EXPIRE, actorDepartmentCode: '' },
    });
  });

  it('expires a suspended certificate too, and never twice', () => {
    const later = daysLater(6 * 365);
    const expired = expireIfDue(suspended(), later)?.certificate;
    expect(expired?.status).toBe(LicenceStatus.EXPIRED);
    expect(expireIfDue(expired!, later)).toBeUndefined();
  });

  it('refuses to suspend a certificate whose end has passed, even before the expiry is recorded', () => {
    expect(thrown(() => suspend(foodLicence(), SUSPEND, daysLater(6 * 365)))).toMatchObject({
      code: 'CERT_ILLEGAL_TRANSITION',
      details: { meta: { status: '05' } },
    });
  });
});

describe('only the issuing department', () => {
  it.each([
    ['suspend', () => suspend(foodLicence(), { ...SUSPEND, actor: OTHER }, NOW)],
    ['resume', () => resume(suspended(), { actor: OTHER }, NOW)],
    ['revoke', () => revoke(foodLicence(), { ...REVOKE, actor: OTHER }, NOW)],
    ['cancel', () => cancel(foodLicence(), { actor: OTHER, reason: 'x' }, NOW)],
  ])('may %s', (_, call) => {
    expect(thrown(call)).toMatchObject({ code: 'CERT_NOT_ISSUER' });
  });
});
