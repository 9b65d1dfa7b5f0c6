import { materialsV1 as mv } from '@onceonly/contracts';
import { FieldCheck } from '@onceonly/kit';
import type { RateInput } from '../../app/exemption-rate.js';
import type { Actor } from '../../app/ports.js';
import type { RateDimension, RatePeriod } from '../../domain/rate.js';

/** One parser per MaterialsReportService RPC (the kit's FieldCheck: every field at fault named in one error). */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const DIMENSION = new Map<mv.RateDimension, RateDimension>([
  [mv.RateDimension.RATE_DIMENSION_UNSPECIFIED, 'total'],
  [mv.RateDimension.RATE_DIMENSION_ITEM, 'item'],
  [mv.RateDimension.RATE_DIMENSION_DEPARTMENT, 'department'],
  [mv.RateDimension.RATE_DIMENSION_DISTRICT, 'district'],
]);

const PERIOD = new Map<mv.RatePeriod, RatePeriod>([
  [mv.RatePeriod.RATE_PERIOD_UNSPECIFIED, 'whole'],
  [mv.RatePeriod.RATE_PERIOD_MONTH, 'month'],
  [mv.RatePeriod.RATE_PERIOD_QUARTER, 'quarter'],
]);

/** A real calendar day YYYY-MM-DD, or undefined when empty. */
function day(check: FieldCheck, field: string, value: string): string | undefined {
  const v = check.text(field, value, { max: 10, trim: true });
  if (v === '') return undefined;
  const at = new Date(`${v}T00:00:00Z`);
  if (!DAY.test(v) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== v) {
    check.fail(field, 'DATE', 'a calendar day YYYY-MM-DD');
    return undefined;
  }
  return v;
}

export function parseGetExemptionRate(r: mv.GetExemptionRateRequest): RateInput {
  return FieldCheck.parse((check) => {
    const by = DIMENSION.get(r.by);
    if (!by) check.fail('by', 'RATE_DIMENSION', 'item, department, district or unspecified (the total)');
    const period = PERIOD.get(r.period);
    if (!period) check.fail('period', 'RATE_PERIOD', 'month, quarter or unspecified (the whole window)');
    const from = day(check, 'from', r.from);
    const to = day(check, 'to', r.to);
    if (from && to && from > to) check.fail('to', 'RANGE', 'a day on or after `from`');
    return { by: by ?? 'total', period: period ?? 'whole', ...(from ? { from } : {}), ...(to ? { to } : {}) };
  });
}

/** GetResolution and GetEvidenceRequest: one id. */
export function parseGetResolution(r: { readonly id: string }, actor: Actor) {
  return FieldCheck.parse((check) => ({ actor, id: check.text('id', r.id, { max: 100, required: true, trim: true }) }));
}
