import type { consentV1 } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { unary } from '@onceonly/kit';
import { checkLicencesCase } from '../../app/check-licences.js';
import type { CertificateDeps } from '../../app/ports.js';
import { MAX_CHECK_HOLDERS } from '../../domain/consent.js';
import { refusalToProto, statusToProto } from '../event-bodies.js';
import { codeTypeOf, text, Violations } from './parse.js';

/** The handlers of PlatformService. */
export function platformHandlers(deps: CertificateDeps): consentV1.PlatformServiceServer {
  return {
    checkLicences: unary(async (request: consentV1.CheckLicencesRequest, { caller }) => {
      // Bounded before anything is read: a request over the limit is refused whole (and nothing is recorded).
      if (request.holders.length > MAX_CHECK_HOLDERS) {
        throw new AppError('REQUEST_TOO_LARGE', `at most ${MAX_CHECK_HOLDERS} holders per check`, {
          details: { fields: [{ field: 'holders', reason: 'TOO_MANY', description: `at most ${MAX_CHECK_HOLDERS}` }] },
        });
      }
      const out = new Violations();
      if (request.typeCodes.length > 64) out.add('type_codes', 'TOO_MANY', 'at most 64 types');
      const input = {
        caller,
        holders: request.holders.map((h, i) => ({
          code: text(h.code, `holders[${i}].code`, out, 256),
          codeType: codeTypeOf(h.codeType),
        })),
        typeCodes: request.typeCodes.slice(0, 64).map((t, i) => text(t, `type_codes[${i}]`, out, 64)),
        purpose: text(request.purpose, 'purpose', out, 64),
      };
      out.done();
      const { results, checkedAt } = await checkLicencesCase(deps, input);
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
          })),
          refused: r.refused.map((f) => ({ typeCode: f.typeCode, reason: refusalToProto(f.reason) })),
        })),
      };
    }),
  };
}
