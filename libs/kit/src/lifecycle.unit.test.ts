import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { memoryLog } from '../test/memory-log.js';
import { createLifecycle, type SignalSource, type StopSignal } from './lifecycle.js';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const signals: SignalSource & { send(signal: StopSignal): void } = {
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    send: (signal) => emitter.emit(signal),
  };
  return { signals, exits, exit: (code: number) => exits.push(code) };
}

describe('createLifecycle', () => {
  it('runs hooks once, in reverse registration order, with the grace period', async () => {
    const { log } = memoryLog();
    const life = createLifecycle({ log, graceMs: 1_000 });
    const order: string[] = [];
    life.onStop('database', () => {
      order.push('database');
    });
    life.onStop('outbox relay', async () => {
      await sleep(10);
      order.push('outbox relay');
    });
    life.onStop('gRPC server', ({ graceMs }) => {
      order.push(`gRPC server ${graceMs}`);
    });
    const first = life.stop();
    expect(life.stop()).toBe(first);
    expect(await first).toEqual({ ok: true, failed: [] });
    expect(order).toEqual(['gRPC server 1000', 'outbox relay', 'database']);
    expect(life.stopping).toBe(true);
  });

  it('abandons a hook that overruns its timeout and a hook that throws, and goes on', async () => {
    const { log, entries } = memoryLog();
    const life = createLifecycle({ log, graceMs: 50 });
    const closed: string[] = [];
    life.onStop('connections', () => {
      closed.push('connections');
    });
    life.onStop('stuck', () => new Promise(() => undefined), { timeoutMs: 30 });
    life.onStop('broken', () => {
      throw new Error('boom');
    });
    expect(await life.stop()).toEqual({ ok: false, failed: ['broken', 'stuck'] });
    expect(closed).toEqual(['connections']);
    expect(entries().map((e) => e.msg)).toEqual(
      expect.arrayContaining(['closing stuck', 'stuck did not close in time', 'broken failed to close']),
    );
  });

  it('stops on SIGTERM and exits 0; a second signal exits at once', async () => {
    const { log } = memoryLog();
    const { signals, exits, exit } = fakeProcess();
    const life = createLifecycle({ log, graceMs: 1_000, signals, exit });
    const released: (() => void)[] = [];
    life.onStop('slow', () => new Promise<void>((resolve) => released.push(resolve)));
    const uninstall = life.installSignalHandlers();
    signals.send('SIGTERM');
    await sleep(5);
    expect(life.stopping).toBe(true);
    signals.send('SIGINT');
    expect(exits).toEqual([130]);
    for (const release of released) release();
    await life.stop();
    await sleep(5);
    expect(exits).toEqual([130, 0]);
    uninstall();
  });

  it('exits 1 when a hook failed', async () => {
    const { log } = memoryLog();
    const { signals, exits, exit } = fakeProcess();
    const life = createLifecycle({ log, graceMs: 100, signals, exit });
    life.onStop('broken', () => Promise.reject(new Error('boom')));
    life.installSignalHandlers();
    signals.send('SIGINT');
    await life.stop();
    await sleep(5);
    expect(exits).toEqual([1]);
  });

  it('removes its signal handlers', () => {
    const { log } = memoryLog();
    const { signals, exits, exit } = fakeProcess();
    const life = createLifecycle({ log, graceMs: 100, signals, exit });
    life.installSignalHandlers()();
    signals.send('SIGTERM');
    expect(life.stopping).toBe(false);
    expect(exits).toEqual([]);
  });
});
