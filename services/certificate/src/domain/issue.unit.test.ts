import type { AppError } from '@onceonly/errors';
import { validateLicenceId } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import {
  CITIZEN_ID,
  ENTERPRISE_CODE,
  enterprise,
  FOOD,
  FOOD_FIELDS,
  MARKET,
  NOW,
  newId,
  person,
  TODAY,
  thrown,
  type,
} from '../../test/fixtures.js';
import { TYPE_CODES } from './catalogue.js';
import { PUTUO_HEALTH, PUTUO_MARKET_REGULATION, PUTUO_SERVICE_CENTRE } from './departments.js';
import { type IssueCommand, issueCertificate, issueNumberScope, issueValidated, validateIssue } from './issue.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';

function command(overrides: Partial<IssueCommand> = {}): IssueCommand {
  return {
    actor: MARKET,
    issuer: PUTUO_MARKET_REGULATION,
    type: FOOD,
    holder: enterprise(),
    fields: FOOD_FIELDS,
    ...overrides,
  };
}

const issue = (overrides: Partial<IssueCommand> = {}, sequence = 42) =>
  issueCertificate(command(overrides), { id: newId(), now: NOW, sequence });

describe('issuing a certificate', () => {
  it('makes version 1, valid, with number, identifier and the default validity', () => {
    const { certificate } = issue();
    expect(certificate).toMatchObject({
      version: 1,
      status: LicenceStatus.VALID,
      name: '食品经营许可证',
      typeCode: TYPE_CODES.FOOD_BUSINESS,
      number: 'JY3101072025000042',
      issuer: { code: PUTUO_MARKET_REGULATION.code, name: '上海市普陀区市场监督管理局' },
      division: '310107',
      issueDate: TODAY,
      validFrom: TODAY,
      validTo: '2030-03-09',
      fields: FOOD_FIELDS,
    });
    const parts = validateLicenceId(certificate.identifier);
    expect(parts.ok && parts.value).toMatchObject({ version: '001', number: 'JY3101072025000042' });
  });

  it('records the issue as event operation 01 with the facts of the certificate', () => {
    const { certificate, event } = issue();
    expect(event).toMatchObject({
      type: 'certificate.issued',
      facts: {
        certificateId: certificate.id,
        identifier: certificate.identifier,
        operation: LicenceOperation.ISSUE,
        status: LicenceStatus.VALID,
        version: 1,
        actorDepartmentCode: MARKET.departmentCode,
        holder: { codeType: '001', holderCode: ENTERPRISE_CODE },
      },
      validTo: '2030-03-09',
      componentCertificateIds: [],
    });
  });

  it('numbers a business licence with the holder credit code, long-term', () => {
    const { certificate } = issue({
      type: type(TYPE_CODES.BUSINESS_LICENCE),
      fields: {
        entity_type: '有限责任公司',
        legal_representative: '王芳',
        registered_capital: '100万元人民币',
        established_on: '2019-05-20',
        address: '上海市普陀区长寿路100号',
        business_scope: '餐饮服务',
      },
    });
    expect(certificate.number).toBe(ENTERPRISE_CODE);
    expect(certificate.validTo).toBeUndefined();
    expect(issueNumberScope({ type: type(TYPE_CODES.BUSINESS_LICENCE), issuer: PUTUO_MARKET_REGULATION }, NOW)).toBe(
      undefined,
    );
  });

  it('draws food licence numbers from a counter per type, division and year', () => {
    expect(issueNumberScope(command(), NOW)).toBe(`${TYPE_CODES.FOOD_BUSINESS}:310107:2025`);
    expect(issueNumberScope(command({ division: '310110' }), NOW)).toBe(`${TYPE_CODES.FOOD_BUSINESS}:310110:2025`);
  });

  it('keeps only the mask and keyed hash of a citizen holder', () => {
    const { certificate, event } = issue({ holder: person() });
    expect(certificate.holder).toMatchObject({ codeType: '111', masked: `310107********${CITIZEN_ID.slice(14)}` });
    expect(certificate.holder.code).toBeUndefined();
    expect(certificate.holder.key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(certificate)).not.toContain(CITIZEN_ID);
    expect(JSON.stringify(event)).not.toContain(CITIZEN_ID);
    expect(event.facts.holder.name).toBe('张**');
  });

  it('accepts explicit validity within the rules', () => {
    const { certificate } = issue({ validFrom: '2025-04-01', validTo: '2026-03-31' });
    expect(certificate).toMatchObject({ validFrom: '2025-04-01', validTo: '2026-03-31' });
  });
});

describe('issuing with bad input', () => {
  it('refuses a department issuing in another name', () => {
    expect(thrown(() => issue({ actor: { departmentCode: PUTUO_HEALTH.code } }))).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
  });

  it('refuses a department of the wrong kind', () => {
    const call = () => issue({ actor: { departmentCode: PUTUO_HEALTH.code }, issuer: PUTUO_HEALTH });
    expect(thrown(call)).toMatchObject({ code: 'CERT_TYPE_NOT_AUTHORISED' });
  });

  it('refuses a holder type the certificate type does not allow', () => {
    const drug = type(TYPE_CODES.DRUG_BUSINESS);
    expect(thrown(() => issue({ type: drug, holder: person() }))).toMatchObject({
      code: 'HOLDER_CODE_TYPE_INVALID',
      fields: [{ field: 'holder.code_type' }],
    });
  });

  it('refuses a face that breaks the schema', () => {
    const { business_items: _, ...fields } = FOOD_FIELDS;
    expect(thrown(() => issue({ fields }))).toMatchObject({
      code: 'CERT_FIELDS_INVALID',
      fields: [{ field: 'fields.business_items', reason: 'FIELD_REQUIRED' }],
    });
  });

  it('refuses a validity that ends before it starts', () => {
    expect(thrown(() => issue({ validFrom: '2025-05-01', validTo: '2025-04-30' }))).toMatchObject({
      code: 'CERT_VALIDITY_INVALID',
      fields: [{ field: 'valid_to', reason: 'END_BEFORE_START' }],
    });
  });

  it('refuses a validity already over, or a malformed date', () => {
    expect(thrown(() => issue({ validFrom: '2020-01-01', validTo: '2024-12-31' }))).toMatchObject({
      code: 'CERT_VALIDITY_INVALID',
      fields: [{ reason: 'ENDED' }],
    });
    expect(thrown(() => issue({ validTo: '2030-02-30' }))).toMatchObject({
      code: 'CERT_VALIDITY_INVALID',
      fields: [{ field: 'valid_to', reason: 'DATE' }],
    });
  });

  it('refuses a malformed division', () => {
    expect(thrown(() => issue({ division: '3101' }))).toMatchObject({ code: 'DIVISION_INVALID' });
  });

  it('sends industry licences to IssueIndustryLicence', () => {
    const centre = { actor: { departmentCode: PUTUO_SERVICE_CENTRE.code }, issuer: PUTUO_SERVICE_CENTRE };
    expect(thrown(() => issue({ ...centre, type: type(TYPE_CODES.INDUSTRY_LICENCE) }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      fields: [{ field: 'type_code', reason: 'INDUSTRY_LICENCE_TYPE' }],
    });
  });

  it('refuses a sequence past the number space', () => {
    expect(thrown(() => issue({}, 1_000_000))).toMatchObject({ code: 'CERT_NUMBER_EXHAUSTED' });
  });
});

describe('issuing on commitment (告知承诺)', () => {
  const terms = '承诺经营场所符合要求（承诺书 CN-1）';
  it('keeps the commitment on the certificate and tells it in certificate.issued', () => {
    const { certificate, event } = issue({ commitment: { postCheckDue: '2025-04-09', terms } });
    expect(certificate.commitment).toEqual({ postCheckDue: '2025-04-09', terms });
    expect(event.commitment).toEqual({ postCheckDue: '2025-04-09', terms });
    expect(issue().event.commitment).toBeUndefined();
    expect(issue({ commitment: { postCheckDue: TODAY, terms } }).certificate.commitment?.postCheckDue).toBe(TODAY);
  });

  it('refuses a due date in the past, not a date, or after the licence ends, and empty terms', () => {
    const reasons = (commitment: { postCheckDue: string; terms: string }, validTo?: string) =>
      (thrown(() => issue({ commitment, ...(validTo ? { validTo } : {}) })) as AppError).details.fields?.map((f) => [
        f.field,
        f.reason,
      ]);
    expect(reasons({ postCheckDue: '2025-03-09', terms })).toEqual([['commitment.post_check_due', 'PAST']]);
    expect(reasons({ postCheckDue: '2025-02-30', terms: ' ' })).toEqual([
      ['commitment.post_check_due', 'DATE'],
      ['commitment.terms', 'REQUIRED'],
    ]);
    expect(reasons({ postCheckDue: '2026-01-01', terms }, '2025-12-31')).toEqual([
      ['commitment.post_check_due', 'AFTER_VALIDITY'],
    ]);
  });
});

describe('validating once, then building (ADR 052)', () => {
  const centre = { actor: { departmentCode: PUTUO_SERVICE_CENTRE.code }, issuer: PUTUO_SERVICE_CENTRE };
  const { business_items: _, ...missingItems } = FOOD_FIELDS;
  const refused: Partial<IssueCommand>[] = [
    { actor: { departmentCode: PUTUO_HEALTH.code } },
    { actor: { departmentCode: PUTUO_HEALTH.code }, issuer: PUTUO_HEALTH },
    { type: type(TYPE_CODES.DRUG_BUSINESS), holder: person() },
    { fields: missingItems },
    { validFrom: '2025-05-01', validTo: '2025-04-30' },
    { validFrom: '2020-01-01', validTo: '2024-12-31' },
    { validTo: '2030-02-30' },
    { division: '3101' },
    { ...centre, type: type(TYPE_CODES.INDUSTRY_LICENCE) },
    { commitment: { postCheckDue: '2025-02-30', terms: ' ' } },
  ];

  it.each(refused.map((overrides, i) => [i, overrides]))(
    'refuses input %i before any number, as issuing does',
    (_, o) => {
      const early = thrown(() => validateIssue(command(o), NOW));
      expect(early).toMatchObject({ code: expect.any(String) });
      expect(early).toEqual(thrown(() => issue(o)));
    },
  );

  it('builds what issuing in one step builds', () => {
    const valid = validateIssue(command(), NOW);
    const built = issueValidated(valid, { id: 'cert-1', now: NOW, sequence: 42 });
    expect(built).toEqual(issueCertificate(command(), { id: 'cert-1', now: NOW, sequence: 42 }));
    expect(() => issueValidated(valid, { id: 'cert-2', now: NOW, sequence: 1_000_000 })).toThrow(
      expect.objectContaining({ code: 'CERT_NUMBER_EXHAUSTED' }),
    );
  });

  it('refuses to build at another instant than the one validated', () => {
    const valid = validateIssue(command(), NOW);
    const later = new Date(NOW.getTime() + 1);
    expect(thrown(() => issueValidated(valid, { id: newId(), now: later, sequence: 1 }))).toMatchObject({
      code: 'INTERNAL',
    });
  });
});
