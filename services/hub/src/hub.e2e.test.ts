import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientOptions, call, checkHealth, hubClient } from './client.js';

// The hub as a user runs it: the built CLI in a child process (`npm test` builds before it tests).
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Started {
  child: ChildProcess;
  readyLine: string;
  address: string;
  output: () => string;
}

function runHub(env: NodeJS.ProcessEnv, args = ['start']): Started & { ready: Promise<void> } {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH, ONCEONLY_LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = { child, readyLine: '', address: '', output: () => out } as Started;
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('onceonly ready:'));
      if (line && !started.readyLine) {
        started.readyLine = line;
        started.address = /grpc=(\S+)/.exec(line)?.[1] ?? '';
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`hub exited with ${code} before ready:\n${out}`)));
  });
  return Object.assign(started, { ready });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

function client(address: string): ClientOptions {
  return { addr: address, as: 'e2e-test', timeoutMs: 5_000 };
}

describe('onceonly start on its embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onceonly-e2e-'));
  let hub: Started;

  beforeAll(async () => {
    const run = runHub({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = run;
    await run.ready;
  });

  afterAll(async () => {
    hub?.child.kill('SIGTERM');
    if (hub) await exitOf(hub.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints one ready line with the address, the mode and how callers are identified', () => {
    expect(hub.readyLine).toMatch(
      /^onceonly ready: grpc=127\.0\.0\.1:\d+ mode=embedded storage=pglite events=embedded .*identity=dev-metadata /,
    );
    expect(
      hub
        .output()
        .split('\n')
        .filter((l) => l.startsWith('onceonly ready:')),
    ).toHaveLength(1);
  });

  it('serves the same hub as JSON over HTTP at the address of its ready line (embedded mode)', async () => {
    const found = / http=(http:\/\/127\.0\.0\.1:\d+) openapi=\1\/openapi\.json docs=\1\/docs /.exec(hub.readyLine);
    expect(found).not.toBeNull();
    const answer = await fetch(`${found![1]}/onceonly.hub.v1.HubService/GetInfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-onceonly-caller': 'E2E-DEPT' },
      body: '{}',
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ mode: 'embedded', storage: 'pglite' });
    expect((await fetch(`${found![1]}/openapi.json`)).status).toBe(200);
  });

  it('answers a grpc.health.v1 Check with SERVING', async () => {
    expect(await checkHealth(client(hub.address))).toBe('SERVING');
    expect(await checkHealth(client(hub.address), 'onceonly.hub.v1.HubService')).toBe('SERVING');
  });

  it('describes itself to an identified caller', async () => {
    const c = hubClient(client(hub.address));
    const info = await call(c.getInfo.bind(c), {}, client(hub.address));
    c.close();
    expect(info).toMatchObject({ mode: 'embedded', storage: 'pglite', eventTransport: 'embedded' });
    expect(info.services).toContain('onceonly.hub.v1.HubService');
  });

  it('refuses a caller without identity', async () => {
    const anonymous = { addr: hub.address, timeoutMs: 5_000 };
    const c = hubClient(anonymous);
    await expect(call(c.getInfo.bind(c), {}, anonymous)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    c.close();
  });

  it('stops cleanly on SIGTERM with exit code 0', async () => {
    hub.child.kill('SIGTERM');
    expect(await exitOf(hub.child)).toBe(0);
    expect(hub.output()).toContain('"msg":"stopped"');
  });
});

describe('onceonly start with development identity off and no TLS', () => {
  it('says identity=none in its ready line, and refuses every caller', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onceonly-e2e-noid-'));
    const run = runHub({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      ONCEONLY_DATA_DIR: dataDir,
      ONCEONLY_DEV_IDENTITY: 'false',
    });
    try {
      await run.ready;
      expect(run.readyLine).toMatch(/ identity=none /);
      const c = hubClient(client(run.address));
      await expect(call(c.getInfo.bind(c), {}, client(run.address))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      c.close();
    } finally {
      run.child.kill('SIGTERM');
      await exitOf(run.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('onceonly start against real PostgreSQL and Kafka', () => {
  let db: TestDatabase;
  let hub: Started;

  // External mode fails fast without the hub CA, the key passphrase and the holder-hash key: an embedded start
  // generates a CA under the same passphrase first, and the external start is given its files.
  const keysDir = mkdtempSync(join(tmpdir(), 'onceonly-e2e-keys-'));
  const secrets = {
    ONCEONLY_KEY_PASSPHRASE: 'e2e-test-passphrase-0123456789',
    ONCEONLY_HOLDER_HASH_KEY: 'e2e-test-holder-hash-key-0123456789',
    // the materials service's content key (32 bytes, base64): required outside embedded mode
    ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 1).toString('base64'),
  };

  beforeAll(async () => {
    const embedded = runHub({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: keysDir, ...secrets });
    await embedded.ready;
    embedded.child.kill('SIGTERM');
    await exitOf(embedded.child);
    db = await freshDatabase('hub');
    const auditKey = join(keysDir, 'keys', 'audit-note.key');
    const run = runHub({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      ONCEONLY_CA_CERT: join(keysDir, 'keys', 'ca.pem'),
      ONCEONLY_CA_KEY: join(keysDir, 'keys', 'ca.key.pem'),
      ...secrets,
      // the audit log's signing key, as the embedded start generated it
      ...(existsSync(auditKey) ? { ONCEONLY_AUDIT_NOTE_KEY: readFileSync(auditKey, 'utf8').trim() } : {}),
    });
    hub = run;
    await run.ready;
  });

  afterAll(async () => {
    hub?.child.kill('SIGTERM');
    if (hub) await exitOf(hub.child);
    await db?.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('runs in external mode and is SERVING', async () => {
    expect(hub.readyLine).toMatch(/mode=external storage=postgres events=kafka/);
    expect(await checkHealth(client(hub.address))).toBe('SERVING');
  });
});

describe('bad configuration', () => {
  it.each([
    ['ONCEONLY_GRPC_ADDR', 'not-an-address'],
    ['ONCEONLY_LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['ONCEONLY_SHUTDOWN_GRACE_MS', '-5'],
  ])('stops the start with one line naming %s', async (name, value) => {
    const run = runHub({ [name]: value, ONCEONLY_DATA_DIR: join(tmpdir(), 'never-created') });
    run.ready.catch(() => undefined);
    expect(await exitOf(run.child)).toBe(2);
    const lines = run.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^onceonly: CONFIG_(INVALID|MISSING): ${name}: `));
  });

  it('refuses half of the TLS settings', async () => {
    const run = runHub({ ONCEONLY_TLS_CA: '/nonexistent/ca.pem', ONCEONLY_GRPC_ADDR: '127.0.0.1:0' });
    run.ready.catch(() => undefined);
    expect(await exitOf(run.child)).toBe(2);
    expect(run.output()).toMatch(/CONFIG_MISSING: ONCEONLY_TLS_CA, ONCEONLY_TLS_CERT and ONCEONLY_TLS_KEY go together/);
  });
});
