import type { RateStore } from '../../app/rate-ports.js';
import type { RateGroup } from '../../domain/rate.js';
import type { Resolution } from '../../domain/resolution.js';

type ResolutionState = Omit<Resolution, 'resolvedAt'> & { resolvedAt: string };
type Outcome = Resolution['materials'][number];

/** An outcome read back from JSON: the instants of its evidence are Dates again. */
function revived(m: Outcome): Outcome {
  const e = m.evidence as (Record<string, unknown> & Outcome['evidence']) | undefined;
  if (!e) return m;
  const dates = Object.fromEntries(
    ['verifiedAt', 'checkedAt'].filter((k) => typeof e[k] === 'string').map((k) => [k, new Date(e[k] as string)]),
  );
  return { ...m, evidence: { ...e, ...dates } as Outcome['evidence'] };
}

/**
 * The rate in one statement: the last resolution of each application of each department (DISTINCT ON over the
 * index of migration 031), kept when it falls in the window, summed per department, item and period (the first
 * day of the month or quarter in China Standard Time, UTC+8 with no daylight saving: no time zone table needed,
 * which PGlite may lack). Unsourced materials are counted from the resolution's own JSON (reason `no-source`);
 * refused ones are the positions of the resolution's pieces that the applicant rejected or let expire, with no piece
 * at that position accepted (ADR 041): the domain counts them as required.
 */
const RATE_SQL = `
WITH last AS (
  SELECT DISTINCT ON (resolved_by, application_id)
         id, resolved_by, item_code, resolved_at, exempt_count, required_count, state
    FROM materials.resolutions
   ORDER BY resolved_by, application_id, resolved_at DESC, id DESC
),
refused AS (
  SELECT q.resolution_id, count(DISTINCT p.position) AS n
    FROM materials.evidence_pieces p JOIN materials.evidence_requests q ON q.id = p.request_id
   WHERE p.status IN ('rejected', 'expired')
     AND NOT EXISTS (
       SELECT 1 FROM materials.evidence_pieces a JOIN materials.evidence_requests aq ON aq.id = a.request_id
        WHERE aq.resolution_id = q.resolution_id AND a.position = p.position AND a.status = 'accepted')
   GROUP BY q.resolution_id
)
SELECT resolved_by AS department, item_code,
       CASE WHEN $1::text = 'whole' THEN ''
            ELSE to_char(date_trunc($1::text, (resolved_at AT TIME ZONE 'UTC') + interval '8 hours'), 'YYYY-MM-DD')
       END AS period_start,
       count(*)::integer AS applications,
       sum(exempt_count + required_count)::integer AS materials,
       sum(exempt_count)::integer AS exempt,
       sum((SELECT count(*) FROM jsonb_array_elements(state->'materials') m WHERE m->>'reason' = 'no-source'))::integer
         AS unsourced,
       coalesce(sum(refused.n), 0)::integer AS refused
  FROM last LEFT JOIN refused ON refused.resolution_id = last.id
 WHERE resolved_at >= $2 AND resolved_at < $3
 GROUP BY 1, 2, 3`;

export const sqlRateStore: RateStore = {
  async groups(db, query) {
    const { rows } = await db.query<{
      department: string;
      item_code: string;
      period_start: string;
      applications: number;
      materials: number;
      exempt: number;
      unsourced: number;
      refused: number;
    }>(RATE_SQL, [query.period === 'whole' ? 'whole' : query.period, query.fromInstant, query.toInstant]);
    return rows.map(
      (r): RateGroup => ({
        department: r.department,
        itemCode: r.item_code,
        periodStart: r.period_start,
        applications: Number(r.applications),
        materials: Number(r.materials),
        exempt: Number(r.exempt),
        unsourced: Number(r.unsourced),
        refused: Number(r.refused),
      }),
    );
  },
  async resolution(db, id) {
    // the counts from their columns (what the rate sums), the rest from the stored state
    const { rows } = await db.query<{ state: ResolutionState; exempt_count: number; required_count: number }>(
      'SELECT state, exempt_count, required_count FROM materials.resolutions WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...row.state,
      materials: row.state.materials.map(revived),
      resolvedAt: new Date(row.state.resolvedAt),
      exemptCount: Number(row.exempt_count),
      requiredCount: Number(row.required_count),
    };
  },
};
