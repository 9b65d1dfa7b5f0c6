import { CONTRACT_TOPICS } from '@onceonly/contracts';
import { defineTopic } from '@onceonly/events';

/** The event types of the credit service. */
export const CREDIT_EVENT_TYPES = {
  recorded: 'credit.record.recorded',
  repairApplied: 'credit.record.repair-applied',
  repairDecided: 'credit.record.repair-decided',
  gradeChanged: 'credit.grade.changed',
  profileRead: 'credit.profile.read',
  /** A licensing record's licence changed state (from the certificate service's status events). */
  recordUpdated: 'credit.record.updated',
  /** A commitment (告知承诺) tracked from `certificate.issued`, then checked: kept or broken. */
  commitmentTracked: 'credit.commitment.tracked',
  commitmentKept: 'credit.commitment.kept',
  commitmentBroken: 'credit.commitment.broken',
} as const;

/**
 * The topic of credit: every record and grade change, keyed by the subject key (one subject's events stay in
 * order), kept three years like the longest publicity window. Department systems consume it to follow the records
 * and grades of the entities they supervise. (`onceonly.inspection.v1` comes with the draws.)
 */
export const CREDIT_TOPIC = defineTopic({
  name: CONTRACT_TOPICS.credit,
  partitions: 3,
  retentionMs: 3 * 366 * 24 * 3600 * 1000,
  owner: 'credit',
  eventTypes: Object.values(CREDIT_EVENT_TYPES),
});
