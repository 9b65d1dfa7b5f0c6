import { consentV1 } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';
import { grantConsentCase } from '../../app/grant-consent.js';
import { listConsentsCase } from '../../app/list-consents.js';
import type { CertificateDeps } from '../../app/ports.js';
import { revokeConsentCase } from '../../app/revoke-consent.js';
import { type Consent, type ConsentStatus, consentStatus } from '../../domain/consent.js';
import { parseGrantConsent, parseListConsents, parseRevokeConsent } from './consent-requests.js';
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

/** The handlers of ConsentService. */
export function consentHandlers(deps: CertificateDeps): consentV1.ConsentServiceServer {
  const toProto = (consent: Consent) => ({ consent: consentToProto(deps, consent, deps.clock()) });
  return {
    grantConsent: unary(async (request: consentV1.GrantConsentRequest, { caller }) =>
      toProto(await grantConsentCase(deps, parseGrantConsent(request, caller))),
    ),

    revokeConsent: unary(async (request: consentV1.RevokeConsentRequest, { caller }) =>
      toProto(await revokeConsentCase(deps, caller, parseRevokeConsent(request))),
    ),

    listConsents: unary(async (request: consentV1.ListConsentsRequest, { caller }) => {
      const page = await listConsentsCase(deps, parseListConsents(request, caller));
      const now = deps.clock();
      return {
        consents: page.consents.map((c) => consentToProto(deps, c, now)),
        page: { nextPageToken: page.nextToken },
      };
    }),
  };
}
