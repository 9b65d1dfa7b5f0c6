import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedTransport, type EventTransport } from '@onceonly/events';
import { createLogger } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_MODULES } from './modules.js';

// A process that hosts the audit log but not the other services registers their declared topics (ADR 034): the
// declarations must be exactly what the modules register when they start, or an audit log alone would miss a topic.
describe("the hub's modules declare the topics they register", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onceonly-modules-'));
  let db: Database;
  let transport: EventTransport;
  let host: HostedModules;

  beforeAll(async () => {
    db = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    transport = await createEmbeddedTransport({ db, log: createLogger({ level: 'silent' }) });
    host = await hostModules({ db, transport, modules: HUB_MODULES, mode: 'embedded', dataDir, logLevel: 'warn' });
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await transport?.close();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists, across the modules, every topic they registered but the dead-letter topics', () => {
    const registered = host.context.topics
      .all()
      .filter((t) => t.deadLetterOf === undefined)
      .map((t) => t.name)
      .sort();
    const declared = HUB_MODULES.flatMap((m) => m.topics ?? []).map((t) => t.name);
    expect(declared.slice().sort()).toEqual(registered);
  });

  it("declares each topic on the module that owns it (the topic's owner is the module's name)", () => {
    for (const m of HUB_MODULES) for (const t of m.topics ?? []) expect(t.owner).toBe(m.name);
  });
});
