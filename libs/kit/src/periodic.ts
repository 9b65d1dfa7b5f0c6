import type { ServiceContext } from './service-module.js';

/**
 * Runs `run` now and every `intervalMs` (a service's sweep: expiries, deadline alerts, grade reviews), one run at a
 * time: a tick during a slow run is skipped, not queued. A failed run is logged as a warning and tried again at the
 * next tick; the timer does not keep the process alive; the stop hook `name` aborts `signal` (a long run checks it
 * between steps and returns early) and waits for a run in progress.
 */
export function startPeriodic(
  ctx: Pick<ServiceContext, 'log' | 'lifecycle'>,
  name: string,
  intervalMs: number,
  run: (signal: AbortSignal) => Promise<void>,
): void {
  const stopping = new AbortController();
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    running = run(stopping.signal)
      .catch((err: unknown) => ctx.log.warn({ err }, `${name} failed; retried later`))
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  ctx.lifecycle.onStop(name, async () => {
    clearInterval(timer);
    stopping.abort();
    await running;
  });
}
