/** The hub's own commands against a hub running in this process with no service modules. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { EXIT } from '../client.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

describe('onceonly health', () => {
  let hub: RunningHub;
  let dataDir = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-health-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = await startHub({ config, log: createLogger({ level: 'silent', process: 'hub' }), modules: [] });
  });
  afterAll(async () => {
    await hub?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 0 when the hub is SERVING', async () => {
    const run = await cli(['--addr', hub.address, '--json', 'health']);
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.out)).toMatchObject({ status: 'SERVING' });
  });

  it('exits 3 (unhealthy) for a service the hub does not host', async () => {
    const run = await cli(['--addr', hub.address, '--json', 'health', '--service', 'no.such.Service']);
    expect(run, run.err).toMatchObject({ code: EXIT.unhealthy });
    expect(JSON.parse(run.out)).toMatchObject({ status: 'SERVICE_UNKNOWN' });
  });

  it('exits 1 with UNAVAILABLE when no hub answers (an error, not a health status)', async () => {
    const run = await cli(['--addr', '127.0.0.1:1', '--timeout', '2000', '--json', 'health']);
    expect(run.code).toBe(EXIT.failed);
    expect(JSON.parse(run.err).error.code).toMatch(/^(UNAVAILABLE|DEADLINE_EXCEEDED)$/);
  });
});
