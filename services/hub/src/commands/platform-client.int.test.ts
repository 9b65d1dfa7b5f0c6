/**
 * `onceonly platform-client` (ADR 036) on a real PostgreSQL database: a client registered with its secret printed
 * once and kept only as an scrypt hash, listed without secrets, disabled; bad input refused with nothing written.
 */
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { HUB_SCHEMA } from '../hub-events.js';
import { platformClients } from '../oauth/index.js';

const PLATFORM = '91310107MA1G8K2D32';

describe('onceonly platform-client', () => {
  let testDb: TestDatabase;
  let db: Database;
  const saved = process.env.DATABASE_URL;

  beforeAll(async () => {
    testDb = await freshDatabase('hub_platform_client');
    db = await openDatabase({ url: testDb.url });
    process.env.DATABASE_URL = testDb.url;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
    await db?.close();
    await testDb?.drop();
  });

  const count = async () => {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${HUB_SCHEMA}.platform_clients`);
    return Number(rows[0]?.n);
  };

  it('registers a client, prints its secret once, and keeps only a hash of it', async () => {
    const run = await cli([
      '--json',
      'platform-client',
      'add',
      '示例外卖平台',
      '--code',
      PLATFORM,
      '--scope',
      'certificate.check',
      'certificate.verify',
    ]);
    expect(run, run.err).toMatchObject({ code: 0 });
    const added = JSON.parse(run.out) as { clientId: string; clientSecret: string; scopes: string[]; enabled: boolean };
    expect(added).toMatchObject({ scopes: ['certificate.check', 'certificate.verify'], enabled: true });
    expect(added.clientId).toMatch(/^pc_[A-Za-z0-9_-]{22}$/);
    expect(added.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.query<{ secret_hash: string }>(`SELECT secret_hash FROM ${HUB_SCHEMA}.platform_clients`);
    expect(rows[0]?.secret_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0]?.secret_hash).not.toContain(added.clientSecret);
    const clients = platformClients(db, HUB_SCHEMA);
    expect(await clients.authenticate(added.clientId, added.clientSecret)).toMatchObject({ platformCode: PLATFORM });
    expect(await clients.authenticate(added.clientId, `${added.clientSecret}x`)).toBeUndefined();

    const listed = JSON.parse((await cli(['--json', 'platform-client', 'list'])).out) as { clients: object[] };
    expect(listed.clients).toEqual([expect.objectContaining({ clientId: added.clientId, name: '示例外卖平台' })]);
    expect(JSON.stringify(listed)).not.toContain(added.clientSecret);

    expect((await cli(['platform-client', 'disable', added.clientId])).code).toBe(0);
    expect(await clients.authenticate(added.clientId, added.clientSecret)).toBeUndefined();
    const missing = await cli(['--json', 'platform-client', 'disable', 'pc_nobody']);
    expect(JSON.parse(missing.err)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('refuses an unknown scope, a code that is not a credit code, and a taken id, writing nothing', async () => {
    const before = await count();
    const add = (...args: string[]) => cli(['--json', 'platform-client', 'add', '平台', ...args]);
    for (const run of [
      await add('--code', PLATFORM, '--scope', 'admin'),
      await add('--code', '91310107MA1G8K2D33', '--scope', 'certificate.check'),
    ]) {
      expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    }
    expect((await add('--code', PLATFORM, '--scope', 'certificate.check', '--client-id', 'pc-one')).code).toBe(0);
    const taken = await add('--code', PLATFORM, '--scope', 'certificate.check', '--client-id', 'pc-one');
    expect(JSON.parse(taken.err)).toMatchObject({ error: { code: 'ALREADY_EXISTS' } });
    expect(await count()).toBe(before + 1);
  });
});
