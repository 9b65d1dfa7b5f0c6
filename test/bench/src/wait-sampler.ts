import type { Queryable } from '@onceonly/store';
import { fmt } from './suite.js';

/**
 * What the run's PostgreSQL backends waited for, in ms per event, estimated from samples of `pg_stat_activity`:
 * each sample counts the active backends of the run's database by wait event and weighs the time since the sample
 * before, so that Σ backends × time approximates the time they spent waiting (an M/M/∞ count, Little's law).
 * - `lock`: heavyweight locks (`Lock`: a row or table another transaction holds, such as a counter row);
 * - `lwlock`: PostgreSQL's internal locks (`LWLock`: `WALWrite` is a commit queued behind another one's WAL flush);
 * - `io`: reads, writes and flushes (`IO`: `WALSync` is the commit's own flush).
 * `top` is the wait event with the most time. A backend on the CPU, or idle, or waiting for its client, is no wait.
 */
export interface WaitShares {
  samples: number;
  lock: number;
  lwlock: number;
  io: number;
  top: { event: string; msPerEvent: number } | undefined;
}

/** One sample: the ms it stands for (since the one before) and the waiting backends it saw, by type and event. */
export interface WaitSample {
  weightMs: number;
  rows: readonly { type: string; event: string; n: number }[];
}

export interface WaitSampler {
  /** Stops sampling (a query in flight is not waited for) and returns the waits per event so far. */
  stop(events: number): WaitShares;
}

/** Every 25 ms: about 40 small queries a second, 1 % of a core on this machine, counted with the run's backends. */
const INTERVAL_MS = 25;

const TYPES: Readonly<Record<string, 'lock' | 'lwlock' | 'io'>> = { Lock: 'lock', LWLock: 'lwlock', IO: 'io' };

/** Starts sampling the backends of `db`'s database (the sampler's own excluded) until `stop`. */
export function startWaitSampler(db: Queryable): WaitSampler {
  const samples: WaitSample[] = [];
  let stopped = false;
  const loop = async () => {
    let previous = performance.now();
    while (!stopped) {
      const { rows } = await db.query<{ type: string; event: string; n: number }>(
        `SELECT wait_event_type AS type, wait_event AS event, count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
           AND wait_event_type IN ('Lock', 'LWLock', 'IO')
         GROUP BY 1, 2`,
      );
      const now = performance.now();
      if (stopped) break;
      samples.push({ weightMs: now - previous, rows });
      previous = now;
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
  };
  // a failed sample (the pool closed under it at the run's end) ends the sampling; the run reports what it had
  void loop().catch(() => undefined);
  return {
    stop(events) {
      stopped = true;
      return summariseWaits(samples, events);
    },
  };
}

/** The samples' waits per event by type, and the one wait event with the most time. */
export function summariseWaits(samples: readonly WaitSample[], events: number): WaitShares {
  const byType = { lock: 0, lwlock: 0, io: 0 };
  const byEvent = new Map<string, number>();
  for (const { weightMs, rows } of samples) {
    for (const { type, event, n } of rows) {
      const kind = TYPES[type];
      if (kind === undefined) continue;
      byType[kind] += n * weightMs;
      const name = `${type}:${event}`;
      byEvent.set(name, (byEvent.get(name) ?? 0) + n * weightMs);
    }
  }
  let top: WaitShares['top'];
  for (const [event, ms] of byEvent) {
    if (top === undefined || ms / events > top.msPerEvent) top = { event, msPerEvent: ms / events };
  }
  return {
    samples: samples.length,
    lock: byType.lock / events,
    lwlock: byType.lwlock / events,
    io: byType.io / events,
    top,
  };
}

/** `w`, measured over one "event" (the whole run: `stop(1)`), per each of `n` operations. */
export function waitsPer(w: WaitShares, n: number): WaitShares {
  const top = w.top === undefined ? undefined : { event: w.top.event, msPerEvent: w.top.msPerEvent / n };
  return { samples: w.samples, lock: w.lock / n, lwlock: w.lwlock / n, io: w.io / n, top };
}

/** `Lock + LWLock + IO` ms per event and the largest wait event; a dash without samples. */
export function waitsCell(w: WaitShares | undefined): string {
  if (w === undefined || w.samples === 0) return '–';
  const top = w.top === undefined ? 'none' : `${w.top.event} ${fmt(w.top.msPerEvent, 3)}`;
  return `${fmt(w.lock, 3)} + ${fmt(w.lwlock, 3)} + ${fmt(w.io, 3)} (most: ${top}; ${w.samples} samples)`;
}
