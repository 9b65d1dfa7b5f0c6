/**
 * The external-mode recipe of the README, end to end in this process: `onceonly init` writes the keys and an env
 * file outside the repository; a hub on real PostgreSQL and Kafka starts from that env file alone; a department
 * creates its seal (external mode seeds nothing) and issues a licence.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@onceonly/kit';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';
import { ENV_FILE, envFileText } from './init.js';

const MARKET = '11310107MB2F03587N';

/** The env file as `set -a; . file` reads it. */
function parseEnvFile(text: string): Record<string, string> {
  const pairs = text
    .split('\n')
    .filter((l) => /^[A-Z_]+='/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 2, -1)]);
  return Object.fromEntries(pairs);
}

describe('onceonly init, then a hub in external mode', () => {
  let dir = '';
  let db: TestDatabase | undefined;
  let hub: RunningHub | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-init-'));
    db = await freshDatabase('init');
  });
  afterAll(async () => {
    await hub?.stop();
    process.env = saved;
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes an env file readable by its owner only, naming every key the hub needs', async () => {
    const run = await cli(['--json', 'init', '--dir', path.join(dir, 'config')]);
    expect(run, run.err).toMatchObject({ code: 0 });
    const { envFile, variables } = JSON.parse(run.out) as { envFile: string; variables: string[] };
    expect(envFile).toBe(path.join(dir, 'config', ENV_FILE));
    expect(variables.sort()).toEqual([
      'ONCEONLY_AUDIT_NOTE_KEY',
      'ONCEONLY_CA_CERT',
      'ONCEONLY_CA_KEY',
      'ONCEONLY_HOLDER_HASH_KEY',
      'ONCEONLY_KEY_PASSPHRASE',
      'ONCEONLY_MATERIALS_KEY',
      'ONCEONLY_OAUTH_KEY',
    ]);
    expect((await stat(envFile)).mode & 0o077).toBe(0);
  });

  it('refuses a second init over the same folder, and a folder inside the repository', async () => {
    const again = await cli(['--json', 'init', '--dir', path.join(dir, 'config')]);
    expect(JSON.parse(again.err)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    const inside = await cli(['--json', 'init', '--dir', path.join(process.cwd(), 'keys-here')]);
    expect(JSON.parse(inside.err)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
  });

  it('starts a hub on PostgreSQL and Kafka from the env file; a department creates its seal and issues', async () => {
    const values = parseEnvFile(await readFile(path.join(dir, 'config', ENV_FILE), 'utf8'));
    Object.assign(process.env, values);
    const config = loadHubConfig({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: db!.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
    });
    hub = await startHub({ config, log: createLogger({ level: 'silent', process: 'hub' }) });
    expect(hub.readyLine).toMatch(/mode=external storage=postgres events=kafka/);
    const as = ['--addr', hub.address, '--as', MARKET];
    expect((await cli([...as, 'seal', 'create'])).code).toBe(0);
    const fields = { legal_representative: '王明', premises: '上海市普陀区长寿路1号', main_format: '餐饮服务经营者' };
    const issued = await cli([
      ...as,
      ...['--json', 'cert', 'issue', '--type', '11100000000013338W002', '--holder', '91310107MA1H2B3C44'],
      ...[
        '--holder-name',
        '上海示例咖啡有限公司',
        '--fields',
        JSON.stringify({ ...fields, business_items: '热食类食品制售' }),
      ],
    ]);
    expect(issued, issued.err).toMatchObject({ code: 0 });
  });

  it('quotes every value of the env file', () => {
    expect(envFileText({ A: 'x y' })).toContain("A='x y'");
    expect(() => envFileText({ A: "it's" })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
