import { CHINA_WORKDAYS, type PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import { GRADE_RULE_SETS, GRADE_RULES, GRADE_RULES_2026_2, gradeOf } from './grades.js';
import { type InspectionResultTerms, inspectionRecord } from './inspection-records.js';
import { PUBLICITY_RULES, PUBLICITY_RULES_2026_2 } from './publicity.js';
import type { InspectionOutcome } from './records.js';

const d = (s: string) => s as PlainDate;
const ENTITY = '91310107MA1G8K3D4T';

function result(outcome: InspectionOutcome, inspectedOn = '2026-03-04', id = `r-${outcome}`) {
  const terms: InspectionResultTerms = {
    taskId: 'T-2026-01',
    taskTitle: '2026年食品经营者双随机抽查',
    creditCode: ENTITY,
    inspectorId: 'INS-007',
    outcome,
    findings: '现场检查',
    inspectedOn: d(inspectedOn),
    recordedBy: '11310107MB2F10079H',
  };
  return inspectionRecord(terms, id, '', d(inspectedOn), CHINA_WORKDAYS);
}

describe('an inspection result as a credit record (一公开)', () => {
  it('is the entity’s record, owned by the inspecting department, public from the day it is recorded for 3 years', () => {
    const r = result('ordered-to-correct');
    expect(r).toMatchObject({
      kind: 'inspection',
      subject: { kind: 'organisation', key: ENTITY },
      partyName: ENTITY,
      owner: '11310107MB2F10079H',
      decisionDate: '2026-03-04',
      body: { decisionNumber: `inspection/T-2026-01/${ENTITY}`, outcome: 'ordered-to-correct', taskId: 'T-2026-01' },
      publicity: {
        published: true,
        publicFrom: '2026-03-04',
        publicUntil: '2029-03-03',
        rules: ['inspection'],
        ruleSet: PUBLICITY_RULES.version,
        repairExcluded: false,
        late: false,
      },
    });
    // no repair: a result is a fact, not a sanction
    expect(r.publicity.repairFrom).toBeUndefined();
  });

  it('is to be published within 20 working days of the inspection (the Qingming and Labour Day holidays counted)', () => {
    // 2026-03-31 + 20 working days: April has Qingming (4-4..4-6) off, then 5-1..5-5 off with make-up days
    const r = result('compliant', '2026-03-31');
    const by = CHINA_WORKDAYS.addWorkingDays(d('2026-03-31'), 20);
    expect(r.publicity.publishBy).toBe(by);
    expect(by > CHINA_WORKDAYS.addWorkingDays(d('2026-03-31'), 7)).toBe(true);
  });

  it('has no rule under publicity/2026-2, which knew no inspection records', () => {
    expect(PUBLICITY_RULES_2026_2.kinds.inspection).toBeUndefined();
    expect(PUBLICITY_RULES.kinds.inspection?.publishWithinWorkingDays).toBe(20);
  });
});

describe('inspection results in the grades (grades/2026-3)', () => {
  const today = d('2026-06-01');

  it('keeps A after an inspection that found nothing wrong', () => {
    expect(gradeOf([result('compliant')], today)).toMatchObject({ grade: 'A', ruleSet: 'grades/2026-3' });
  });

  it('gives B after an inspection that found a problem or opened a case (negative within 3 years)', () => {
    expect(gradeOf([result('ordered-to-correct')], today).grade).toBe('B');
    expect(gradeOf([result('case-opened')], today).grade).toBe('B');
  });

  it('gives C, naming the result, when the entity was not found at its registered address within 12 months', () => {
    const r = result('not-located');
    const grade = gradeOf([r], today);
    expect(grade.grade).toBe('C');
    expect(grade.reasons).toEqual([
      {
        ruleId: 'not-located-12m',
        zh: '12个月内1次双随机抽查在登记的住所查无下落',
        en: '1 inspection(s) within 12 months that did not find the entity at its registered address',
        recordIds: [r.id],
      },
    ]);
    expect(grade.reviewOn).toBe('2027-03-04');
    expect(gradeOf([r], d('2027-03-04')).grade).toBe('B');
  });

  it('keeps the older rule set reproducible: under grades/2026-2 every inspection result counted against A', () => {
    expect(GRADE_RULE_SETS.get('grades/2026-2')).toBe(GRADE_RULES_2026_2);
    expect(GRADE_RULE_SETS.get(GRADE_RULES.version)).toBe(GRADE_RULES);
    expect(gradeOf([result('compliant')], today, GRADE_RULES_2026_2)).toMatchObject({
      grade: 'B',
      ruleSet: 'grades/2026-2',
    });
    expect(gradeOf([result('not-located')], today, GRADE_RULES_2026_2).grade).toBe('B');
  });
});

describe('a deadline in a year whose holiday notice is not loaded yet', () => {
  it('leaves publishBy unset and the record not late, instead of refusing a December result', () => {
    const last = CHINA_WORKDAYS.years.at(-1)!;
    const r = result('compliant', `${last}-12-20`);
    expect(r.publicity.publishBy).toBeUndefined();
    expect(r.publicity).toMatchObject({ late: false, published: true, publicFrom: `${last}-12-20` });
  });

  it('still refuses a decision in a year not loaded', () => {
    const next = CHINA_WORKDAYS.years.at(-1)! + 1;
    expect(() => result('compliant', `${next}-01-05`)).toThrow(
      expect.objectContaining({ code: 'CALENDAR_YEAR_NOT_LOADED' }),
    );
  });
});
