import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Queryable } from '@onceonly/store';
import { startWaitSampler, type WaitShares } from './wait-sampler.js';

/**
 * CPU time of every process a pipeline crosses, in ms per event: the bench process (writers, relay, consumer and the
 * Kafka clients), the PostgreSQL backends of the run's database, and the local broker's JVM. Together with the
 * machine's cores this bounds the pipeline's rate whatever the scheduling: at C ms per event, N cores give at most
 * N × 1000 / C events/s.
 */
export interface MachineCpu {
  bench: number;
  /** The backends whose process title names the run's database (read from /proc; see {@link startCpuMeter}). */
  postgres: number;
  /** The broker JVM, every thread; undefined when the broker is not a local one of this checkout (KAFKA_BROKERS). */
  broker: number | undefined;
  total: number;
  /** Backends seen, and how many had exited before the end (their CPU counted up to the last sample only). */
  backends: { seen: number; exited: number };
  /** `cores × 1000 / total`: the rate this CPU per event allows on this machine's cores, at best. */
  boundPerSecond: number;
  cores: number;
  /** What the run database's backends waited for meanwhile, sampled (`wait-sampler.ts`); undefined without a database. */
  waits: WaitShares | undefined;
}

export interface CpuMeter {
  /** Stops the meter: the CPU spent since it started, per event. */
  stop(events: number): MachineCpu;
}

const TICK_MS = 1000 / clockTicks();
const SAMPLE_MS = 1000;

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process (all its threads), in ticks; undefined when it is gone. */
function ticks(pid: number): number | undefined {
  return statTicks(`/proc/${pid}/stat`);
}

/** CPU milliseconds (user + system) so far of the process or thread whose `/proc/.../stat` file is `file`. */
export function statCpuMs(file: string): number | undefined {
  const t = statTicks(file);
  return t === undefined ? undefined : t * TICK_MS;
}

/** utime + stime in ticks from a `/proc/.../stat` file (a process's or `/proc/thread-self/stat`); undefined if gone. */
function statTicks(file: string): number | undefined {
  try {
    const stat = readFileSync(file, 'latin1');
    // the fields after the command (which may hold spaces) start at the state, field 3; utime and stime are 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * The backends of `database`: PostgreSQL titles each `postgres: [cluster: ]user database host(port) state`. Read
 * from /proc, so nothing is sent to the server being measured; a server on another machine shows none (0 ms).
 */
function backendsOf(database: string): number[] {
  const pids: number[] = [];
  const needle = ` ${database} `;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
    } catch {
      continue;
    }
    if (cmdline.startsWith('postgres: ') && cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Starts measuring: the bench process through `process.cpuUsage`, the broker by its pid, and the backends of `db`'s
 * database by a scan of /proc now, once a second, and at the end. A backend found at the start counts from its ticks
 * then; one found later counts from 0 (it was started during the measurement: its start-up is part of the cost); one
 * gone before the end counts up to its last sample (at most a second of it lost: `backends.exited` says how many).
 * With a database, the backends' waits are sampled too (`waits`: lock and WAL waits per event, ADR 060).
 */
export async function startCpuMeter(db: Queryable | undefined, brokerPid: number | undefined): Promise<CpuMeter> {
  const database = db ? (await db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d : undefined;
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const exited = new Set<number>();
  const sample = (atStart: boolean) => {
    if (database === undefined) return;
    for (const pid of backendsOf(database)) {
      if (!first.has(pid)) first.set(pid, atStart ? (ticks(pid) ?? 0) : 0);
    }
    for (const pid of first.keys()) {
      if (exited.has(pid)) continue;
      const t = ticks(pid);
      if (t === undefined) exited.add(pid);
      else last.set(pid, t);
    }
  };
  sample(true);
  const broker0 = brokerPid === undefined ? undefined : ticks(brokerPid);
  const cpu0 = process.cpuUsage();
  const waits = db === undefined ? undefined : startWaitSampler(db);
  const timer = setInterval(() => sample(false), SAMPLE_MS);
  timer.unref();
  return {
    stop(events) {
      const cpu = process.cpuUsage(cpu0);
      const broker1 = brokerPid === undefined ? undefined : ticks(brokerPid);
      clearInterval(timer);
      sample(false);
      let pgTicks = 0;
      for (const [pid, t0] of first) pgTicks += (last.get(pid) ?? t0) - t0;
      const bench = (cpu.user + cpu.system) / 1000 / events;
      const postgres = (pgTicks * TICK_MS) / events;
      const broker =
        broker0 === undefined || broker1 === undefined ? undefined : ((broker1 - broker0) * TICK_MS) / events;
      const total = bench + postgres + (broker ?? 0);
      const cores = availableParallelism();
      return {
        bench,
        postgres,
        broker,
        total,
        backends: { seen: first.size, exited: exited.size },
        boundPerSecond: (cores * 1000) / total,
        cores,
        waits: waits?.stop(events),
      };
    },
  };
}
