import type { Logger } from './logger.js';

/** Extra time a hook gets beyond the grace period before it is abandoned (the gRPC hook uses the grace itself). */
export const HOOK_MARGIN_MS = 2_000;

/** What a stop hook receives. */
export interface StopContext {
  /** The grace period for draining (pass it to `GrpcServer.shutdown`). */
  readonly graceMs: number;
  /** Why the process stops: a signal name, or the reason given to `stop`. */
  readonly reason: string;
}

/** A function run at stop: closes one thing. */
export type StopHook = (context: StopContext) => Promise<void> | void;

/** Options of {@link Lifecycle.onStop}. */
export interface StopHookOptions {
  /** How long the hook may run before it is abandoned. Default: graceMs + {@link HOOK_MARGIN_MS}. */
  timeoutMs?: number;
}

/** How a stop went. */
export interface StopReport {
  /** True when every hook finished in time without throwing. */
  ok: boolean;
  /** Names of the hooks that threw or timed out. */
  failed: string[];
}

/** The signals that stop a service. */
export type StopSignal = 'SIGTERM' | 'SIGINT';

/** The part of `process` the signal handlers use (replaceable in tests). */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

/** Options of {@link createLifecycle}. */
export interface LifecycleOptions {
  log: Logger;
  /** How long in-flight work may drain at stop. */
  graceMs: number;
  /** Called with the exit code after a signal-initiated stop, or at once on a second signal. Default process.exit. */
  exit?: (code: number) => void;
  /** Where signals come from. Default `process`. */
  signals?: SignalSource;
}

/** Ordered shutdown for one process. */
export interface Lifecycle {
  /**
   * Registers a hook. Hooks run one at a time in reverse registration order: register connections first,
   * then the outbox relay, then the gRPC server, so that the server drains first and connections close last.
   */
  onStop(name: string, hook: StopHook, options?: StopHookOptions): void;
  /** Runs the hooks once; later calls return the same promise. */
  stop(reason?: string): Promise<StopReport>;
  /**
   * Stops on SIGTERM and SIGINT, then exits (0 when every hook succeeded, else 1). A second signal exits at once
   * with code 130. Returns a function that removes the handlers.
   */
  installSignalHandlers(): () => void;
  /** True once `stop` has been called. */
  readonly stopping: boolean;
}

interface Registered {
  name: string;
  hook: StopHook;
  timeoutMs: number;
}

const TIMED_OUT = Symbol('timed out');

async function runHook(entry: Registered, context: StopContext, log: Logger): Promise<boolean> {
  const started = Date.now();
  log.info({ hook: entry.name }, `closing ${entry.name}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), entry.timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => entry.hook(context)), timeout]);
    if (result === TIMED_OUT) {
      log.error({ hook: entry.name, timeoutMs: entry.timeoutMs }, `${entry.name} did not close in time`);
      return false;
    }
    log.info({ hook: entry.name, durationMs: Date.now() - started }, `${entry.name} closed`);
    return true;
  } catch (err) {
    log.error({ hook: entry.name, err }, `${entry.name} failed to close`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the lifecycle of a process: stop hooks with timeouts, run in reverse order, once.
 *
 * @example
 * const life = createLifecycle({ log, graceMs: 10_000 });
 * life.onStop('database', () => db.close());
 * life.onStop('outbox relay', () => relay.flushAndStop());
 * life.onStop('gRPC server', ({ graceMs }) => server.shutdown(graceMs));
 * life.installSignalHandlers();
 */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { log, graceMs } = options;
  const hooks: Registered[] = [];
  let stopped: Promise<StopReport> | undefined;

  const runAll = async (reason: string): Promise<StopReport> => {
    log.info({ reason, hooks: hooks.length }, 'stopping');
    const failed: string[] = [];
    for (const entry of [...hooks].reverse()) {
      if (!(await runHook(entry, { graceMs, reason }, log))) failed.push(entry.name);
    }
    log.info({ failed }, failed.length === 0 ? 'stopped' : 'stopped with failures');
    log.flush?.();
    return { ok: failed.length === 0, failed };
  };

  const lifecycle: Lifecycle = {
    get stopping() {
      return stopped !== undefined;
    },
    onStop(name, hook, hookOptions = {}) {
      if (stopped) throw new Error(`onStop(${name}) after stop`);
      hooks.push({ name, hook, timeoutMs: hookOptions.timeoutMs ?? graceMs + HOOK_MARGIN_MS });
    },
    stop(reason = 'stop requested') {
      stopped ??= runAll(reason);
      return stopped;
    },
    installSignalHandlers() {
      const source = options.signals ?? process;
      const exit = options.exit ?? ((code: number) => process.exit(code));
      const handle = (signal: StopSignal) => {
        if (stopped) {
          log.warn({ signal }, 'second signal: exiting without waiting');
          exit(130);
          return;
        }
        log.info({ signal }, 'signal received');
        void lifecycle.stop(signal).then((report) => exit(report.ok ? 0 : 1));
      };
      const onTerm = () => handle('SIGTERM');
      const onInt = () => handle('SIGINT');
      source.on('SIGTERM', onTerm);
      source.on('SIGINT', onInt);
      return () => {
        source.off('SIGTERM', onTerm);
        source.off('SIGINT', onInt);
      };
    },
  };
  return lifecycle;
}
