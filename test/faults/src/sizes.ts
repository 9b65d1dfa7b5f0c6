/** How big a run is: the load's concurrency and pace, and how long each fault and its surroundings last. */
export interface Size {
  readonly name: string;
  /** Concurrent clients, each issuing and then changing or suspending, one command at a time. */
  readonly workers: number;
  /** Pause between one client's commands. */
  readonly pauseMs: number;
  /** Load before each fault. */
  readonly warmMs: number;
  /** Load after each fault ends. */
  readonly tailMs: number;
  /** How long the broker stays stopped. */
  readonly brokerDownMs: number;
  /** How long the audit service stays paused (SIGSTOP). */
  readonly auditPausedMs: number;
  /** One attempt's gRPC deadline. */
  readonly attemptMs: number;
  /** A client gives a command up after retrying this long. */
  readonly giveUpMs: number;
  /** The audit log and the consumer must have caught up within this after a fault. */
  readonly catchUpMs: number;
}

/** The sizes by name: `ci` (bounded for CI, about 5 minutes on 2 cores) and `full` (the durations). */
export const SIZES: Record<string, Size> = {
  ci: {
    name: 'ci',
    workers: 2,
    pauseMs: 100,
    warmMs: 5_000,
    tailMs: 5_000,
    brokerDownMs: 10_000,
    auditPausedMs: 15_000,
    attemptMs: 10_000,
    giveUpMs: 120_000,
    catchUpMs: 240_000,
  },
  full: {
    name: 'full',
    workers: 4,
    pauseMs: 50,
    warmMs: 20_000,
    tailMs: 20_000,
    brokerDownMs: 20_000,
    auditPausedMs: 60_000,
    attemptMs: 10_000,
    giveUpMs: 180_000,
    catchUpMs: 600_000,
  },
};
