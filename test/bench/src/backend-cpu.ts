import type { Database } from '@onceonly/store';
import { startCpuMeter } from './machine-cpu.js';

/**
 * CPU milliseconds the PostgreSQL backends of `db`'s database spent during `fn` (every client backend of the
 * database, the service's and the bench's alike), measured by the events suite's meter (`machine-cpu.ts`: /proc,
 * 10 ms ticks; a backend started during `fn` counts from zero). Undefined when the server is not on this machine (no
 * backend seen), so that a remote PostgreSQL reports nothing rather than zero.
 */
export async function backendCpuDuring<T>(db: Database, fn: () => Promise<T>): Promise<{ result: T; ms?: number }> {
  const meter = await startCpuMeter(db, undefined);
  const result = await fn();
  const cpu = meter.stop(1);
  return cpu.backends.seen === 0 ? { result } : { result, ms: cpu.postgres };
}
