import { describe, expect, it } from 'vitest';
import { longestGap, markdownTable, type PhaseRow, passed } from './report.js';

const row = (over: Partial<PhaseRow> = {}): PhaseRow => ({
  fault: 'kill -9 certificate replica',
  sent: 10,
  acknowledged: 9,
  unacknowledged: 1,
  refused: 0,
  retries: 3,
  lost: 0,
  doubled: 0,
  redelivered: 2,
  firstAckS: 0.25,
  ackGapS: 4,
  caughtUpS: 3.5,
  replay: 'clean',
  crashes: 0,
  ...over,
});

describe('the longest stretch without an acknowledgement', () => {
  it('counts from the phase start to the first ack, between acks, and from the last ack to the end', () => {
    expect(longestGap([2_000, 3_000], 0, 10_000)).toBe(7);
    expect(longestGap([5_000, 6_000], 0, 7_000)).toBe(5);
  });

  it('is the whole phase when nothing was acknowledged, and ignores acks outside it', () => {
    expect(longestGap([], 1_000, 4_000)).toBe(3);
    expect(longestGap([500, 9_000], 1_000, 4_000)).toBe(3);
  });
});

describe('the verdict', () => {
  it('passes when nothing was lost, doubled or refused and every replay was clean', () => {
    expect(passed([row(), row({ unacknowledged: 5, redelivered: 40 })])).toBe(true);
  });

  it.each([
    ['lost', { lost: 1 }],
    ['doubled', { doubled: 1 }],
    ['refused', { refused: 1 }],
    ['a replay divergence', { replay: '2 divergence(s)' }],
  ])('fails on %s', (_, over) => {
    expect(passed([row(), row(over)])).toBe(false);
  });
});

describe('the Markdown table', () => {
  it('has one row per fault and a total that sums the counts and keeps the last cumulative check', () => {
    const lines = markdownTable([
      row(),
      row({ fault: 'audit paused 60 s', sent: 5, lost: 0, firstAckS: undefined }),
    ]).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toBe(
      '| kill -9 certificate replica | 10 | 9 | 1 | 0 | 3 | 0 | 0 | 2 | 0.3 | 4.0 | 3.5 | clean | 0 |',
    );
    expect(lines[3]).toContain('| none |');
    expect(lines[4]).toBe('| **total** | 15 | 18 | 2 | 0 | 6 | 0 | 0 | 2 |  |  |  |  | 0 |');
  });
});
