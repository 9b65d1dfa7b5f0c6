import { readFile } from 'node:fs/promises';
import type { Database } from '@onceonly/store';

/** `sysconf(_SC_CLK_TCK)`: 100 on Linux. */
const CLOCK_TICKS = 100;

/** CPU milliseconds (user + system) of a process so far, from `/proc/<pid>/stat`; undefined when it is gone. */
async function processCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may hold spaces, in parentheses): utime and stime are 14th and 15th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** The PostgreSQL backends serving `db`'s database, and their CPU so far. */
async function backendsCpu(db: Database): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
  );
  const found = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = await processCpuMs(pid);
    if (ms !== undefined) found.set(pid, ms);
  }
  return found;
}

/**
 * CPU milliseconds the PostgreSQL backends of `db`'s database spent during `fn` (every client backend of the
 * database, the service's and the bench's alike; a backend started during `fn` counts from zero, one that ended is
 * lost), read from `/proc/<pid>/stat` (10 ms ticks). Undefined when the server is not on this machine (no backend's
 * `/proc` entry readable), so that a remote PostgreSQL reports nothing rather than zero.
 */
export async function backendCpuDuring<T>(db: Database, fn: () => Promise<T>): Promise<{ result: T; ms?: number }> {
  const before = await backendsCpu(db);
  const result = await fn();
  const after = await backendsCpu(db);
  if (after.size === 0) return { result };
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return { result, ms };
}
