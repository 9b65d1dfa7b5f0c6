import { defineTopic } from '@onceonly/events';

/**
 * The topics this service owns: the one home of its `defineTopic`s. The composition root (`module.ts`) registers
 * them; the event adapters write to them.
 */

/** The event types of the audit log. */
export const AUDIT_EVENT_TYPES = {
  checkpointSigned: 'audit.checkpoint.signed',
} as const;

/**
 * The topic of checkpoints. One partition (checkpoints are few and ordered), kept forever (they are small and
 * witnesses may come late). The log does not read it back: a checkpoint leaf would grow the tree and call for the
 * next checkpoint, forever.
 */
export const CHECKPOINT_TOPIC = defineTopic({
  name: 'onceonly.audit.checkpoints.v1',
  partitions: 1,
  retentionMs: -1,
  owner: 'audit',
  eventTypes: Object.values(AUDIT_EVENT_TYPES),
});
