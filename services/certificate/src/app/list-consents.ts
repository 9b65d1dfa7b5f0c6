import { AppError } from '@onceonly/errors';
import { type CallerRef, callerWithRole } from './callers.js';
import { type HolderCodeInput, holderRefsOf } from './holder-query.js';
import type { CertificateDeps, ConsentPage } from './ports.js';

/** Page sizes of ListConsents. */
export const CONSENT_PAGE = { default: 50, max: 200 } as const;

/** ListConsents input. */
export interface ListConsentsInput {
  readonly caller: CallerRef;
  readonly holder?: HolderCodeInput;
  readonly platformCode: string;
  readonly includeInactive: boolean;
  readonly pageSize: number;
  readonly pageToken: string;
}

/**
 * ListConsents: a portal lists one holder's consents (optionally for one platform); a platform lists the consents
 * given to it. Nobody else may.
 * @throws AppError PERMISSION_DENIED, INVALID_ARGUMENT (a portal without a holder, a bad holder code or page).
 */
export async function listConsentsCase(deps: CertificateDeps, input: ListConsentsInput): Promise<ConsentPage> {
  const now = deps.clock();
  const caller = deps.departments.find(input.caller.departmentCode);
  const size = input.pageSize === 0 ? CONSENT_PAGE.default : Math.min(Math.max(input.pageSize, 1), CONSENT_PAGE.max);
  const page = { size, token: input.pageToken };
  const activeAt = input.includeInactive ? {} : { activeAt: now };
  if (caller?.role === 'platform') {
    return deps.consents.list(deps.db, { platformCode: caller.code, ...activeAt }, page);
  }
  callerWithRole(deps.departments, input.caller, 'portal');
  if (input.holder === undefined) {
    throw new AppError('INVALID_ARGUMENT', 'a portal lists the consents of one holder', {
      details: { fields: [{ field: 'holder', reason: 'REQUIRED', description: 'name the holder' }] },
    });
  }
  const [ref] = holderRefsOf([input.holder], deps.hashCitizenId, now, 'holder', false);
  const platform = input.platformCode.trim() === '' ? {} : { platformCode: input.platformCode.trim() };
  return deps.consents.list(deps.db, { holderSubject: ref!.subject, ...platform, ...activeAt }, page);
}
