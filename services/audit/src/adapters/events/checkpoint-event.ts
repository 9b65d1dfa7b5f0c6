import { auditEventsV1 } from '@onceonly/contracts';
import { defineEvent } from '@onceonly/events';
import { AUDIT_EVENT_TYPES } from '../../topics.js';

/** The source of the audit log's own events. */
export const AUDIT_SOURCE = '/onceonly/audit';

/** `audit.checkpoint.signed`: the log signed a checkpoint (key: the log's origin, so they stay in order). */
export const CheckpointSignedEvent = defineEvent({
  type: AUDIT_EVENT_TYPES.checkpointSigned,
  source: AUDIT_SOURCE,
  dataschema: 'proto:onceonly.audit.v1.CheckpointSigned',
  codec: auditEventsV1.CheckpointSigned,
});
