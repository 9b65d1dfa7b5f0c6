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
  /** A commitment's post-check due date passed without a check (the sweep, once per commitment). */
  commitmentOverdue: 'credit.commitment.overdue',
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

/** The event types of 双随机、一公开 (ADR 019, ADR 025). */
export const INSPECTION_EVENT_TYPES = {
  taskCommitted: 'inspection.task.committed',
  drawCompleted: 'inspection.draw.completed',
  resultRecorded: 'inspection.result.recorded',
} as const;

/**
 * The topic of inspections: tasks committed and draws made, keyed by the task id, kept forever (a draw must stay
 * verifiable as long as anyone may question it). The audit log reads it like every `onceonly.*` topic, so the
 * commitment becomes a leaf whose first signed checkpoint seeds the draw.
 */
export const INSPECTION_TOPIC = defineTopic({
  name: 'onceonly.inspection.v1',
  partitions: 3,
  retentionMs: -1,
  owner: 'credit',
  eventTypes: Object.values(INSPECTION_EVENT_TYPES),
});

/**
 * The audit log's checkpoint topic and event type, as its contracts publish them (proto/onceonly/audit/v1/events.proto):
 * the credit service reads it and keeps the checkpoints signed by the log's key (ADR 025). Not owned here.
 */
export const AUDIT_CHECKPOINTS = {
  topic: 'onceonly.audit.checkpoints.v1',
  type: 'audit.checkpoint.signed',
  /** As the audit log creates it (one partition, kept forever), so the consumer may start before the log does. */
  spec: defineTopic({
    name: 'onceonly.audit.checkpoints.v1',
    partitions: 1,
    retentionMs: -1,
    owner: 'audit',
    eventTypes: ['audit.checkpoint.signed'],
  }),
} as const;
