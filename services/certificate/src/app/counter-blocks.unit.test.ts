import { describe, expect, it } from 'vitest';
import { counterBlocks } from './counter-blocks.js';

/** A store of counters: each reservation advances them by the counts asked, like the statement. */
function store(options: { fail?: () => boolean } = {}) {
  const last = new Map<string, number>();
  const reservations: Map<string, number>[] = [];
  let release: (() => void) | undefined;
  let held = false;
  return {
    reservations,
    /** Holds the next reservations until `release()`. */
    hold() {
      held = true;
    },
    release() {
      held = false;
      release?.();
    },
    reserve: async (counts: ReadonlyMap<string, number>) => {
      reservations.push(new Map(counts));
      if (held) await new Promise<void>((resolve) => (release = resolve));
      if (options.fail?.()) throw new Error('connection lost');
      const firsts = new Map<string, number>();
      for (const [name, count] of counts) {
        const first = (last.get(name) ?? 0) + 1;
        last.set(name, first + count - 1);
        firsts.set(name, first);
      }
      return firsts;
    },
  };
}

describe('counterBlocks (numbers and slots from blocks reserved ahead, ADR 017)', () => {
  it('hands out unique values in arrival order, one reservation for everything waiting', async () => {
    const s = store();
    s.hold();
    const take = counterBlocks({ reserve: s.reserve, now: () => 0 });
    const first = take(['n', 's']);
    const rest = Array.from({ length: 7 }, () => take(['n', 's']));
    s.release();
    // the first reservation was for the first request alone; the seven that came meanwhile share the next
    expect(await first).toEqual([1, 1]);
    expect(await Promise.all(rest)).toEqual(Array.from({ length: 7 }, (_, i) => [i + 2, i + 2]));
    expect(s.reservations.map((r) => Object.fromEntries(r))).toEqual([
      { n: 1, s: 1 },
      { n: 7, s: 7 },
    ]);
  });

  it('grows the block while blocks are used up within the window, and shrinks it when they last', async () => {
    const s = store();
    let clock = 0;
    const take = counterBlocks({ reserve: s.reserve, now: () => clock, maxBlock: 8, windowMs: 1_000 });
    const values: number[] = [];
    for (let i = 0; i < 15; i++) values.push(...(await take(['n'])));
    expect(values).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    // 1, then 2, 4, 8, capped at 8
    expect(s.reservations.map((r) => r.get('n'))).toEqual([1, 2, 4, 8]);
    clock = 5_000; // a block that lasted longer than the window: the next one is half as large
    expect(await take(['n'])).toEqual([16]);
    expect(await take(['n'])).toEqual([17]);
    expect(s.reservations.at(-1)?.get('n')).toBe(4);
  });

  it('keeps the values of each counter unique across many concurrent takers of several counters', async () => {
    const s = store();
    const take = counterBlocks({ reserve: s.reserve });
    const asked = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? ['a', 'x'] : i % 3 === 1 ? ['b', 'x'] : ['x']));
    const got = await Promise.all(asked.map((names) => take(names)));
    const byCounter = new Map<string, number[]>();
    asked.forEach((names, i) => {
      for (const [j, name] of names.entries()) byCounter.set(name, [...(byCounter.get(name) ?? []), got[i]![j]!]);
    });
    for (const [, values] of byCounter) expect(new Set(values).size).toBe(values.length);
    expect(byCounter.get('x')).toHaveLength(300);
    // never more reserved than asked plus one block per counter (the gap a stop leaves)
    const reserved = (name: string) => s.reservations.reduce((sum, r) => sum + (r.get(name) ?? 0), 0);
    expect(reserved('x')).toBeLessThanOrEqual(300 + 64);
  });

  it('fails the takers waiting for a failed reservation with its error, and reserves again for later ones', async () => {
    let failing = true;
    const s = store({ fail: () => failing });
    const take = counterBlocks({ reserve: s.reserve });
    await expect(Promise.all([take(['n']), take(['n'])])).rejects.toThrow('connection lost');
    failing = false;
    expect(await take(['n'])).toEqual([1]);
  });

  it('refuses an answer without the values asked for', async () => {
    const take = counterBlocks({ reserve: async () => new Map() });
    await expect(take(['n'])).rejects.toThrow('no values reserved for n');
  });
});
