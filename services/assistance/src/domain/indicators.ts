import { addCalendarDays, type PlainDate, type WorkCalendar } from '@onceonly/workdays';
import { clockRuns } from './deadlines.js';
import type { AssistanceRequest } from './request.js';

/**
 * Indicators per department or item, as the EU Single Market Scoreboard publishes them for IMI: the share of
 * requests accepted within 7 days, the average working days to answer (the days the clock stood still for a
 * supplement not counted), the share answered by the agreed date, the share of negative ratings (timeliness or effort
 * 2 or less), and the overdue count. Each share is undefined when nothing could be measured yet.
 */
export interface Indicators {
  readonly requests: number;
  readonly acceptedWithin7Days?: number;
  readonly averageWorkingDaysToAnswer?: number;
  readonly answeredByDueDate?: number;
  readonly negativeRatings?: number;
  readonly overdue: number;
  /** IMI's traffic lights for the three it grades (green, amber, red). */
  readonly lights: {
    readonly acceptedWithin7Days?: Light;
    readonly averageWorkingDaysToAnswer?: Light;
    readonly negativeRatings?: Light;
  };
}

export type Light = 'green' | 'amber' | 'red';

/** IMI's thresholds: accepted within 7 days green ≥ 80 %, red < 60 %; days to answer green < 16, red > 25; negative ratings green < 5 %, red ≥ 15 %. */
export const IMI_THRESHOLDS = {
  acceptedWithin7Days: { green: 0.8, red: 0.6 },
  averageWorkingDaysToAnswer: { green: 16, red: 25 },
  negativeRatings: { green: 0.05, red: 0.15 },
} as const;

/** The indicators of `requests` as of `today`. */
export function indicatorsOf(
  requests: readonly AssistanceRequest[],
  today: PlainDate,
  calendar: WorkCalendar,
): Indicators {
  // acceptance is measured on requests that were accepted, or that had 7 days and were not
  const acceptance = requests.filter((r) => r.acceptedOn !== undefined || addCalendarDays(r.submittedOn, 7) <= today);
  const acceptedInTime = acceptance.filter(
    (r) => r.acceptedOn !== undefined && r.acceptedOn <= addCalendarDays(r.submittedOn, 7),
  );
  const answered = requests.filter((r) => r.answer !== undefined);
  const days = answered.map(
    (r) => calendar.workingDaysBetween(r.submittedOn, r.answer!.answeredOn) - r.pausedWorkingDays,
  );
  const rated = requests.filter((r) => r.rating !== undefined);
  const negative = rated.filter((r) => Math.min(r.rating!.timeliness, r.rating!.effort) <= 2);
  const acceptedWithin7Days = share(acceptedInTime.length, acceptance.length);
  const averageWorkingDaysToAnswer = days.length > 0 ? days.reduce((a, b) => a + b, 0) / days.length : undefined;
  const negativeRatings = share(negative.length, rated.length);
  const t = IMI_THRESHOLDS;
  return {
    requests: requests.length,
    ...(acceptedWithin7Days !== undefined ? { acceptedWithin7Days } : {}),
    ...(averageWorkingDaysToAnswer !== undefined ? { averageWorkingDaysToAnswer } : {}),
    ...optional(
      'answeredByDueDate',
      share(answered.filter((r) => r.answer!.answeredOn <= r.dueDate).length, answered.length),
    ),
    ...(negativeRatings !== undefined ? { negativeRatings } : {}),
    overdue: requests.filter((r) => clockRuns(r) && r.dueDate < today).length,
    lights: {
      ...optional(
        'acceptedWithin7Days',
        acceptedWithin7Days === undefined ? undefined : higherIsBetter(acceptedWithin7Days, t.acceptedWithin7Days),
      ),
      ...optional(
        'averageWorkingDaysToAnswer',
        averageWorkingDaysToAnswer === undefined
          ? undefined
          : averageWorkingDaysToAnswer < t.averageWorkingDaysToAnswer.green
            ? 'green'
            : averageWorkingDaysToAnswer > t.averageWorkingDaysToAnswer.red
              ? 'red'
              : 'amber',
      ),
      ...optional(
        'negativeRatings',
        negativeRatings === undefined
          ? undefined
          : negativeRatings < t.negativeRatings.green
            ? 'green'
            : negativeRatings >= t.negativeRatings.red
              ? 'red'
              : 'amber',
      ),
    },
  };
}

/** The indicators per provider (or requester, or item). */
export function indicatorsBy(
  requests: readonly AssistanceRequest[],
  key: 'provider' | 'requester' | 'itemCode',
  today: PlainDate,
  calendar: WorkCalendar,
): Map<string, Indicators> {
  const groups = new Map<string, AssistanceRequest[]>();
  for (const r of requests) groups.set(r[key], [...(groups.get(r[key]) ?? []), r]);
  return new Map(
    [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, rs]) => [k, indicatorsOf(rs, today, calendar)]),
  );
}

function share(part: number, whole: number): number | undefined {
  return whole === 0 ? undefined : part / whole;
}

function higherIsBetter(value: number, t: { green: number; red: number }): Light {
  return value >= t.green ? 'green' : value < t.red ? 'red' : 'amber';
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
