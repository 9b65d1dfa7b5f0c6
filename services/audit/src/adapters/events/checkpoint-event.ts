import { auditEventsV1 } from '@onceonly/contracts';
import { defineEvent, defineTopic } from '@onceonly/events';

/** The source of the audit log's own events. */
export const AUDIT_SOURCE = '/onceonly/audit';

/** `audit.checkpoint.signed`: the log signed a checkpoint (key: the log's origin, so they stay in order). */
export const CheckpointSignedEvent = defineEvent({
  type: 'audit.checkpoint.signed',
  source: AUDIT_SOURCE,
  dataschema: 'proto:onceonly.audit.v1.CheckpointSigned',
  codec: auditEventsV1.CheckpointSigned,
});

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
  eventTypes: [CheckpointSignedEvent.type],
});
