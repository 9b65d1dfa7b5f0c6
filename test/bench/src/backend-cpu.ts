import type { Database } from '@onceonly/store';
import { startCpuMeter } from './machine-cpu.js';
import type { WaitShares } from './wait-sampler.js';

/**
 * CPU milliseconds the PostgreSQL backends of `db`'s database spent during `fn` (every client backend of the
 * database, the service's and the bench's alike), measured by the events suite's meter (`machine-cpu.ts`: /proc,
 * 10 ms ticks; a backend started during `fn` counts from zero). Undefined when the server is not on this machine (no
 * backend seen), so that a remote PostgreSQL reports nothing rather than zero. `waits`: what the backends waited for
 * meanwhile, sampled (`wait-sampler.ts`), in ms over the whole of `fn` (`waitsPer` divides them per operation).
 */
export async function backendCpuDuring<T>(
  db: Database,
  fn: () => Promise<T>,
): Promise<{ result: T; ms?: number; waits?: WaitShares }> {
  const meter = await startCpuMeter(db, undefined);
  const result = await fn();
  const cpu = meter.stop(1);
  const waits = cpu.waits === undefined ? {} : { waits: cpu.waits };
  return cpu.backends.seen === 0 ? { result, ...waits } : { result, ms: cpu.postgres, ...waits };
}
