import { checkNamespace, createEmbeddedTransport, defineTopic, type EmbeddedTransport } from '@onceonly/events';
import { type Database, openDatabase } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext, ServiceModule } from '../service-module.js';
import { hostModules, uniqueNamespace } from './index.js';

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

  it('with a namespace, gives the modules the transport in it: their topics are <namespace>.<name> on the log', async () => {
    const namespace = uniqueNamespace();
    const topic = defineTopic({ name: 'onceonly.hosttest.v1', partitions: 1, owner: 'a', eventTypes: [] });
    const publisher: ServiceModule = {
      name: 'publisher',
      async start(ctx) {
        await ctx.transport.ensureTopics([topic]);
        await ctx.transport.publish([{ topic: topic.name, key: 'k', value: new Uint8Array([1]), headers: {} }]);
      },
    };
    const host = await hostModules({ db, transport, namespace, modules: [publisher] });
    expect(host.namespace).toBe(namespace);
    expect(host.context.transport).not.toBe(transport);
    const rows = await db.query<{ topic: string }>('SELECT DISTINCT topic FROM eventlog.events');
    expect(rows.rows.map((r) => r.topic)).toEqual([`${namespace}.onceonly.hosttest.v1`]);
    await host.stop();
  });

  it('without a namespace, passes the transport on as it is', async () => {
    const host = await hostModules({ db, transport, modules: [] });
    expect(host.namespace).toBe('');
    expect(host.context.transport).toBe(transport);
    await host.stop();
  });
});

describe('uniqueNamespace', () => {
  it('gives a valid namespace, a different one each call, with the prefix asked for', () => {
    const names = Array.from({ length: 50 }, () => uniqueNamespace());
    for (const name of names) expect(checkNamespace(name)).toBe(name);
    expect(new Set(names).size).toBe(names.length);
    expect(uniqueNamespace('city2')).toMatch(/^city2-[0-9a-f]{12}$/);
    expect(() => uniqueNamespace('Bad')).toThrow(/prefix/);
  });
});
