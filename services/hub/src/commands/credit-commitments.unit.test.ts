import { creditV1 as cv } from '@onceonly/credit/client';
import { describe, expect, it } from 'vitest';
import { type ChainStep, chainText } from './audit-chain.js';
import { commitmentLine, commitmentsText, postCheckText } from './credit-commitments.js';

const commitment = (over: Partial<cv.CommitmentRecord> = {}) =>
  cv.CommitmentRecord.fromPartial({
    id: 'c-1',
    ownerCode: '11310107MB2F03587N',
    certificateId: 'cert-1',
    licenceNumber: 'JY3101072026000001',
    licenceName: '食品经营许可证',
    grantedOn: '2026-03-04',
    postCheckDue: '2026-04-03',
    terms: '承诺具备经营场所',
    status: cv.CommitmentStatus.COMMITMENT_STATUS_OPEN,
    version: 1,
    ...over,
  });

describe('commitment formatters', () => {
  it('shows a commitment open, then checked with its findings and record', () => {
    expect(commitmentLine(commitment())).toBe(
      'c-1  open  食品经营许可证 JY3101072026000001  granted 2026-03-04  check due 2026-04-03  by 11310107MB2F03587N',
    );
    const broken = commitment({
      status: cv.CommitmentStatus.COMMITMENT_STATUS_BROKEN,
      checkedOn: '2026-03-20',
      findings: '经营场所不存在',
      inspector: 'INS-1',
      postCheckRecordId: 'r-9',
    });
    expect(commitmentLine(broken)).toBe(
      'c-1  broken  食品经营许可证 JY3101072026000001  granted 2026-03-04  check due 2026-04-03  by 11310107MB2F03587N  checked 2026-03-20 by INS-1: 经营场所不存在 [record r-9]',
    );
    expect(commitmentLine(commitment({ overdueOn: '2026-04-04' }))).toBe(
      'c-1  open  食品经营许可证 JY3101072026000001  granted 2026-03-04  check due 2026-04-03  by 11310107MB2F03587N  OVERDUE (announced 2026-04-04)',
    );
    expect(commitmentsText([])).toBe('(no commitment)');
    expect(commitmentsText([commitment(), broken]).split('\n')).toHaveLength(2);
  });

  it('shows a post-check with its record and grade, and a replay as such', () => {
    const text = postCheckText(
      cv.RecordPostCheckResponse.fromPartial({
        commitment: commitment({
          status: cv.CommitmentStatus.COMMITMENT_STATUS_KEPT,
          checkedOn: '2026-03-20',
          findings: '属实',
        }),
        replayed: true,
      }),
    );
    expect(text).toBe(
      '(already recorded) c-1  kept  食品经营许可证 JY3101072026000001  granted 2026-03-04  check due 2026-04-03  by 11310107MB2F03587N  checked 2026-03-20: 属实',
    );
    const broken = postCheckText(
      cv.RecordPostCheckResponse.fromPartial({
        commitment: commitment({ status: cv.CommitmentStatus.COMMITMENT_STATUS_BROKEN }),
        record: {
          id: 'r-9',
          kind: cv.RecordKind.RECORD_KIND_POST_CHECK,
          status: cv.RecordStatus.RECORD_STATUS_ACTIVE,
          version: 1,
        },
        grade: {
          grade: cv.GradeLetter.GRADE_LETTER_C,
          ruleSet: 'grades/2026-2',
          asOf: '2026-03-20',
          reasons: [
            {
              ruleId: 'broken-commitment-12m',
              wordsZh: '12个月内1次违反告知承诺',
              wordsEn: '1 broken commitment(s) within 12 months',
              recordIds: ['r-9'],
            },
          ],
        },
      }),
    ).split('\n');
    expect(broken[1]).toMatch(/^record {6}r-9 {2}v1 {2}post-check {2}active/);
    expect(broken[2]).toBe('grade       C  (grades/2026-2, as of 2026-03-20)');
    expect(broken[3]).toBe('  because   12个月内1次违反告知承诺 / 1 broken commitment(s) within 12 months [r-9]');
  });
});

describe('the audit chain', () => {
  const step = (i: number, type: string, cause: string): ChainStep => ({
    leafIndex: i,
    eventId: `e-${i}`,
    type,
    source: '/onceonly/x',
    subject: 'S',
    time: `2026-03-04T02:00:0${i}Z`,
    causationId: cause,
  });
  it('lists the events oldest first, each after the one that caused it', () => {
    expect(chainText([step(1, 'certificate.issued', ''), step(2, 'credit.commitment.tracked', 'e-1')])).toBe(
      [
        'certificate.issued  e-1  leaf 1  2026-03-04T02:00:01Z  /onceonly/x  S',
        '→ credit.commitment.tracked  e-2  leaf 2  2026-03-04T02:00:02Z  /onceonly/x  S',
      ].join('\n'),
    );
    expect(chainText([step(5, 'certificate.revoked', 'e-4')]).split('\n')[0]).toBe('(caused by e-4, not in the log)');
    expect(chainText([])).toBe('no such event');
  });
});
