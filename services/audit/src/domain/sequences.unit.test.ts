import { describe, expect, it } from 'vitest';
import { advance, afterArrival, classifyArrival, SequenceTracker } from './sequences.js';

describe('classifying the arrival of a sequence number', () => {
  const state = { contiguous: 5n, maxSeen: 8n };

  it('takes the next expected number as next', () => {
    expect(classifyArrival(state, 6n, false)).toEqual({ kind: 'next' });
  });

  it('takes a number inside a known hole as a fill', () => {
    expect(classifyArrival(state, 7n, false)).toEqual({ kind: 'fill' });
  });

  it('takes the number after the highest seen as ahead, with no new hole', () => {
    expect(classifyArrival(state, 9n, false)).toEqual({ kind: 'ahead' });
  });

  it('reports a new hole once, when a number skips past the highest seen', () => {
    expect(classifyArrival(state, 12n, false)).toEqual({ kind: 'ahead', gap: { expected: 9n, got: 12n } });
    expect(classifyArrival({ contiguous: 0n, maxSeen: 0n }, 3n, false)).toEqual({
      kind: 'ahead',
      gap: { expected: 1n, got: 3n },
    });
  });

  it('reports a number already seen, or inside the complete prefix, as a repeat', () => {
    expect(classifyArrival(state, 8n, true)).toEqual({ kind: 'repeat' });
    expect(classifyArrival(state, 3n, false)).toEqual({ kind: 'repeat' });
  });

  it('moves the prefix and the maximum', () => {
    expect(afterArrival(state, 6n)).toEqual({ contiguous: 6n, maxSeen: 8n });
    expect(afterArrival(state, 12n)).toEqual({ contiguous: 5n, maxSeen: 12n });
  });

  it('absorbs numbers that arrived early, up to the next hole', () => {
    expect(advance(6n, [7n, 8n, 8n, 10n])).toEqual({ contiguous: 8n, blocked: true });
    expect(advance(6n, [7n, 8n])).toEqual({ contiguous: 8n, blocked: false });
    expect(advance(6n, [])).toEqual({ contiguous: 6n, blocked: false });
  });
});

describe('the offline sequence check', () => {
  it('finds nothing in a complete sequence that arrived out of order', () => {
    const t = new SequenceTracker();
    for (const n of [3n, 1n, 2n, 5n, 4n]) expect(t.add('/a', n, `e${n}`)).toBe(true);
    expect(t.problems()).toEqual([]);
    expect(t.sources()).toEqual([{ source: '/a', maxSeen: 5n, contiguous: 5n }]);
  });

  it('names every hole, per source', () => {
    const t = new SequenceTracker();
    for (const n of [1n, 2n, 4n, 8n, 9n]) t.add('/a', n, `a${n}`);
    for (const n of [2n]) t.add('/b', n, `b${n}`);
    expect(t.problems()).toEqual([
      { kind: 'gap', source: '/a', from: 3n, to: 3n },
      { kind: 'gap', source: '/a', from: 5n, to: 7n },
      { kind: 'gap', source: '/b', from: 1n, to: 1n },
    ]);
    expect(t.sources().map((s) => s.contiguous)).toEqual([2n, 0n]);
  });

  it('names every repeat with the event that repeated it', () => {
    const t = new SequenceTracker();
    t.add('/a', 1n, 'x');
    t.add('/a', 2n, 'y');
    expect(t.add('/a', 1n, 'z')).toBe(false);
    expect(t.problems()).toEqual([{ kind: 'repeat', source: '/a', sequence: 1n, eventId: 'z' }]);
  });

  it('merges runs from both sides', () => {
    const t = new SequenceTracker();
    for (const n of [1n, 3n, 5n, 2n, 4n]) t.add('/a', n, String(n));
    expect(t.problems()).toEqual([]);
    expect(t.add('/a', 3n, 'again')).toBe(false);
  });
});
