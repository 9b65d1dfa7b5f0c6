import { describe, expect, it } from 'vitest';
import { waitFor } from './wait.js';

describe('waitFor', () => {
  it('returns the first truthy value of the predicate', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 });
    expect(value).toBe('after 3');
  });

  it('treats a throwing predicate as not yet, and times out with the last error as cause', async () => {
    const failure = waitFor(
      () => {
        throw new Error('not ready');
      },
      { timeoutMs: 30, intervalMs: 5, message: 'the impossible' },
    );
    await expect(failure).rejects.toThrow('waitFor: the impossible not met within 30 ms');
    await expect(failure).rejects.toHaveProperty('cause.message', 'not ready');
  });

  it('awaits async predicates', async () => {
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 20);
    await expect(waitFor(async () => ready, { timeoutMs: 1_000, intervalMs: 5 })).resolves.toBe(true);
  });
});
