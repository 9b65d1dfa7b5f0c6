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

/** The type of the log's record of a read (topic {@link readsTopic}). */
export const ENTRIES_READ_TYPE = 'audit.entries-read';

/**
 * The topic of reads: one `audit.entries-read` per read of entries, keyed by the reader's code. Unlike checkpoints,
 * the log reads it back, so every read is itself a leaf (a read of reads adds one more leaf, and stops there).
 * Its own source (`/onceonly/audit/reads`), so that its sequence has no holes where checkpoints are not logged.
 * The name is `ONCEONLY_AUDIT_READS_TOPIC` (default `onceonly.audit.reads.v1`), in the hub's namespace (ADR 023) like
 * every topic: only two logs in one namespace (tests) need their own.
 */
export function readsTopic(name = 'onceonly.audit.reads.v1') {
  return defineTopic({ name, partitions: 3, retentionMs: -1, owner: 'audit', eventTypes: [ENTRIES_READ_TYPE] });
}
