import { defineTopic } from '@onceonly/events';

/** The event types of the credit service. */
export const CREDIT_EVENT_TYPES = {
  recorded: 'credit.record.recorded',
  repairApplied: 'credit.record.repair-applied',
  repairDecided: 'credit.record.repair-decided',
  gradeChanged: 'credit.grade.changed',
  profileRead: 'credit.profile.read',
} as const;

/**
 * The topic of credit: every record and grade change, keyed by the subject key (one subject's events stay in
 * order), kept three years like the longest publicity window. Department systems consume it to follow the records
 * and grades of the entities they supervise. (`onceonly.inspection.v1` comes with the draws.)
 */
export const CREDIT_TOPIC = defineTopic({
  name: 'onceonly.credit.v1',
  partitions: 3,
  retentionMs: 3 * 366 * 24 * 3600 * 1000,
  owner: 'credit',
  eventTypes: Object.values(CREDIT_EVENT_TYPES),
});
