import { describe, expect, it } from 'vitest';
import { checkpointDue, nextCheckpointDelay } from './checkpoint-policy.js';

const policy = { everyEntries: 1000, everyMs: 10_000 };
const at = new Date('2024-05-01T00:00:00Z');
const later = (ms: number) => new Date(at.getTime() + ms);

describe('when a checkpoint is due', () => {
  it('is due at once when the log has none, even for the empty tree', () => {
    expect(checkpointDue(policy, 0, undefined, at)).toBe(true);
  });

  it('is not due while the tree has not grown, however long ago the last one was', () => {
    expect(checkpointDue(policy, 10, { size: 10, at }, later(3_600_000))).toBe(false);
  });

  it('is due once the tree grew by the entry count', () => {
    expect(checkpointDue(policy, 1009, { size: 10, at }, later(1))).toBe(false);
    expect(checkpointDue(policy, 1010, { size: 10, at }, later(1))).toBe(true);
  });

  it('is due once the interval passed and the tree grew', () => {
    expect(checkpointDue(policy, 11, { size: 10, at }, later(9_999))).toBe(false);
    expect(checkpointDue(policy, 11, { size: 10, at }, later(10_000))).toBe(true);
  });

  it('says how long until the interval can make one due', () => {
    expect(nextCheckpointDelay(policy, { size: 1, at }, later(4_000))).toBe(6_000);
    expect(nextCheckpointDelay(policy, { size: 1, at }, later(40_000))).toBe(0);
    expect(nextCheckpointDelay(policy, undefined, at)).toBe(0);
  });
});
