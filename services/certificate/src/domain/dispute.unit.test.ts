import { describe, expect, it } from 'vitest';
import { FOOD, FOOD_FIELDS, foodLicence, MARKET, NOW, newId, thrown } from '../../test/fixtures.js';
import type { CertificateState } from './certificate.js';
import { DEMO_PORTAL, PUTUO_HEALTH } from './departments.js';
import { raiseDispute, resolveDispute } from './dispute.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';
import { revoke } from './status-changes.js';

const PORTAL = { departmentCode: DEMO_PORTAL.code };
const RAISE = {
  actor: PORTAL,
  disputeId: 'dispute-1',
  claim: '经营场所门牌号有误，应为102号',
  fieldKeys: ['premises'],
};
const ctx = { now: NOW, type: FOOD };

function disputed(): CertificateState {
  return raiseDispute(foodLicence(), RAISE, ctx).certificate;
}

describe('raising a dispute (异议)', () => {
  it('marks the certificate disputed and keeps its status', () => {
    const { certificate, event } = raiseDispute(foodLicence(), RAISE, ctx);
    expect(certificate.status).toBe(LicenceStatus.VALID);
    expect(certificate.dispute).toMatchObject({
      id: 'dispute-1',
      open: true,
      raisedBy: DEMO_PORTAL.code,
      fieldKeys: ['premises'],
    });
    expect(event).toMatchObject({
      type: 'certificate.dispute-raised',
      disputeId: 'dispute-1',
      facts: { operation: '07' },
    });
  });

  it('allows one open dispute at a time', () => {
    expect(thrown(() => raiseDispute(disputed(), { ...RAISE, disputeId: 'd2' }, ctx))).toMatchObject({
      code: 'CERT_DISPUTE_OPEN',
    });
  });

  it('requires a claim and known fields', () => {
    const call = () => raiseDispute(foodLicence(), { ...RAISE, claim: '', fieldKeys: ['colour'] }, ctx);
    expect(thrown(call)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: [{ field: 'claim' }, { field: 'field_keys[0]', reason: 'FIELD_UNKNOWN' }],
    });
  });

  it('refuses a revoked certificate', () => {
    const revoked = revoke(foodLicence(), { actor: MARKET, kind: 'revoked', reason: 'r', legalBasis: 'b' }, NOW);
    expect(thrown(() => raiseDispute(revoked.certificate, RAISE, ctx))).toMatchObject({
      code: 'CERT_ILLEGAL_TRANSITION',
    });
  });
});

describe('resolving a dispute', () => {
  it('rejects the claim with a reason on the same version', () => {
    const state = disputed();
    const result = resolveDispute(
      state,
      { actor: MARKET, disputeId: 'dispute-1', resolution: { kind: 'reject', reason: '经核实门牌号无误' } },
      { ...ctx, newId: newId() },
    );
    expect(result.certificate).toMatchObject({
      id: state.id,
      version: 1,
      dispute: { open: false, outcome: 'rejected' },
    });
    expect('previous' in result).toBe(false);
    expect(result.event).toMatchObject({ outcome: 'rejected', note: '经核实门牌号无误', facts: { operation: '07' } });
  });

  it('corrects the certificate: a new version, the dispute closed on both', () => {
    const state = disputed();
    const id = newId();
    const result = resolveDispute(
      state,
      {
        actor: MARKET,
        disputeId: 'dispute-1',
        resolution: { kind: 'correct', set: { premises: '上海市普陀区长寿路102号1层' }, note: '更正门牌号' },
      },
      { ...ctx, newId: id },
    );
    expect(result.certificate).toMatchObject({
      id,
      version: 2,
      previousVersionId: state.id,
      fields: { ...FOOD_FIELDS, premises: '上海市普陀区长寿路102号1层' },
      dispute: { open: false, outcome: 'corrected', correctedCertificateId: id },
    });
    expect('previous' in result && result.previous).toMatchObject({
      status: '99',
      supersededById: id,
      dispute: { open: false },
    });
    expect(result.event).toMatchObject({
      type: 'certificate.dispute-resolved',
      outcome: 'corrected',
      correctedCertificateId: id,
      previousCertificateId: state.id,
      changedFieldKeys: ['premises'],
      facts: { certificateId: id, operation: LicenceOperation.CHANGE },
    });
  });

  it('only by the issuer', () => {
    const call = () =>
      resolveDispute(
        disputed(),
        {
          actor: { departmentCode: PUTUO_HEALTH.code },
          disputeId: 'dispute-1',
          resolution: { kind: 'reject', reason: 'x' },
        },
        { ...ctx, newId: newId() },
      );
    expect(thrown(call)).toMatchObject({ code: 'CERT_NOT_ISSUER' });
  });

  it('refuses an unknown or closed dispute', () => {
    const reject = { kind: 'reject' as const, reason: 'x' };
    const other = () =>
      resolveDispute(disputed(), { actor: MARKET, disputeId: 'nope', resolution: reject }, { ...ctx, newId: newId() });
    expect(thrown(other)).toMatchObject({ code: 'CERT_NO_OPEN_DISPUTE' });
    const none = () =>
      resolveDispute(
        foodLicence(),
        { actor: MARKET, disputeId: 'dispute-1', resolution: reject },
        { ...ctx, newId: newId() },
      );
    expect(thrown(none)).toMatchObject({ code: 'CERT_NO_OPEN_DISPUTE' });
  });

  it('refuses a rejection without reason and a correction that changes nothing', () => {
    const noReason = () =>
      resolveDispute(
        disputed(),
        { actor: MARKET, disputeId: 'dispute-1', resolution: { kind: 'reject', reason: '' } },
        { ...ctx, newId: newId() },
      );
    expect(thrown(noReason)).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const noChange = () =>
      resolveDispute(
        disputed(),
        { actor: MARKET, disputeId: 'dispute-1', resolution: { kind: 'correct' } },
        { ...ctx, newId: newId() },
      );
    expect(thrown(noChange)).toMatchObject({ code: 'INVALID_ARGUMENT', fields: [{ reason: 'NO_CHANGE' }] });
  });
});
