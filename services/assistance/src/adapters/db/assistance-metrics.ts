import type { Metrics } from '@onceonly/kit';
import type { Queryable } from '@onceonly/store';
import { chinaDateOf } from '@onceonly/workdays';

/**
 * `onceonly_assistance_requests_overdue{item}` (ADR 035): open requests whose clock runs and whose due date (a
 * working-day deadline, China's calendar day) has passed, per catalogue item, read at scrape time in one statement,
 * as the indicators count them.
 */
export function watchAssistanceMetrics(metrics: Metrics, db: Queryable, clock: () => Date): void {
  metrics.gaugeOnScrape({
    name: 'onceonly_assistance_requests_overdue',
    help: 'assistance requests past their due date with the clock running, per catalogue item',
    labelNames: ['item'],
    read: async () => {
      const { rows } = await db.query<{ item: string; n: number }>(
        `SELECT item_code AS item, count(*)::int AS n FROM assistance.requests
         WHERE clock_runs AND due_date < $1::date GROUP BY item_code`,
        [chinaDateOf(clock())],
      );
      return rows.map((row) => ({ labels: { item: row.item }, value: row.n }));
    },
  });
}
