import { consentV1 } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';
import { grantConsentCase } from '../../app/grant-consent.js';
import { listConsentsCase } from '../../app/list-consents.js';
import type { CertificateDeps } from '../../app/ports.js';
import { revokeConsentCase } from '../../app/revoke-consent.js';
import { type Consent, type ConsentStatus, consentStatus } from '../../domain/consent.js';
import { codeTypeOf, holderInput, idempotencyKey, text, Violations } from './parse.js';
import { holderReferenceOf } from './to-proto.js';

const STATUS: Record<ConsentStatus, consentV1.ConsentStatus> = {
  active: consentV1.ConsentStatus.CONSENT_STATUS_ACTIVE,
  expired: consentV1.ConsentStatus.CONSENT_STATUS_EXPIRED,
  revoked: consentV1.ConsentStatus.CONSENT_STATUS_REVOKED,
};

/** A consent as responses show it (the holder masked, as everywhere). */
export function consentToProto(deps: CertificateDeps, consent: Consent, now: Date): consentV1.Consent {
  return {
    id: consent.id,
    holder: holderReferenceOf(consent.holder),
    platformCode: consent.platformCode,
    platformName: deps.departments.find(consent.platformCode)?.nameZh ?? '',
    typeCodes: [...consent.typeCodes],
    purpose: consent.purpose,
    grantedAt: consent.grantedAt,
    expiresAt: consent.expiresAt,
    revokedAt: consent.revokedAt ?? '',
    revocationReason: consent.revocationReason ?? '',
    recordedBy: consent.recordedBy,
    status: STATUS[consentStatus(consent, now)],
  };
}

function typeCodes(codes: readonly string[], out: Violations): string[] {
  if (codes.length > 64) out.add('type_codes', 'TOO_MANY', 'at most 64 types');
  return codes.slice(0, 64).map((code, i) => text(code, `type_codes[${i}]`, out, 64));
}

/** The handlers of ConsentService. */
export function consentHandlers(deps: CertificateDeps): consentV1.ConsentServiceServer {
  return {
    grantConsent: unary(async (request: consentV1.GrantConsentRequest, { caller }) => {
      const out = new Violations();
      const input = {
        caller,
        holder: holderInput(request.holder, out),
        platformCode: text(request.platformCode, 'platform_code', out, 32),
        typeCodes: typeCodes(request.typeCodes, out),
        purpose: text(request.purpose, 'purpose', out, 64),
        expiresAt: text(request.expiresAt, 'expires_at', out, 64),
        idempotencyKey: idempotencyKey(request.idempotencyKey, out),
      };
      out.done();
      const consent = await grantConsentCase(deps, input);
      return { consent: consentToProto(deps, consent, deps.clock()) };
    }),

    revokeConsent: unary(async (request: consentV1.RevokeConsentRequest, { caller }) => {
      const out = new Violations();
      const input = {
        consentId: text(request.consentId.trim(), 'consent_id', out, 64),
        reason: text(request.reason, 'reason', out),
      };
      out.done();
      const consent = await revokeConsentCase(deps, caller, input);
      return { consent: consentToProto(deps, consent, deps.clock()) };
    }),

    listConsents: unary(async (request: consentV1.ListConsentsRequest, { caller }) => {
      const out = new Violations();
      const holder =
        request.holder === undefined
          ? undefined
          : { code: text(request.holder.code, 'holder.code', out, 256), codeType: codeTypeOf(request.holder.codeType) };
      const input = {
        caller,
        ...(holder === undefined ? {} : { holder }),
        platformCode: text(request.platformCode, 'platform_code', out, 32),
        includeInactive: request.includeInactive,
        pageSize: request.page?.pageSize ?? 0,
        pageToken: text(request.page?.pageToken, 'page.page_token', out, 512),
      };
      out.done();
      const page = await listConsentsCase(deps, input);
      const now = deps.clock();
      return {
        consents: page.consents.map((c) => consentToProto(deps, c, now)),
        page: { nextPageToken: page.nextToken },
      };
    }),
  };
}
