/** When the log signs a checkpoint: every `everyEntries` new leaves, or `everyMs` after the last one if it grew. */
export interface CheckpointPolicy {
  readonly everyEntries: number;
  readonly everyMs: number;
}

/** The defaults: 1000 entries or 10 seconds. */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { everyEntries: 1000, everyMs: 10_000 };

/** The latest checkpoint, as the scheduler sees it. */
export interface LastCheckpoint {
  readonly size: number;
  readonly at: Date;
}

/**
 * True when a checkpoint of a tree of `size` leaves is due. The first checkpoint is always due (even of the empty
 * tree, so that a fresh log can be verified at once); after that only a tree that grew gets one, as soon as it grew
 * by `everyEntries` or `everyMs` passed since the last one.
 */
export function checkpointDue(
  policy: CheckpointPolicy,
  size: number,
  last: LastCheckpoint | undefined,
  now: Date,
): boolean {
  if (last === undefined) return true;
  if (size <= last.size) return false;
  return size - last.size >= policy.everyEntries || now.getTime() - last.at.getTime() >= policy.everyMs;
}

/** How long the scheduler may sleep before the time rule can next make a checkpoint due (at least 0). */
export function nextCheckpointDelay(policy: CheckpointPolicy, last: LastCheckpoint | undefined, now: Date): number {
  if (last === undefined) return 0;
  return Math.max(0, last.at.getTime() + policy.everyMs - now.getTime());
}
