import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import {
  parseIssueCertificate,
  parseRaiseDispute,
  parseResolveDispute,
  parseRevokeCertificate,
  parseVerifyCertificate,
} from './certificate-requests.js';

const CALLER = { departmentCode: 'D' };
const ID = '0b8f3c2e-6a51-4c1e-9a7d-3f2b1c0d9e8a';

function fault(parse: () => unknown): { code: string; fields: [string, string][] } {
  try {
    parse();
  } catch (err) {
    const e = err as { code: string; fields: { field: string; reason: string }[] };
    return { code: e.code, fields: e.fields.map((f) => [f.field, f.reason]) };
  }
  throw new Error('expected the request to be refused');
}

describe('one parser per CertificateService RPC', () => {
  it('turns an IssueCertificate request into the use case input', () => {
    const request = cv.IssueCertificateRequest.fromPartial({
      typeCode: 'T',
      holder: { code: 'C', codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC, name: '上海某公司' },
      fields: { business_scope: '餐饮服务\n食品销售' },
      division: '310107',
    });
    expect(parseIssueCertificate(request, CALLER)).toEqual({
      caller: CALLER,
      fields: { business_scope: '餐饮服务\n食品销售' },
      idempotencyKey: '',
      typeCode: 'T',
      holder: { code: 'C', codeType: '001', name: '上海某公司' },
      validFrom: '',
      validTo: '',
      division: '310107',
    });
  });

  it('names every bad field of a revocation at once', () => {
    const request = cv.RevokeCertificateRequest.fromPartial({ id: 'not an id', reason: 'a\u202eb', legalBasis: 'ok' });
    expect(fault(() => parseRevokeCertificate(request))).toEqual({
      code: 'INVALID_ARGUMENT',
      fields: [
        ['id', 'CERTIFICATE_ID'],
        ['reason', 'BIDI_CONTROL'],
      ],
    });
  });

  it('lets a dispute claim and a resolution note run over lines, not a holder name', () => {
    expect(
      parseRaiseDispute(cv.RaiseDisputeRequest.fromPartial({ id: ID, claim: '门牌号有误\n应为102号' })).claim,
    ).toBe('门牌号有误\n应为102号');
    const request = cv.ResolveDisputeRequest.fromPartial({
      id: ID,
      disputeId: ID,
      resolution: {
        $case: 'correct',
        value: { fields: {}, clearFields: [], holderName: '张\n三', note: '核对\n更正' },
      },
    });
    expect(fault(() => parseResolveDispute(request))).toEqual({
      code: 'TEXT_INVALID',
      fields: [['correct.holder_name', 'CONTROL_CHARACTER']],
    });
  });

  it('refuses an over-long JWS as REQUEST_TOO_LARGE before reading it', () => {
    const request = cv.VerifyCertificateRequest.fromPartial({ subject: { $case: 'jws', value: 'x'.repeat(70_000) } });
    expect(() => parseVerifyCertificate(request, CALLER)).toThrow(
      expect.objectContaining({ code: 'REQUEST_TOO_LARGE' }),
    );
  });
});
