import { createEmbeddedTransport, type EmbeddedTransport } from '@onceonly/events';
import { type Database, openDatabase } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext, ServiceModule } from '../service-module.js';
import { hostModules } from './index.js';

// hostModules over PGlite in memory and the embedded log: it only passes them on, so the cheapest real ones do.

let db: Database;
let transport: EmbeddedTransport;

beforeAll(async () => {
  db = await openDatabase({ memory: true });
  transport = await createEmbeddedTransport({ db });
});

afterAll(async () => {
  await transport?.close();
  await db?.close();
});

/** A module that records when it starts and stops, and the context it was given. */
function probe(name: string, events: string[], seen: ServiceContext[] = []): ServiceModule {
  return {
    name,
    async start(ctx) {
      events.push(`start ${name}`);
      seen.push(ctx);
      ctx.lifecycle.onStop(name, () => void events.push(`stop ${name}`));
    },
  };
}

describe('hostModules', () => {
  it('starts the modules in order with one context, then serves, and stops them in reverse order', async () => {
    const events: string[] = [];
    const seen: ServiceContext[] = [];
    const host = await hostModules({ db, transport, modules: [probe('a', events, seen), probe('b', events, seen)] });
    expect(events).toEqual(['start a', 'start b']);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toMatchObject({ db, transport, mode: 'external', env: {} });
    expect(host.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const report = await host.stop();
    expect(report.ok).toBe(true);
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(host.logLines().some((line) => line.msg === 'stopped')).toBe(true);
  });

  it('stops what started when a later module fails to start, and rejects with its error', async () => {
    const events: string[] = [];
    const failure = new Error('config missing');
    const failing: ServiceModule = {
      name: 'broken',
      start: async () => {
        throw failure;
      },
    };
    await expect(hostModules({ db, transport, modules: [probe('a', events), failing] })).rejects.toBe(failure);
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('with deferServer, serves only when asked, after services were added', async () => {
    const host = await hostModules({ db, transport, modules: [], deferServer: true });
    expect(host.address).toBe('');
    const address = await host.listen();
    expect(host.address).toBe(address);
    await host.stop();
  });
});
