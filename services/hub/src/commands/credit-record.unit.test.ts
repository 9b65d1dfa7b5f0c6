import { creditV1 as cv } from '@onceonly/credit/client';
import { describe, expect, it } from 'vitest';
import { recordText } from './credit.js';

const penalty = cv.CreditRecord.fromPartial({
  id: 'r-1',
  kind: cv.RecordKind.RECORD_KIND_PENALTY,
  status: cv.RecordStatus.RECORD_STATUS_REPAIRED,
  version: 3,
  decisionDate: '2026-03-03',
  recordedOn: '2026-03-04',
  ownerCode: '11310107MB2F03587N',
  subject: {
    subjectKey: 'f'.repeat(64),
    display: { $case: 'maskedCitizenId', value: '310107********1234' },
    name: '张三',
  },
  body: {
    $case: 'penalty',
    value: {
      decisionNumber: '沪罚〔2026〕2号',
      name: '销售超过保质期的食品',
      kinds: [cv.PenaltyKind.PENALTY_KIND_FINE, cv.PenaltyKind.PENALTY_KIND_CONFISCATION],
      amountFen: '5000000',
      legalBasis: '食品安全法第一百二十四条',
      result: '罚款五万元',
    },
  },
  publicity: {
    published: true,
    publicFrom: '2026-03-04',
    publicUntil: '2029-03-03',
    repairFrom: '2026-09-04',
    rule: 'samr/general',
    ruleSet: 'publicity/2026-1',
  },
  repair: {
    appliedOn: '2026-09-07',
    applicantCode: '12310000MB2F09912',
    decidedOn: '2026-09-08',
    granted: true,
    reasons: '符合信用修复条件',
  },
});

describe('the record formatter (credit record-get)', () => {
  it('says the record, its subject by mask and key, the owner, the terms and the repair', () => {
    expect(recordText(penalty).split('\n')).toEqual([
      'r-1  v3  penalty  repaired  2026-03-03 沪罚〔2026〕2号  public 2026-03-04…2029-03-03, repair from 2026-09-04',
      `subject     310107********1234 张三  (key ${'f'.repeat(64)})`,
      'owner       11310107MB2F03587N  recorded on 2026-03-04  rule samr/general (publicity/2026-1)',
      'decision    沪罚〔2026〕2号 销售超过保质期的食品',
      'kinds       fine, confiscation  amount 5000000 fen',
      'basis       食品安全法第一百二十四条',
      'result      罚款五万元',
      'repair      applied 2026-09-07 by 12310000MB2F09912; granted 2026-09-08: 符合信用修复条件',
    ]);
  });

  it('says a list entry by its decision and basis, and a pending repair', () => {
    const entry = cv.CreditRecord.fromPartial({
      ...penalty,
      kind: cv.RecordKind.RECORD_KIND_LISTING_ENTRY,
      status: cv.RecordStatus.RECORD_STATUS_REPAIR_PENDING,
      body: { $case: 'listing', value: { decisionNumber: 'L-1', legalBasis: '管理办法' } },
      repair: { appliedOn: '2026-09-07', applicantCode: 'P' },
    });
    expect(recordText(entry).split('\n').slice(3)).toEqual([
      'decision    L-1',
      'basis       管理办法',
      'repair      applied 2026-09-07 by P; pending',
    ]);
  });
});
