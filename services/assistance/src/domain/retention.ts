import { addCalendarDays, type PlainDate } from '@onceonly/workdays';
import type { AssistanceRequest } from './request.js';

/**
 * Personal data in a finished request is kept for a while, then purged (the EU's IMI blocks it 6 months after an
 * exchange is closed): the person's keyed hash and mask, the request's and the answer's fields (they may describe
 * the person) go; the case, the departments, the dates, the ratings and the digests in the events stay, so that the
 * indicators and the audit trail still hold.
 */

/** Days after closing (or withdrawing) before personal data is purged (default 183: about 6 months). */
export const DEFAULT_RETENTION_DAYS = 183;

/** Whether `r` holds personal data that is due for purging on `today`. */
export function purgeDue(r: AssistanceRequest, today: PlainDate, retentionDays = DEFAULT_RETENTION_DAYS): boolean {
  if (r.personalDataPurgedOn !== undefined || r.closedOn === undefined) return false;
  if (r.status !== 'closed' && r.status !== 'withdrawn') return false;
  const holdsPersonalData = r.subject?.kind === 'person';
  return holdsPersonalData && addCalendarDays(r.closedOn, retentionDays) <= today;
}

/** The request without its personal data (the version moves on: it is a change like any other). */
export function purgePersonalData(r: AssistanceRequest, today: PlainDate): AssistanceRequest {
  const { subject: _subject, ...rest } = r;
  return {
    ...rest,
    fields: {},
    ...(r.answer ? { answer: { ...r.answer, fields: {} } } : {}),
    personalDataPurgedOn: today,
    version: r.version + 1,
  };
}
