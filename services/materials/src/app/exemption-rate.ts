import { AppError } from '@onceonly/errors';
import type { EvidenceRequest } from '../domain/consent.js';
import { type ExemptionRate, exemptionRate, type RateDimension, type RatePeriod } from '../domain/rate.js';
import { chinaDay, type Resolution } from '../domain/resolution.js';
import type { Actor } from './ports.js';
import type { ReportDeps } from './rate-ports.js';

export interface RateInput {
  readonly by: RateDimension;
  readonly period: RatePeriod;
  /** YYYY-MM-DD (China Standard Time), inclusive; absent: from the first resolution. */
  readonly from?: string;
  /** YYYY-MM-DD, inclusive; absent: today. */
  readonly to?: string;
}

const DAY_MS = 86_400_000;
/** The instant a China Standard Time day starts. */
const startOf = (day: string) => new Date(`${day}T00:00:00+08:00`);

/**
 * GetExemptionRate: one statement reads the sums of the last resolution of each application in the window; the
 * domain folds them by the dimension and period asked and states the method beside the figure.
 */
export async function exemptionRateCase(deps: ReportDeps, input: RateInput): Promise<ExemptionRate> {
  const to = input.to ?? chinaDay(deps.clock());
  const from = input.from ?? '';
  const [groups, items] = await Promise.all([
    deps.rates.groups(deps.db, {
      period: input.period,
      fromInstant: from ? startOf(from) : new Date(0),
      toInstant: new Date(startOf(to).getTime() + DAY_MS),
    }),
    deps.items.latest(deps.db),
  ]);
  return exemptionRate(
    groups,
    { by: input.by, period: input.period, from, to },
    { items: new Map(items.map((i) => [i.code, i.nameZh])) },
  );
}

/**
 * GetResolution: one resolution as stored, to an auditor or to the department that made it.
 * @throws AppError MATERIALS_RESOLUTION_NOT_FOUND (also to a department that did not make it: nothing is revealed).
 */
export async function getResolutionCase(deps: ReportDeps, input: { actor: Actor; id: string }): Promise<Resolution> {
  const found = await deps.rates.resolution(deps.db, input.id);
  return readable(found, found?.resolvedBy, input, 'MATERIALS_RESOLUTION_NOT_FOUND', 'a resolution id');
}

/** What an auditor, or the department it belongs to, reads; anyone else is answered as if it did not exist. */
function readable<T>(
  found: T | undefined,
  department: string | undefined,
  input: { actor: Actor; id: string },
  code: 'MATERIALS_RESOLUTION_NOT_FOUND' | 'MATERIALS_REQUEST_NOT_FOUND',
  description: string,
): T {
  if (!found || (input.actor.role !== 'auditor' && department !== input.actor.code)) {
    throw new AppError(code, `no ${description.slice(2)} ${input.id}`, {
      details: { fields: [{ field: 'id', reason: code, description }] },
    });
  }
  return found;
}

/**
 * GetEvidenceRequest: one explicit request as stored, to an auditor and to the department that made it (what the
 * consent replay compares with). Anyone else: not found, as for a request that does not exist.
 * @throws AppError MATERIALS_REQUEST_NOT_FOUND.
 */
export async function getEvidenceRequestCase(
  deps: ReportDeps,
  input: { actor: Actor; id: string },
): Promise<EvidenceRequest> {
  const found = await deps.consent.request(deps.db, input.id);
  return readable(found, found?.departmentCode, input, 'MATERIALS_REQUEST_NOT_FOUND', 'a request id');
}
