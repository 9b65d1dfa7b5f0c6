import { validateLicenceId } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import {
  daysLater,
  enterprise,
  FOOD,
  FOOD_FIELDS,
  foodLicence,
  MARKET,
  NOW,
  newId,
  thrown,
  type,
} from '../../test/fixtures.js';
import { TYPE_CODES } from './catalogue.js';
import type { CertificateState } from './certificate.js';
import { PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from './departments.js';
import { raiseDispute } from './dispute.js';
import { issueCertificate } from './issue.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';
import { change, reissue, renew } from './new-versions.js';
import { suspend } from './status-changes.js';

const context = (now = NOW) => ({ newId: newId(), now, type: FOOD });
const MOVE = { actor: MARKET, set: { premises: '上海市普陀区长寿路200号' }, reason: '经营场所变更' };

function versionOf(state: CertificateState): string {
  const parts = validateLicenceId(state.identifier);
  return parts.ok ? parts.value.version : 'invalid';
}

describe('changing (变更)', () => {
  it('makes a new version linked to the old, which is superseded with status 99', () => {
    const old = foodLicence();
    const { certificate, previous, event } = change(old, MOVE, context());
    expect(certificate).toMatchObject({
      version: 2,
      previousVersionId: old.id,
      number: old.number,
      status: LicenceStatus.VALID,
      fields: { ...FOOD_FIELDS, premises: '上海市普陀区长寿路200号' },
      validFrom: old.validFrom,
      validTo: old.validTo,
    });
    expect(certificate.identifier).not.toBe(old.identifier);
    expect(versionOf(certificate)).toBe('002');
    expect(previous).toMatchObject({ id: old.id, status: LicenceStatus.OTHER, supersededById: certificate.id });
    expect(event).toMatchObject({
      type: 'certificate.changed',
      previousCertificateId: old.id,
      changedFieldKeys: ['premises'],
      facts: { certificateId: certificate.id, version: 2, operation: LicenceOperation.CHANGE },
    });
  });

  it('renames the holder', () => {
    const { certificate, event } = change(
      foodLicence(),
      { actor: MARKET, holderName: '上海普陀新名称餐饮有限公司' },
      context(),
    );
    expect(certificate.holder.name).toBe('上海普陀新名称餐饮有限公司');
    expect(event.changedFieldKeys).toEqual(['holder.name']);
  });

  it('refuses a change that changes nothing', () => {
    const call = () => change(foodLicence(), { actor: MARKET, set: { premises: FOOD_FIELDS.premises } }, context());
    expect(thrown(call)).toMatchObject({ code: 'INVALID_ARGUMENT', fields: [{ reason: 'NO_CHANGE' }] });
  });

  it('validates the changed face against the schema', () => {
    const call = () => change(foodLicence(), { actor: MARKET, clear: ['premises'] }, context());
    expect(thrown(call)).toMatchObject({ code: 'CERT_FIELDS_INVALID', fields: [{ field: 'fields.premises' }] });
  });

  it('refuses to change a superseded version', () => {
    const { previous } = change(foodLicence(), MOVE, context());
    expect(thrown(() => change(previous, MOVE, context()))).toMatchObject({ code: 'CERT_SUPERSEDED' });
  });

  it('refuses to change a suspended certificate', () => {
    const suspended = suspend(foodLicence(), { actor: MARKET, reason: 'r', legalBasis: 'b' }, NOW).certificate;
    expect(thrown(() => change(suspended, MOVE, context()))).toMatchObject({ code: 'CERT_ILLEGAL_TRANSITION' });
  });

  it('refuses while a dispute is open', () => {
    const disputed = raiseDispute(
      foodLicence(),
      { actor: MARKET, disputeId: 'd1', claim: '地址有误', fieldKeys: ['premises'] },
      { now: NOW, type: FOOD },
    ).certificate;
    expect(thrown(() => change(disputed, MOVE, context()))).toMatchObject({ code: 'CERT_DISPUTE_OPEN' });
  });

  it('only by the issuer', () => {
    const call = () => change(foodLicence(), { ...MOVE, actor: { departmentCode: PUTUO_HEALTH.code } }, context());
    expect(thrown(call)).toMatchObject({ code: 'CERT_NOT_ISSUER' });
  });

  it('stops at version 999', () => {
    const last = { ...foodLicence(), version: 999 };
    expect(thrown(() => change(last, MOVE, context()))).toMatchObject({ code: 'CERT_VERSION_LIMIT' });
  });
});

describe('renewing (延续)', () => {
  const near = daysLater(5 * 365 - 30);

  it('makes a new version valid from the renewal day for the type period', () => {
    const old = foodLicence();
    const { certificate, previous, event } = renew(old, { actor: MARKET }, context(near));
    expect(certificate).toMatchObject({
      version: 2,
      validFrom: '2030-02-07',
      validTo: '2035-02-06',
      number: old.number,
    });
    expect(previous.status).toBe(LicenceStatus.OTHER);
    expect(event).toMatchObject({
      type: 'certificate.renewed',
      previousValidTo: '2030-03-09',
      validTo: '2035-02-06',
      facts: { operation: LicenceOperation.RENEW },
    });
  });

  it('takes an explicit end after the old one', () => {
    const { certificate } = renew(foodLicence(), { actor: MARKET, validTo: '2031-12-31' }, context());
    expect(certificate.validTo).toBe('2031-12-31');
  });

  it('refuses an end that does not extend the validity', () => {
    expect(thrown(() => renew(foodLicence(), { actor: MARKET, validTo: '2030-03-09' }, context()))).toMatchObject({
      code: 'CERT_VALIDITY_INVALID',
      fields: [{ reason: 'NOT_EXTENDED' }],
    });
  });

  it('refuses a long-term certificate', () => {
    const businessType = type(TYPE_CODES.BUSINESS_LICENCE);
    const business = issueCertificate(
      {
        actor: MARKET,
        issuer: PUTUO_MARKET_REGULATION,
        type: businessType,
        holder: enterprise(),
        fields: {
          entity_type: '有限责任公司',
          legal_representative: '王芳',
          established_on: '2019-05-20',
          address: '上海市普陀区长寿路100号',
          business_scope: '餐饮服务',
        },
      },
      { id: newId(), now: NOW, sequence: 0 },
    ).certificate;
    const call = () => renew(business, { actor: MARKET }, { newId: newId(), now: NOW, type: businessType });
    expect(thrown(call)).toMatchObject({ code: 'CERT_NOT_RENEWABLE' });
  });

  it('refuses an expired certificate', () => {
    expect(thrown(() => renew(foodLicence(), { actor: MARKET }, context(daysLater(6 * 365))))).toMatchObject({
      code: 'CERT_ILLEGAL_TRANSITION',
    });
  });
});

describe('reissuing (补证)', () => {
  it('makes a new version with the same content, the lost one superseded', () => {
    const old = foodLicence();
    const { certificate, previous, event } = reissue(
      old,
      { actor: MARKET, reason: '遗失' },
      { newId: newId(), now: NOW },
    );
    expect(certificate).toMatchObject({
      version: 2,
      fields: old.fields,
      holder: old.holder,
      validFrom: old.validFrom,
      validTo: old.validTo,
      number: old.number,
    });
    expect(previous.supersededById).toBe(certificate.id);
    expect(event).toMatchObject({ type: 'certificate.reissued', reason: '遗失', facts: { operation: '07' } });
  });

  it('requires a reason', () => {
    expect(
      thrown(() => reissue(foodLicence(), { actor: MARKET, reason: '' }, { newId: newId(), now: NOW })),
    ).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
