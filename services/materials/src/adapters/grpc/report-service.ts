import type { materialsV1 as mv } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';
import { exemptionRateCase, getEvidenceRequestCase, getResolutionCase } from '../../app/exemption-rate.js';
import type { ReportDeps } from '../../app/rate-ports.js';
import type { RateRow } from '../../domain/rate.js';
import { requestToProto } from './consent-to-proto.js';
import { parseGetExemptionRate, parseGetResolution } from './report-requests.js';
import { resolutionToProto } from './to-proto.js';

export function rateRowToProto(r: RateRow): mv.ExemptionRateRow {
  return {
    key: r.key,
    nameZh: r.nameZh,
    period: r.period,
    applications: String(r.applications),
    materials: String(r.materials),
    exempt: String(r.exempt),
    unsourced: String(r.unsourced),
    refused: String(r.refused),
    rate: r.rate,
    rateOfReplaceable: r.rateOfReplaceable,
  };
}

/** The handlers of MaterialsReportService: parse, run the use case, map the result. */
export function reportHandlers(deps: ReportDeps): mv.MaterialsReportServiceServer {
  return {
    getExemptionRate: unary(async (r) => {
      const rate = await exemptionRateCase(deps, parseGetExemptionRate(r));
      return {
        rows: rate.rows.map(rateRowToProto),
        total: rateRowToProto(rate.total),
        methodZh: rate.methodZh,
        methodEn: rate.methodEn,
        from: rate.from,
        to: rate.to,
      };
    }),
    getResolution: unary(async (r, { caller }) => ({
      resolution: resolutionToProto(
        await getResolutionCase(deps, parseGetResolution(r, { code: caller.departmentCode, role: caller.role })),
      ),
    })),
    getEvidenceRequest: unary(async (r, { caller }) => ({
      request: requestToProto(
        await getEvidenceRequestCase(deps, parseGetResolution(r, { code: caller.departmentCode, role: caller.role })),
      ),
    })),
  };
}
