import type { ReplayParts } from './audit-replay.js';
import { fmt } from './suite.js';

/** What the replay's parts alone say of its line, in seconds per replay: see {@link replayFloor}. */
export interface ReplayFloor {
  /** Both reads alone, one after the other: what the replay's one thread does at least. */
  readonly reads: number;
  /** The most the replay could reach, × the bare read, whatever its checks cost (bare read ÷ both reads). */
  readonly bound: number;
  /** The line, 0.5 × the bare read: the whole replay within twice the bare read's time. */
  readonly line: number;
  /** What the line leaves for every check and match after both reads (negative: the reads alone miss it). */
  readonly leftForChecks: number;
  /** The checks of the stored log alone: the replay without the bus less the log's pages. */
  readonly logChecks: number;
}

/** The figures of {@link replayFloor}. */
export function replayFloorFigures(parts: ReplayParts, bareReadSeconds: number): ReplayFloor {
  const reads = parts.bus.seconds + parts.log.seconds;
  const line = 2 * bareReadSeconds;
  return {
    reads,
    bound: bareReadSeconds / reads,
    line,
    leftForChecks: line - reads,
    logChecks: parts.withoutBus.seconds - parts.log.seconds,
  };
}

/**
 * The replay's parts beside its line (ADR 062): in one thread it does at least both reads, so their sum bounds its
 * rate whatever its checks cost, and the line (0.5 × the bare read) leaves what remains of twice the bare read's
 * time for every check and match.
 */
export function replayFloor(parts: ReplayParts, bareRead: { readonly seconds: number }, rounds: number): string {
  const f = replayFloorFigures(parts, bareRead.seconds);
  const cpu = [parts.bus, parts.log, parts.withoutBus].map((p) => fmt(p.mainThreadBusySeconds, 2));
  return [
    `The replay's parts alone (ADR 062; medians of ${rounds} rounds): the bus read ${fmt(parts.bus.seconds, 2)} s,`,
    `the stored log's pages ${fmt(parts.log.seconds, 2)} s, the replay without the bus ${fmt(parts.withoutBus.seconds, 2)} s`,
    `(the main thread ${cpu[0]}, ${cpu[1]} and ${cpu[2]} s of CPU). In one thread the replay does at least both reads,`,
    `${fmt(f.reads, 2)} s: at most ${fmt(f.bound, 3)} × the bare read whatever its checks cost. The line, 0.5 × the bare`,
    `read, needs the whole replay within ${fmt(f.line, 2)} s, which leaves ${fmt(f.leftForChecks, 2)} s for every check and`,
    `match; the checks of the stored log alone take ${fmt(f.logChecks, 2)} s (the replay without the bus less the log's`,
    `pages), before the bus's events are hashed and matched.`,
  ].join(' ');
}
