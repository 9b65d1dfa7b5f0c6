import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceContext } from './service-module.js';

/**
 * Starts a consumer whose topic another service creates (it may start later, or elsewhere): tries again with a
 * growing wait (up to 5 s) until it subscribes, and stops it at the host's stop.
 */
export function startWhenTopicExists(
  ctx: Pick<ServiceContext, 'log' | 'lifecycle'>,
  name: string,
  consumer: { start(): Promise<void>; stop(): Promise<void> },
): void {
  const { log, lifecycle } = ctx;
  const stopping = new AbortController();
  const started = (async () => {
    for (let waitMs = 100; !stopping.signal.aborted; waitMs = Math.min(waitMs * 2, 5_000)) {
      try {
        await consumer.start();
        return;
      } catch (err) {
        if (waitMs === 100) log.info({ err, consumer: name }, 'consumer waits for its topic');
        await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  })();
  lifecycle.onStop(name, async () => {
    stopping.abort();
    await started;
    await consumer.stop();
  });
}
