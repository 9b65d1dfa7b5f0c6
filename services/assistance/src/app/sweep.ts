import { chinaDateOf, isCalendarError } from '@onceonly/workdays';
import { type DeadlinePolicy, deadlineAlerts } from '../domain/deadlines.js';
import { purgeDue, purgePersonalData } from '../domain/retention.js';
import type { AssistanceDeps } from './ports.js';

/** What one sweep did. `skipped`: requests whose dates fall in a year whose holiday notice is not loaded. */
export interface SweepReport {
  readonly alerts: number;
  readonly purged: number;
  readonly skipped: readonly string[];
}

/**
 * The sweep the service runs every few minutes: publishes each due deadline alert once (reminder, overdue,
 * escalation to the coordinator, a written form late) and purges the personal data of requests finished longer
 * ago than the retention period. Each alert and each purge is its own small transaction with its event; an alert
 * recorded before is never published again, a purge is a conditional update like any command (a concurrent change
 * wins and the purge waits for the next sweep).
 */
export async function sweepCase(
  deps: AssistanceDeps,
  policy: DeadlinePolicy,
  retentionDays: number,
): Promise<SweepReport> {
  const now = deps.clock();
  const today = chinaDateOf(now);
  let alerts = 0;
  let purged = 0;
  const skipped: string[] = [];
  for (const request of await deps.requests.forSweep(deps.db)) {
    let due: ReturnType<typeof deadlineAlerts>;
    try {
      due = deadlineAlerts(request, today, deps.calendar, policy);
    } catch (err) {
      // never a guess: a date in a year without a loaded holiday notice waits for the notice
      if (!isCalendarError(err)) throw err;
      skipped.push(request.id);
      due = [];
    }
    for (const alert of due) {
      await deps.db.transaction(async (tx) => {
        if (!(await deps.alerts.record(tx, { requestId: request.id, kind: alert.kind, date: alert.date, at: now })))
          return;
        await deps.outbox.alert(tx, { request, alert, at: now });
        alerts++;
      });
    }
    if (purgeDue(request, today, retentionDays)) {
      const without = purgePersonalData(request, today);
      await deps.db.transaction(async (tx) => {
        if (!(await deps.requests.update(tx, without, request.version, now))) return;
        await deps.outbox.purged(tx, { request: without, closedOn: request.closedOn!, retentionDays, at: now });
        purged++;
      });
    }
  }
  if (alerts + purged > 0) deps.relay.kick();
  return { alerts, purged, skipped };
}
