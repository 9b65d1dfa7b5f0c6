import { describe, expect, it } from 'vitest';
import { batchRead } from './batch-read.js';

/** A load the test answers by hand, from a table it may change between reads. */
function manualLoads(table: Map<string, number>) {
  const calls: { keys: readonly string[]; answer: () => void; fail: (err: unknown) => void }[] = [];
  const load = (keys: readonly string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      const snapshot = new Map([...table].filter(([k]) => keys.includes(k))); // read when the statement starts
      calls.push({ keys, answer: () => resolve(snapshot), fail: reject });
    });
  return { calls, load };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('batchRead', () => {
  it('reads a lone key at once, and answers undefined for a missing one', async () => {
    const { calls, load } = manualLoads(new Map([['a', 1]]));
    const read = batchRead({ load });
    const a = read('a');
    const missing = read('zz');
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'zz']]);
    calls[0]!.answer();
    expect([await a, await missing]).toEqual([1, undefined]);
  });

  it('gathers the keys asked while the reads are busy into the next read, each key once', async () => {
    const { calls, load } = manualLoads(
      new Map([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]),
    );
    const read = batchRead({ load, maxInFlight: 1 });
    const first = read('a');
    await tick();
    const rest = ['b', 'c', 'b'].map(read);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a']]);
    calls[0]!.answer();
    await first;
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c']]);
    calls[1]!.answer();
    expect(await Promise.all(rest)).toEqual([2, 3, 2]);
  });

  it('never lets a caller join a read that started before it asked (it sees what committed before it asked)', async () => {
    const table = new Map([['a', 1]]);
    const { calls, load } = manualLoads(table);
    const read = batchRead({ load });
    const early = read('a');
    await tick(); // the first read has started, with the old value
    table.set('a', 2); // a change commits
    const late = read('a');
    await tick();
    calls[0]!.answer();
    calls[1]?.answer();
    expect(await early).toBe(1);
    expect(await late).toBe(2);
    expect(calls).toHaveLength(2);
  });

  it('rejects every caller of a failed read with its error, and no caller of another', async () => {
    const { calls, load } = manualLoads(new Map([['b', 2]]));
    const read = batchRead({ load, maxInFlight: 1 });
    const first = Promise.allSettled([read('a'), read('x')]);
    await tick();
    const second = read('b');
    calls[0]!.fail(new Error('connection lost'));
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await tick();
    calls[1]!.answer();
    expect(await second).toBe(2);
  });

  it('splits at maxBatch', async () => {
    const { calls, load } = manualLoads(new Map());
    const read = batchRead({ load, maxBatch: 2, maxInFlight: 8 });
    const all = ['a', 'b', 'c'].map(read);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b'], ['c']]);
    for (const c of calls) c.answer();
    expect(await Promise.all(all)).toEqual([undefined, undefined, undefined]);
  });
});
