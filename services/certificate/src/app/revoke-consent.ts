import { AppError } from '@onceonly/errors';
import { type Consent, revokeConsent } from '../domain/consent.js';
import { type CallerRef, callerWithRole } from './callers.js';
import type { CertificateDeps } from './ports.js';

/**
 * RevokeConsent: the portal that recorded a consent withdraws it from now on.
 * @throws AppError PERMISSION_DENIED, CONSENT_NOT_FOUND, CONSENT_NOT_ACTIVE, INVALID_ARGUMENT.
 */
export async function revokeConsentCase(
  deps: CertificateDeps,
  caller: CallerRef,
  input: { consentId: string; reason: string },
): Promise<Consent> {
  const portal = callerWithRole(deps.departments, caller, 'portal');
  const now = deps.clock();
  return deps.db.transaction(async (tx) => {
    const consent = await deps.consents.lock(tx, input.consentId);
    if (consent === undefined) throw new AppError('CONSENT_NOT_FOUND', 'no consent with this id');
    const revoked = revokeConsent(consent, { portalCode: portal.code, reason: input.reason }, now);
    await deps.consents.update(tx, revoked);
    return revoked;
  });
}
