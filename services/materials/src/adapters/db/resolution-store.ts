import type { ResolutionStore } from '../../app/ports.js';
import { type Evidence, evidenceKeyOf, type Resolution } from '../../domain/resolution.js';
import { resolutionMadeStatement } from '../events/outbox.js';

/** `$1`… of `sql` renumbered from `$(after + 1)`: a statement embedded after `after` parameters of another. */
function shifted(sql: string, after: number): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + after}`);
}

const COMMIT_RESOLUTION = `
  resolution AS (
    INSERT INTO materials.resolutions (id, application_id, applicant_key, item_code, item_version, resolved_by,
      resolved_at, exempt_count, required_count, state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
  ),
  reuses AS (
    INSERT INTO materials.reuses (material_id, application_id, department_code, resolution_id, reused_at)
    SELECT m, a, d, $1, $7 FROM unnest($11::text[], $12::text[], $13::text[]) AS r (m, a, d)
    ON CONFLICT DO NOTHING
  )`;

export const sqlResolutionStore: ResolutionStore = {
  async commit(db, r: Resolution, reuses, actor) {
    // one autocommitted statement: the event's outbox INSERT first (its own $1…), then the resolution and its
    // reuses as data-modifying CTEs; the reuses' foreign key to the resolution is checked at the statement's end
    const outbox = resolutionMadeStatement(r, actor);
    const after = outbox.params.length;
    await db.query(`WITH events AS (${outbox.sql}), ${shifted(COMMIT_RESOLUTION, after)} SELECT NULL WHERE false`, [
      ...outbox.params,
      r.id,
      r.applicationId,
      r.applicant.key,
      r.itemCode,
      r.itemVersion,
      r.resolvedBy,
      r.resolvedAt,
      r.exemptCount,
      r.requiredCount,
      JSON.stringify(r),
      reuses.map((u) => u.materialId),
      reuses.map((u) => u.applicationId),
      reuses.map((u) => u.departmentCode),
    ]);
  },
  async refused(db, departmentCode, applicationId) {
    const { rows } = await db.query<{ status: string; evidence: Evidence }>(
      `SELECT p.status, p.state->'evidence' AS evidence
         FROM materials.evidence_pieces p JOIN materials.evidence_requests q ON q.id = p.request_id
        WHERE q.department_code = $1 AND q.application_id = $2 AND p.status IN ('accepted', 'rejected', 'expired')`,
      [departmentCode, applicationId],
    );
    const accepted = new Set(rows.filter((r) => r.status === 'accepted').map((r) => evidenceKeyOf(r.evidence)));
    return new Set(rows.map((r) => evidenceKeyOf(r.evidence)).filter((key) => !accepted.has(key)));
  },
};
