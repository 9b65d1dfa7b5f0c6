import type { consentV1 } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';
import { checkLicencesCase } from '../../app/check-licences.js';
import type { CertificateDeps } from '../../app/ports.js';
import { refusalToProto, statusToProto } from '../event-bodies.js';
import { parseCheckLicences } from './consent-requests.js';
import { verdictReasonsOf } from './verdict-to-proto.js';

/** The handlers of PlatformService. */
export function platformHandlers(deps: CertificateDeps): consentV1.PlatformServiceServer {
  return {
    checkLicences: unary(async (request: consentV1.CheckLicencesRequest, { caller }) => {
      const { results, checkedAt } = await checkLicencesCase(deps, parseCheckLicences(request, caller));
      return {
        checkedAt: checkedAt.toISOString(),
        results: results.map((r) => ({
          index: r.index,
          holderCodeMasked: r.holderCodeMasked,
          licences: r.licences.map((l) => ({
            typeCode: l.typeCode,
            typeName: l.typeName,
            number: l.number,
            validFrom: l.validFrom,
            validTo: l.validTo ?? '',
            status: statusToProto(l.status),
            genuine: l.verdict.genuine,
            genuineReasons: verdictReasonsOf(l.verdict.genuineFindings),
            mayOperate: l.verdict.mayOperate,
            mayOperateReasons: verdictReasonsOf(l.verdict.operationFindings),
          })),
          refused: r.refused.map((f) => ({ typeCode: f.typeCode, reason: refusalToProto(f.reason) })),
        })),
      };
    }),
  };
}
