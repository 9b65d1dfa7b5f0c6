import type { Logger } from 'pino';
import { addLiveOutbox } from './live.js';
import { createRelay, type Relay, type RelayOptions } from './relay.js';

/** Where the relay registers its stop hook: kit's `Lifecycle` fits (hooks run in reverse order of registration). */
export interface StopHooks {
  onStop(name: string, hook: () => Promise<void>): void;
}

/** Options of {@link startOutboxRelay}: the relay's own, plus where to stop it. */
export interface StartRelayOptions extends RelayOptions {
  readonly lifecycle: StopHooks;
  /** Names the stop hook and the log line (default: `<schema> outbox relay`). */
  readonly name?: string;
  /** How long the stop hook waits for the outbox to drain (default 5 s); what is left is kept for the next start. */
  readonly flushTimeoutMs?: number;
  /** Runs at stop before the flush, for a last event of the process (the hub's `hub.stopped`). */
  readonly beforeStop?: () => Promise<void>;
  readonly log?: Logger;
}

/**
 * Starts a schema's outbox relay and registers its stop hook: flush (bounded), then stop. The one way a service
 * runs its relay, so that every service drains its outbox the same way at shutdown.
 * @example
 * const relay = startOutboxRelay({ db, schema: 'certificate', transport, log, lifecycle: ctx.lifecycle });
 */
export function startOutboxRelay(options: StartRelayOptions): Relay {
  const { lifecycle, name, flushTimeoutMs, beforeStop, ...relayOptions } = options;
  const relay = createRelay(relayOptions);
  relay.start();
  const unlist = addLiveOutbox({ db: options.db, schema: options.schema, relay });
  lifecycle.onStop(name ?? `${options.schema} outbox relay`, async () => {
    unlist();
    await beforeStop?.();
    await relay
      .flush({ timeoutMs: flushTimeoutMs ?? 5_000 })
      .catch((err: unknown) =>
        options.log?.warn({ err, schema: options.schema }, 'outbox not fully flushed; it is kept for the next start'),
      );
    await relay.stop();
  });
  return relay;
}
