import { appendToOutbox } from '@onceonly/events';
import type { Transaction } from '@onceonly/store';
import type { CheckpointTx, SignedCheckpoint } from '../../app/checkpointer.js';
import { CHECKPOINT_TOPIC } from '../../topics.js';
import { AUDIT_SCHEMA, checkpointStore, logReader } from '../db/audit-store.js';
import { CheckpointSignedEvent } from './checkpoint-event.js';

/**
 * The checkpointer's port over one transaction: the tree head, the latest checkpoint, and saving a signed checkpoint
 * with its `audit.checkpoint.signed` event in the outbox, in that same transaction.
 */
export function checkpointTx(tx: Transaction, origin: string): CheckpointTx {
  const reader = logReader(tx);
  return {
    head: () => reader.head(),
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
  };
}
