import { AppError, invalid } from '@onceonly/errors';
import { isUniqueViolation } from '@onceonly/store';
import { findType } from '../domain/catalogue.js';
import { type Consent, grantConsent } from '../domain/consent.js';
import { type HolderInput, holderOf } from '../domain/holder.js';
import { type CallerRef, callerWithRole } from './callers.js';
import { rememberResult, replayedId, requestHash } from './idempotency.js';
import type { CertificateDeps } from './ports.js';

/** GrantConsent input. */
export interface GrantConsentInput {
  readonly caller: CallerRef;
  readonly holder: HolderInput;
  readonly platformCode: string;
  readonly typeCodes: readonly string[];
  readonly purpose: string;
  readonly expiresAt: string;
  readonly idempotencyKey: string;
}

async function loadConsent(deps: CertificateDeps, id: string): Promise<Consent> {
  const consent = await deps.consents.get(deps.db, id);
  if (consent === undefined) throw new AppError('INTERNAL', 'an idempotency key names a missing consent');
  return consent;
}

/**
 * GrantConsent: a portal records, on a holder's behalf, that a platform may check named licence types for a
 * purpose until an expiry. With an idempotency key, a retry returns the same consent.
 * @throws AppError PERMISSION_DENIED (not a portal), CONSENT_INVALID, USCC_INVALID, CITIZEN_ID_INVALID,
 * IDEMPOTENCY_CONFLICT.
 */
export async function grantConsentCase(deps: CertificateDeps, input: GrantConsentInput): Promise<Consent> {
  const now = deps.clock();
  const portal = callerWithRole(deps.departments, input.caller, 'portal');
  const scope = { caller: portal.code, operation: 'consent', key: input.idempotencyKey };
  const { caller: _caller, idempotencyKey: _key, ...request } = input;
  const hash = requestHash(deps, scope.operation, request);
  const earlier = await replayedId(deps, deps.db, scope, hash);
  if (earlier !== undefined) return loadConsent(deps, earlier);
  const platform = deps.departments.find(input.platformCode.trim());
  if (platform === undefined) {
    throw invalid('CONSENT_INVALID', [
      { field: 'platform_code', reason: 'NOT_A_PLATFORM', description: 'not a registered platform' },
    ]);
  }
  const holder = holderOf(input.holder, deps.hashCitizenId, now);
  const consent = grantConsent(
    { portal, platform, holder, typeCodes: input.typeCodes, purpose: input.purpose, expiresAt: input.expiresAt },
    { id: deps.newId(), now, knownType: (code) => findType(code) !== undefined },
  );
  try {
    await deps.db.transaction(async (tx) => {
      await deps.consents.insert(tx, consent);
      await rememberResult(deps, tx, scope, hash, consent.id, now);
    });
  } catch (err) {
    const raced = isUniqueViolation(err) ? await replayedId(deps, deps.db, scope, hash) : undefined;
    if (raced === undefined) throw err;
    return loadConsent(deps, raced);
  }
  return consent;
}
