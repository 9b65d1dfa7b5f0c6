import type { PlainDate, WorkCalendar } from '@onceonly/workdays';
import type { AssistanceRequest } from './request.js';

/**
 * The alerts a request's deadline raises, as of a day: a reminder a few working days before the due date, an overdue
 * notice once it has passed, an escalation to the coordinator some working days after, and a notice when an urgent
 * request's written form is late. Pure: the service sweeps open requests each day and publishes each alert once
 * (it records which it sent).
 */

export type DeadlineAlertKind = 'reminder' | 'overdue' | 'escalation' | 'regularisation-overdue';

export interface DeadlineAlert {
  readonly kind: DeadlineAlertKind;
  /** The date the alert is about: the due date, or the date the written form was due. */
  readonly date: PlainDate;
}

export interface DeadlinePolicy {
  /** Remind the provider this many working days before the due date (default 2). */
  readonly remindWorkingDaysBefore: number;
  /** Escalate to the coordinator this many working days after the due date (default 3). */
  readonly escalateWorkingDaysAfter: number;
}

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = { remindWorkingDaysBefore: 2, escalateWorkingDaysAfter: 3 };

/** Whether the provider's clock runs: not answered, declined, closed or withdrawn, and no supplement awaited. */
export function clockRuns(r: AssistanceRequest): boolean {
  return (r.status === 'submitted' || r.status === 'accepted') && r.supplement === undefined;
}

/** The alerts due on `today` (all of them, however late the sweep runs). */
export function deadlineAlerts(
  r: AssistanceRequest,
  today: PlainDate,
  calendar: WorkCalendar,
  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY,
): DeadlineAlert[] {
  const alerts: DeadlineAlert[] = [];
  if (clockRuns(r)) {
    if (today <= r.dueDate) {
      if (calendar.workingDaysBetween(today, r.dueDate) <= policy.remindWorkingDaysBefore) {
        alerts.push({ kind: 'reminder', date: r.dueDate });
      }
    } else {
      alerts.push({ kind: 'reminder', date: r.dueDate }, { kind: 'overdue', date: r.dueDate });
      if (calendar.workingDaysBetween(r.dueDate, today) >= policy.escalateWorkingDaysAfter) {
        alerts.push({ kind: 'escalation', date: r.dueDate });
      }
    }
  }
  if (r.regulariseBy !== undefined && today > r.regulariseBy && r.status !== 'withdrawn') {
    alerts.push({ kind: 'regularisation-overdue', date: r.regulariseBy });
  }
  return alerts;
}
