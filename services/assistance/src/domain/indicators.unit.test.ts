import { CHINA_WORKDAYS as cal, type PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import { indicatorsBy, indicatorsOf } from './indicators.js';
import type { AssistanceRequest } from './request.js';

const base: AssistanceRequest = {
  id: 'r',
  itemCode: 'PT-XZ-04',
  itemVersion: 1,
  requester: 'J',
  provider: 'C',
  caseId: 'c',
  legalBasis: 'l',
  purpose: 'p',
  fields: {},
  urgent: false,
  status: 'submitted',
  version: 1,
  submittedOn: '2026-03-02' as PlainDate,
  dueDate: '2026-03-11' as PlainDate,
  pausedWorkingDays: 0,
};
const on = (s: string) => s as PlainDate;
const answered = (
  submitted: string,
  accepted: string,
  answeredOn: string,
  due: string,
  paused = 0,
  rating?: [number, number],
) =>
  ({
    ...base,
    status: rating ? 'closed' : 'answered',
    submittedOn: on(submitted),
    acceptedOn: on(accepted),
    dueDate: on(due),
    pausedWorkingDays: paused,
    answer: { fields: {}, attachments: [], certificates: [], answeredOn: on(answeredOn) },
    ...(rating ? { rating: { timeliness: rating[0], effort: rating[1] } } : {}),
  }) as AssistanceRequest;

describe('indicators', () => {
  it('measures acceptance within 7 days, working days to answer without paused days, answers by the due date, ratings, overdue', () => {
    const requests = [
      answered('2026-03-02', '2026-03-03', '2026-03-06', '2026-03-11', 0, [5, 5]), // 4 working days, in time
      answered('2026-03-02', '2026-03-12', '2026-03-20', '2026-03-11', 2, [2, 4]), // accepted late; 14 − 2 = 12; late; negative
      { ...base, id: 'open', submittedOn: on('2026-03-02'), dueDate: on('2026-03-11') }, // never accepted, overdue by 03-20
      { ...base, id: 'new', submittedOn: on('2026-03-18'), dueDate: on('2026-03-27') }, // too new to measure acceptance
    ];
    const i = indicatorsOf(requests, on('2026-03-20'), cal);
    expect(i).toMatchObject({
      requests: 4,
      acceptedWithin7Days: 1 / 3,
      averageWorkingDaysToAnswer: 8,
      answeredByDueDate: 0.5,
      negativeRatings: 0.5,
      overdue: 1,
      lights: { acceptedWithin7Days: 'red', averageWorkingDaysToAnswer: 'green', negativeRatings: 'red' },
    });
  });

  it('leaves a share out when nothing could be measured, and groups by provider', () => {
    expect(indicatorsOf([], on('2026-03-20'), cal)).toEqual({ requests: 0, overdue: 0, lights: {} });
    const by = indicatorsBy(
      [
        { ...base, provider: 'B' },
        { ...base, provider: 'A' },
      ],
      'provider',
      on('2026-03-03'),
      cal,
    );
    expect([...by.keys()]).toEqual(['A', 'B']);
  });
});
