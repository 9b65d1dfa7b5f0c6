/**
 * `onceonly retention status` and `retention run [--dry-run]` (ADR 051) as an operator runs them: the built CLI in a
 * child process, against a real PostgreSQL database and an embedded (PGlite) data folder holding outboxes and inboxes
 * of the hub's schemas. `status` reads only (a role that may only read runs it, and may not run a pass); a dry run
 * deletes nothing; a pass deletes what `status` said, published old outbox rows and inbox rows past their topic's keep,
 * never an unpublished row nor a topic kept for ever; Ctrl-C stops a pass after its current batch (exit 1) and the
 * next pass goes on; an invalid setting exits 2.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inboxMigrations, outboxMigrations } from '@onceonly/events';
import { type Database, migrate, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Run {
  out: string;
  err: string;
  code: number | null;
}

/** Starts the CLI; `onErr` sees each chunk of standard error as it comes (with the child, to signal it). */
function start(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onErr?: (chunk: string, child: ChildProcess) => void,
): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH, ONCEONLY_LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    onErr?.(c.toString(), child);
    err += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ out, err, code })));
}

const cli = (args: readonly string[], env: NodeJS.ProcessEnv) => start(args, env);

/**
 * `certificate`'s outbox: 30 published rows 10 days old, 5 published recent ones, 4 old ones not numbered yet;
 * `audit`'s inbox: 20 rows of the 7-day hub topic 20 days old (kept 15 days), 10 recent ones, 7 rows of the seal
 * topic (kept for ever) and 3 of a topic the hub does not know, 400 days old.
 */
async function fill(db: Database): Promise<void> {
  await migrate(db, { schema: 'certificate', migrations: [...outboxMigrations('certificate')] });
  await migrate(db, { schema: 'audit', migrations: inboxMigrations('audit') });
  await db.query(
    `INSERT INTO certificate.outbox (event_id, topic, key, source, type, sequence, headers, body, created_at)
     SELECT 'e' || n, 'onceonly.certificate.v1', 'k', '/onceonly/certificate', 'certificate.issued',
            CASE WHEN n <= 35 THEN n END, '{}'::jsonb, '\\x00'::bytea,
            CASE WHEN n <= 30 OR n > 35 THEN now() - interval '10 days' ELSE now() END
     FROM generate_series(1, 39) n`,
  );
  await db.query(
    `INSERT INTO certificate.outbox_sequence (source, last, published) VALUES ('/onceonly/certificate', 35, 35)`,
  );
  await db.query(
    `INSERT INTO audit.inbox (consumer_group, event_id, topic, partition, "offset", handled_at)
     SELECT 'onceonly-audit', 'i' || n,
            CASE WHEN n <= 30 THEN 'onceonly.hub.v1' WHEN n <= 37 THEN 'onceonly.seal.v1' ELSE 'someone.else.v1' END,
            0, n,
            CASE WHEN n <= 20 THEN now() - interval '20 days' WHEN n <= 30 THEN now() ELSE now() - interval '400 days' END
     FROM generate_series(1, 40) n`,
  );
}

async function counts(db: Database): Promise<{ outbox: number; inbox: number }> {
  const { rows } = await db.query<{ outbox: number; inbox: number }>(
    'SELECT (SELECT count(*) FROM certificate.outbox)::int AS outbox, (SELECT count(*) FROM audit.inbox)::int AS inbox',
  );
  return rows[0]!;
}

describe('onceonly retention on PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;
  const reader = `retention_reader_${process.pid}`;
  let readerUrl: string;

  beforeAll(async () => {
    testDb = await freshDatabase('hub_retention');
    db = await openDatabase({ url: testDb.url });
    await fill(db);
    // a role that may read the tables and nothing more
    await db.query(`DROP ROLE IF EXISTS ${reader}`);
    await db.query(`CREATE ROLE ${reader} LOGIN`);
    await db.query(`GRANT USAGE ON SCHEMA certificate, audit TO ${reader}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA certificate, audit TO ${reader}`);
    const url = new URL(testDb.url);
    url.username = reader;
    url.password = '';
    readerUrl = url.toString();
  });

  afterAll(async () => {
    await db?.query(`DROP OWNED BY ${reader}`);
    await db?.query(`DROP ROLE ${reader}`);
    await db?.close();
    await testDb?.drop();
  });

  it('shows what a pass would delete, reading only, and a role that may only read may not run a pass', async () => {
    const status = await cli(['--json', 'retention', 'status'], { DATABASE_URL: readerUrl });
    expect(status, status.err).toMatchObject({ code: 0 });
    const shown = JSON.parse(status.out);
    expect(shown).toMatchObject({
      settings: { outboxMs: 7 * 86_400_000, inboxMs: 7 * 86_400_000, intervalMs: 3_600_000 },
      outboxes: [
        {
          schema: 'certificate',
          sources: [{ source: '/onceonly/certificate', rows: 39, published: 35, deletable: 30 }],
        },
      ],
      inboxes: [
        {
          schema: 'audit',
          topics: [
            { topic: 'onceonly.hub.v1', rows: 30, keepMs: 15 * 86_400_000, deletable: 20 },
            { topic: 'onceonly.seal.v1', rows: 7, deletable: 0 },
            { topic: 'someone.else.v1', rows: 3, deletable: 0 },
          ],
        },
      ],
      deletable: { outbox: 30, inbox: 20 },
    });
    expect(shown.inboxes[0].topics[1].keepMs).toBeUndefined();

    const text = await cli(['retention', 'status'], { DATABASE_URL: readerUrl });
    expect(text.out).toContain(
      '/onceonly/certificate  39 rows (35 published, 4 not), oldest 10d ago; a pass deletes 30',
    );
    expect(text.out).toContain('onceonly.hub.v1  30 rows, oldest 20d ago; kept 15d; a pass deletes 20');
    expect(text.out).toContain('onceonly.seal.v1  7 rows, oldest 400d ago; kept for ever');
    expect(text.out).toContain('a pass now deletes 30 outbox rows and 20 inbox rows');

    const refused = await cli(['--json', 'retention', 'run'], { DATABASE_URL: readerUrl });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.err)).toMatchObject({ error: { code: expect.any(String) } });
    expect(await counts(db)).toEqual({ outbox: 39, inbox: 40 });
  });

  it('a dry run deletes nothing; a pass deletes what status said, and then there is nothing left to delete', async () => {
    const dry = await cli(['retention', 'run', '--dry-run'], { DATABASE_URL: testDb.url });
    expect(dry, dry.err).toMatchObject({ code: 0 });
    expect(dry.out).toContain('a pass now deletes 30 outbox rows and 20 inbox rows');
    expect(dry.out).toContain('dry run: nothing deleted');
    expect(await counts(db)).toEqual({ outbox: 39, inbox: 40 });

    const pass = await cli(['retention', 'run', '--database-url', testDb.url], {});
    expect(pass, pass.err).toMatchObject({ code: 0 });
    expect(pass.out).toMatch(/deleted 30 outbox rows \(certificate 30\) and 20 inbox rows \(audit 20\) in \d+\.\d s/);
    expect(await counts(db)).toEqual({ outbox: 9, inbox: 20 });
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM certificate.outbox WHERE sequence IS NULL',
    );
    expect(rows[0]!.n).toBe(4);

    const after = JSON.parse((await cli(['--json', 'retention', 'status'], { DATABASE_URL: testDb.url })).out);
    expect(after.deletable).toEqual({ outbox: 0, inbox: 0 });
    const again = JSON.parse((await cli(['--json', 'retention', 'run'], { DATABASE_URL: testDb.url })).out);
    expect(again).toMatchObject({ outbox: { certificate: 0 }, inbox: { audit: 0 }, interrupted: false });
  });

  it('an invalid setting exits 2 before it opens the database', async () => {
    const run = await cli(['--json', 'retention', 'run'], {
      DATABASE_URL: testDb.url,
      ONCEONLY_OUTBOX_RETENTION: '7x',
    });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
  });
});

describe('onceonly retention run interrupted (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let db: Database;
  const rows = 200_000;

  beforeAll(async () => {
    testDb = await freshDatabase('hub_retention_int');
    db = await openDatabase({ url: testDb.url });
    await migrate(db, { schema: 'certificate', migrations: outboxMigrations('certificate') });
    await db.query(
      `INSERT INTO certificate.outbox (event_id, topic, key, source, type, sequence, headers, body, created_at)
       SELECT 'e' || n, 'onceonly.certificate.v1', 'k', '/onceonly/certificate', 'certificate.issued', n, '{}'::jsonb,
              '\\x00'::bytea, now() - interval '10 days'
       FROM generate_series(1, $1::int) n`,
      [rows],
    );
    await db.query(
      `INSERT INTO certificate.outbox_sequence (source, last, published) VALUES ('/onceonly/certificate', $1, $1)`,
      [rows],
    );
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const left = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM certificate.outbox')).rows[0]!.n;

  it('stops after its current batch on Ctrl-C, says so, exits 1, and the next pass goes on', async () => {
    // SIGINT at the first progress line: the pass has begun deleting
    let signalled = false;
    const { code, out, err } = await start(['retention', 'run'], { DATABASE_URL: testDb.url }, (chunk, child) => {
      if (!signalled && chunk.includes('retention: outbox certificate')) signalled = child.kill('SIGINT');
    });
    expect({ code, out }, err).toMatchObject({ code: 1 });
    expect(out).toContain('interrupted after its current batch: deleted');
    const deleted = Number(/deleted ([\d,]+) outbox rows/.exec(out)?.[1]?.replaceAll(',', ''));
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(rows);
    expect(await left()).toBe(rows - deleted);

    const again = await cli(['--json', 'retention', 'run'], { DATABASE_URL: testDb.url });
    expect(again, again.err).toMatchObject({ code: 0 });
    expect(JSON.parse(again.out)).toMatchObject({ outbox: { certificate: rows - deleted }, interrupted: false });
    expect(await left()).toBe(0);
  });
});

describe('onceonly retention on the embedded database (PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onceonly-retention-'));

  beforeAll(async () => {
    const db = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    try {
      await fill(db);
    } finally {
      await db.close();
    }
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a pass on the data folder, and says to stop the hub when it holds the folder', async () => {
    const env = { ONCEONLY_DATA_DIR: dataDir };
    const status = JSON.parse((await cli(['--json', 'retention', 'status'], env)).out);
    expect(status.deletable).toEqual({ outbox: 30, inbox: 20 });
    const pass = await cli(['--json', 'retention', 'run'], env);
    expect(pass, pass.err).toMatchObject({ code: 0 });
    expect(JSON.parse(pass.out)).toMatchObject({ outbox: { certificate: 30 }, inbox: { audit: 20 } });

    const held = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    try {
      expect(await counts(held)).toEqual({ outbox: 9, inbox: 20 });
      const busy = await cli(['--json', 'retention', 'status'], env);
      expect(busy.code).toBe(1);
      expect(JSON.parse(busy.err)).toMatchObject({
        error: { code: 'DB_UNAVAILABLE', message: expect.stringContaining('stop the embedded hub first') },
      });
    } finally {
      await held.close();
    }
  });
});
