import { appendToOutbox } from '@onceonly/events';
import type { Transaction } from '@onceonly/store';
import type { CheckpointTx, SignedCheckpoint } from '../../app/checkpointer.js';
import { CHECKPOINT_TOPIC } from '../../topics.js';
import { AUDIT_SCHEMA, bytes, checkpointStore, logReader } from '../db/audit-store.js';
import { subjectMapPort } from '../db/subject-map-store.js';
import { CheckpointSignedEvent } from './checkpoint-event.js';

/**
 * The checkpointer's port over one transaction: the tree head (read, or locked), the subject map, the latest
 * checkpoint, and saving a signed checkpoint
 * with its `audit.checkpoint.signed` event in the outbox, in that same transaction.
 */
export function checkpointTx(tx: Transaction, origin: string): CheckpointTx {
  const reader = logReader(tx);
  return {
    head: () => reader.head(),
    async lockHead() {
      const { rows } = await tx.query('SELECT size, root FROM audit.tree_head WHERE id FOR UPDATE');
      if (!rows[0]) throw new Error('audit.tree_head is missing');
      return { size: Number(rows[0].size), root: bytes(rows[0].root) };
    },
    subjectMap: subjectMapPort(tx),
    async latest() {
      const last = await reader.latestCheckpoint();
      return last ? { size: last.size, at: last.createdAt } : undefined;
    },
    async save(checkpoint: SignedCheckpoint) {
      if (!(await checkpointStore.insert(tx, checkpoint))) return false;
      const event = CheckpointSignedEvent.make({
        subject: origin,
        time: checkpoint.createdAt,
        data: {
          origin,
          size: String(checkpoint.size),
          rootHash: Buffer.from(checkpoint.root),
          signedNote: checkpoint.note,
          signedAt: checkpoint.createdAt.toISOString(),
        },
      });
      await appendToOutbox(tx, AUDIT_SCHEMA, [{ topic: CHECKPOINT_TOPIC.name, event }]);
      return true;
    },
    keySigns: (verifierKey, fromSize) => checkpointStore.recordKey(tx, verifierKey, origin, fromSize),
  };
}
