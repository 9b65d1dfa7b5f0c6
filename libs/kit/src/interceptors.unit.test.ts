import { describe, expect, it } from 'vitest';
import { LazyAbort } from './interceptors.js';

describe('LazyAbort (the call signal, made when first asked for)', () => {
  it('aborts a signal asked for before the abort, with the reason', () => {
    const lazy = new LazyAbort();
    const signal = lazy.signal;
    const seen: unknown[] = [];
    signal.addEventListener('abort', () => seen.push(signal.reason));
    expect(signal.aborted).toBe(false);
    lazy.abort('deadline');
    expect(signal.aborted).toBe(true);
    expect(seen).toEqual(['deadline']);
    expect(lazy.signal).toBe(signal);
  });

  it('gives an already aborted signal when first asked for after the abort, keeping the first reason', () => {
    const lazy = new LazyAbort();
    lazy.abort('cancelled');
    lazy.abort('deadline');
    const signal = lazy.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('cancelled');
  });

  it('is not aborted until aborted', () => {
    expect(new LazyAbort().signal.aborted).toBe(false);
  });
});
