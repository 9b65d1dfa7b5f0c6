import type { consentV1 } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { FieldCheck } from '@onceonly/kit';
import type { CallerRef } from '../../app/callers.js';
import type { CheckLicencesInput } from '../../app/check-licences.js';
import type { GrantConsentInput } from '../../app/grant-consent.js';
import type { ListConsentsInput } from '../../app/list-consents.js';
import { MAX_CHECK_HOLDERS } from '../../domain/consent.js';
import { codes, codeTypeOf, holderCode, holderInput, idempotencyKey, line, MAX_CODE, MAX_SHORT } from './parse.js';

/** One parser per ConsentService and PlatformService RPC (see certificate-requests.ts). */

export function parseGrantConsent(request: consentV1.GrantConsentRequest, caller: CallerRef): GrantConsentInput {
  return FieldCheck.parse((check) => ({
    caller,
    holder: holderInput(check, request.holder),
    platformCode: line(check, 'platform_code', request.platformCode, MAX_SHORT),
    typeCodes: codes(check, 'type_codes', request.typeCodes),
    purpose: line(check, 'purpose', request.purpose, MAX_CODE),
    expiresAt: line(check, 'expires_at', request.expiresAt, MAX_CODE),
    idempotencyKey: idempotencyKey(check, request.idempotencyKey),
  }));
}

export function parseRevokeConsent(request: consentV1.RevokeConsentRequest) {
  return FieldCheck.parse((check) => ({
    consentId: line(check, 'consent_id', request.consentId.trim(), MAX_CODE),
    reason: line(check, 'reason', request.reason),
  }));
}

export function parseListConsents(request: consentV1.ListConsentsRequest, caller: CallerRef): ListConsentsInput {
  return FieldCheck.parse((check) => {
    const holder =
      request.holder === undefined
        ? undefined
        : {
            code: holderCode(check, 'holder.code', request.holder.code),
            codeType: codeTypeOf(request.holder.codeType),
          };
    return {
      caller,
      ...(holder === undefined ? {} : { holder }),
      platformCode: line(check, 'platform_code', request.platformCode, MAX_SHORT),
      includeInactive: request.includeInactive,
      pageSize: request.page?.pageSize ?? 0,
      pageToken: line(check, 'page.page_token', request.page?.pageToken, 512),
    };
  });
}

/** CheckLicences: bounded before anything is read; a request over the limit is refused whole (nothing recorded). */
export function parseCheckLicences(request: consentV1.CheckLicencesRequest, caller: CallerRef): CheckLicencesInput {
  if (request.holders.length > MAX_CHECK_HOLDERS) {
    throw new AppError('REQUEST_TOO_LARGE', `at most ${MAX_CHECK_HOLDERS} holders per check`, {
      details: { fields: [{ field: 'holders', reason: 'TOO_MANY', description: `at most ${MAX_CHECK_HOLDERS}` }] },
    });
  }
  return FieldCheck.parse((check) => ({
    caller,
    holders: request.holders.map((h, i) => ({
      code: holderCode(check, `holders[${i}].code`, h.code),
      codeType: codeTypeOf(h.codeType),
    })),
    typeCodes: codes(check, 'type_codes', request.typeCodes),
    purpose: line(check, 'purpose', request.purpose, MAX_CODE),
  }));
}
