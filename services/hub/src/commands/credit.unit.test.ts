import { creditV1 as cv } from '@onceonly/credit/client';
import { describe, expect, it } from 'vitest';
import { gradeText, profileText, recordLine } from './credit.js';

const grade = cv.Grade.fromPartial({
  grade: cv.GradeLetter.GRADE_LETTER_C,
  ruleSet: 'grades/2026-1',
  asOf: '2026-03-04',
  reviewOn: '2027-03-02',
  reasons: [
    {
      ruleId: 'non-minor-penalties-12m',
      wordsZh: '12个月内受到2次非轻微行政处罚',
      wordsEn: '2 penalties',
      recordIds: ['a', 'b'],
    },
  ],
  version: 2,
});

const record = cv.CreditRecord.fromPartial({
  id: 'a',
  kind: cv.RecordKind.RECORD_KIND_LISTING_ENTRY,
  status: cv.RecordStatus.RECORD_STATUS_REPAIR_PENDING,
  version: 2,
  decisionDate: '2026-03-02',
  body: { $case: 'listing', value: { decisionNumber: 'L-1' } },
  publicity: {
    published: true,
    publicFrom: '2026-03-04',
    publicUntil: '2029-03-01',
    repairFrom: '2027-03-02',
    late: true,
  },
});

describe('credit formatters', () => {
  it('says a grade with its rule set, review day and reasons', () => {
    expect(gradeText(grade)).toBe(
      'grade       C  (grades/2026-1, as of 2026-03-04, review on 2027-03-02)\n  because   12个月内受到2次非轻微行政处罚 / 2 penalties [a, b]',
    );
    expect(gradeText(undefined)).toBe('grade       (no record)');
  });

  it('puts a record on one line: kind, status, decision and window', () => {
    expect(recordLine(record)).toBe(
      'a  v2  listing-entry  repair-pending  2026-03-02 L-1  public 2026-03-04…2029-03-01, repair from 2027-03-02, late',
    );
    const unpublished = {
      ...record,
      publicity: { ...record.publicity!, published: false, notPublishedReason: 'warning-only' },
    };
    expect(recordLine(unpublished)).toContain('not published (warning-only)');
  });

  it('shows the history with what caused each change', () => {
    const text = profileText(
      cv.GetCreditProfileResponse.fromPartial({
        subject: { display: { $case: 'creditCode', value: 'X' }, name: '示范' },
        grade,
        records: [record],
        history: [
          { grade: { ...grade, grade: cv.GradeLetter.GRADE_LETTER_B }, changedAt: 't1', causeRecordId: 'a' },
          { grade, previous: cv.GradeLetter.GRADE_LETTER_B, changedAt: 't2' },
        ],
      }),
    );
    expect(text.split('\n').slice(-2)).toEqual(['  t1  - → B (a)', '  t2  B → C (time passed)']);
  });
});
