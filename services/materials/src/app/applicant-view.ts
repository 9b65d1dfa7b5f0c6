import { AppError } from '@onceonly/errors';
import type { EvidenceNotification, EvidenceRequest, ReuseRecord } from '../domain/consent.js';
import type { ConsentDeps } from './consent-ports.js';
import { type Actor, type NamedApplicant, ownerOf } from './ports.js';

/**
 * ListReuses (the applicant's view): everything reused from the applicant's records (by whom, when, for which
 * application, on what legal basis) and every request about them. Read through the portal acting for the applicant,
 * or by an auditor; each read is recorded (`materials.reuses.read`) before it is answered.
 * @throws AppError MATERIALS_ACCESS_DENIED for any other role (a department reads its own notifications instead).
 */
export async function listReusesCase(
  deps: ConsentDeps,
  input: { actor: Actor; applicant: NamedApplicant },
): Promise<{ reuses: ReuseRecord[]; requests: EvidenceRequest[] }> {
  if (input.actor.role !== 'portal' && input.actor.role !== 'auditor') {
    throw new AppError('MATERIALS_ACCESS_DENIED', 'the applicant’s view is read through the portal (or by an auditor)');
  }
  const applicant = ownerOf(deps, input.applicant);
  const [reuses, requests] = await Promise.all([
    deps.consent.reusesOf(deps.db, applicant.key),
    deps.consent.requestsOf(deps.db, applicant.key),
  ]);
  const read = { applicantKey: applicant.key, reader: input.actor.code, role: input.actor.role, count: reuses.length };
  await deps.db.transaction((tx) => deps.consentOutbox.reusesRead(tx, read, deps.clock()));
  deps.relay.kick();
  return { reuses, requests };
}

/**
 * ListNotifications: the calling department's notifications (an auditor names none: refused), newest first.
 * @throws AppError MATERIALS_ACCESS_DENIED for a caller that is not a department.
 */
export async function listNotificationsCase(
  deps: ConsentDeps,
  input: { actor: Actor; applicationId?: string; limit: number },
): Promise<EvidenceNotification[]> {
  if (input.actor.role !== 'department') {
    throw new AppError('MATERIALS_ACCESS_DENIED', 'a department reads its own notifications');
  }
  return deps.consent.notificationsOf(deps.db, {
    departmentCode: input.actor.code,
    ...(input.applicationId ? { applicationId: input.applicationId } : {}),
    limit: input.limit,
  });
}
