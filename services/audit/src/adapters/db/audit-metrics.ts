import type { Metrics } from '@onceonly/kit';
import type { Queryable } from '@onceonly/store';

/**
 * The audit log's metrics (ADR 035), read at scrape time with ONE statement shared by all three:
 * `onceonly_audit_tree_size` (leaves in the tree), `onceonly_audit_checkpoint_age_seconds` (since the latest signed
 * checkpoint was made; -1 before the first) and `onceonly_audit_open_gaps` (sequence gaps not yet filled).
 */
export function watchAuditMetrics(metrics: Metrics, db: Queryable, clock: () => Date): void {
  const head = metrics.perScrape(async () => {
    const { rows } = await db.query<{ size: string; last: Date | null; gaps: number }>(
      `SELECT (SELECT size FROM audit.tree_head) AS size,
              (SELECT max(created_at) FROM audit.checkpoints) AS last,
              (SELECT count(*)::int FROM audit.gaps WHERE resolved_at IS NULL AND kind = 'gap') AS gaps`,
    );
    return rows[0];
  });
  metrics.gaugeOnScrape({
    name: 'onceonly_audit_tree_size',
    help: "leaves in the audit log's Merkle tree",
    read: async () => Number((await head())?.size ?? 0),
  });
  metrics.gaugeOnScrape({
    name: 'onceonly_audit_checkpoint_age_seconds',
    help: 'seconds since the latest signed checkpoint was made (-1 before the first)',
    read: async () => {
      const last = (await head())?.last;
      return last ? Math.max(0, (clock().getTime() - last.getTime()) / 1000) : -1;
    },
  });
  metrics.gaugeOnScrape({
    name: 'onceonly_audit_open_gaps',
    help: 'per-source sequence gaps the audit log has seen and not yet seen filled',
    read: async () => (await head())?.gaps ?? 0,
  });
}
