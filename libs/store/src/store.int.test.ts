import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  isUniqueViolation,
  loadMigrations,
  type Migration,
  migrate,
  openDatabase,
  sqlStateOf,
  type Transaction,
  withAdvisoryLock,
} from './index.js';

let testDb: TestDatabase | undefined;
async function postgresUrl(): Promise<string> {
  testDb ??= await freshDatabase('store');
  return testDb.url;
}
afterAll(async () => {
  await testDb?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Backend {
  name: 'postgres' | 'pglite';
  open(): Promise<Database>;
}

const backends: Backend[] = [
  { name: 'postgres', open: async () => openDatabase({ url: await postgresUrl(), poolSize: 4 }) },
  { name: 'pglite', open: () => openDatabase({ memory: true }) },
];

describe.each(backends)('on $name', (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  async function count(table: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    return rows[0]!.n;
  }

  async function tableExists(qualified: string): Promise<boolean> {
    const { rows } = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [qualified]);
    return rows[0]!.present;
  }

  async function history(schema: string) {
    const { rows } = await db.query<{ version: number; name: string; checksum: string; applied_at: unknown }>(
      `SELECT version, name, checksum, applied_at FROM ${schema}.schema_migrations ORDER BY version`,
    );
    return rows;
  }

  describe('query', () => {
    it('binds $1 parameters and reports the rows and rowCount of each statement', async () => {
      await db.exec('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
      const inserted = await db.query('INSERT INTO items (id, label) VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
      expect(inserted.rowCount).toBe(2);
      const selected = await db.query<{ id: number; label: string }>('SELECT id, label FROM items WHERE id = $1', [2]);
      expect(selected).toEqual({ rows: [{ id: 2, label: 'two' }], rowCount: 1 });
      const updated = await db.query("UPDATE items SET label = label || '!' WHERE id >= $1", [1]);
      expect(updated.rowCount).toBe(2);
    });

    it('refuses several statements in one query on both backends (exec is for scripts)', async () => {
      const err = await db.query('SELECT 1; SELECT 2').catch((e: unknown) => e);
      expect(sqlStateOf(err)).toBe('42601');
    });

    it('returns int8 as a decimal string, date as YYYY-MM-DD, timestamptz as a Date', async () => {
      await db.exec(
        'CREATE TABLE vals (big bigint, day date, at timestamptz, amount numeric, doc jsonb, ids bigint[])',
      );
      const at = new Date('2024-03-01T12:34:56.789Z');
      await db.query('INSERT INTO vals VALUES ($1, $2, $3, $4, $5, $6)', [
        9007199254740993n,
        '2024-02-29',
        at,
        '12.50',
        JSON.stringify({ a: 1 }),
        ['1', '-2'],
      ]);
      await db.query('INSERT INTO vals (big) VALUES ($1)', ['-9223372036854775808']);
      const { rows } = await db.query('SELECT * FROM vals ORDER BY big DESC');
      expect(rows[0]).toEqual({
        big: '9007199254740993',
        day: '2024-02-29',
        at,
        amount: '12.50',
        doc: { a: 1 },
        ids: ['1', '-2'],
      });
      expect(rows[0]?.at).toBeInstanceOf(Date);
      expect(rows[1]?.big).toBe('-9223372036854775808');
      const counted = await db.query('SELECT count(*) AS n FROM vals');
      expect(counted.rows[0]).toEqual({ n: '2' });
    });

    it('passes a unique violation through with its SQLSTATE', async () => {
      await db.exec('CREATE TABLE uniq (id int PRIMARY KEY)');
      await db.query('INSERT INTO uniq VALUES (1)');
      const err = await db.query('INSERT INTO uniq VALUES (1)').catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });

    it('runs a prepared statement as an unprepared one, again and again, inside a transaction and outside', async () => {
      await db.exec('CREATE TABLE prepared (id int PRIMARY KEY, label text NOT NULL)');
      const insert = 'INSERT INTO prepared (id, label) VALUES ($1, $2) RETURNING id, label';
      // more calls than the pool has connections: every connection prepares it once, then reuses it
      for (let i = 1; i <= 12; i++) {
        const { rows, rowCount } = await db.query(insert, [i, `n${i}`], { prepare: true });
        expect({ rows, rowCount }).toEqual({ rows: [{ id: i, label: `n${i}` }], rowCount: 1 });
      }
      const err = await db.query(insert, [1, 'again'], { prepare: true }).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      const kept = await db.transaction(async (tx) => {
        await tx.query(insert, [13, 'n13'], { prepare: true });
        const { rows } = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1',
          [insert],
        );
        return rows[0]!.n;
      });
      // PostgreSQL keeps it on the connection; PGlite runs it as any statement
      expect(kept).toBe(backend.name === 'postgres' ? 1 : 0);
      expect(await count('prepared')).toBe(13);
    });
  });

  describe('transaction', () => {
    beforeAll(async () => {
      await db.exec('CREATE TABLE ledger (id int PRIMARY KEY, note text)');
    });

    it('commits when the callback resolves and returns its value', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO ledger VALUES ($1, $2)', [1, 'a']);
        await tx.query('INSERT INTO ledger VALUES ($1, $2)', [2, 'b']);
        return 'done';
      });
      expect(value).toBe('done');
      expect(await count('ledger')).toBe(2);
    });

    it('rolls back and rethrows the same error when the callback throws', async () => {
      const boom = new Error('boom');
      const before = await count('ledger');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO ledger VALUES ($1, $2)', [10, 'x']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await count('ledger')).toBe(before);
    });

    it('rolls back earlier statements when a later one fails', async () => {
      const before = await count('ledger');
      const err = await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO ledger VALUES ($1, $2)', [20, 'kept?']);
          await tx.query('INSERT INTO ledger VALUES ($1, $2)', [1, 'duplicate']);
        })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      expect(await count('ledger')).toBe(before);
    });

    it('keeps other calls from seeing an open transaction', async () => {
      const before = await count('ledger');
      const tx = db
        .transaction(async (t) => {
          await t.query('INSERT INTO ledger VALUES ($1, $2)', [30, 'uncommitted']);
          await sleep(200);
          throw new Error('abandon');
        })
        .catch(() => 'rolled back');
      await sleep(50);
      // on PGlite (one connection) this waits for the transaction; interleaved, it would see the uncommitted row
      expect(await count('ledger')).toBe(before);
      expect(await tx).toBe('rolled back');
    });

    it('rejects a call to the database itself from inside its transaction', { timeout: 10_000 }, async () => {
      const err = await db.transaction(async () => db.query('SELECT 1')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'INTERNAL' });
      expect(await db.query('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
    });

    it('rejects a transaction handle used after the transaction ended', async () => {
      let leaked: Transaction | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.query('SELECT 1')).rejects.toMatchObject({ code: 'INTERNAL' });
    });
  });

  describe('withAdvisoryLock', () => {
    it('runs holders of the same key one at a time and returns their values', async () => {
      const events: string[] = [];
      const hold = (n: number) =>
        withAdvisoryLock(db, 'store-test-lock', async (tx) => {
          events.push(`start ${n}`);
          await tx.query('SELECT 1');
          await sleep(100);
          events.push(`end ${n}`);
          return n;
        });
      const results = await Promise.all([hold(1), hold(2)]);
      expect(results).toEqual([1, 2]);
      expect(events).toHaveLength(4);
      expect(events[1]?.replace('end', 'start')).toBe(events[0]);
      expect(events[3]?.replace('end', 'start')).toBe(events[2]);
    });
  });

  describe('migrate', () => {
    const things = (schema: string): Migration[] => [
      {
        version: 1,
        name: 'create_things',
        sql: `CREATE TABLE ${schema}.things (id int PRIMARY KEY, label text);\nCREATE INDEX things_label ON ${schema}.things (label);`,
      },
      { version: 2, name: 'seed_things', sql: `INSERT INTO ${schema}.things VALUES (1, 'seed');` },
    ];

    it('creates the schema, applies pending migrations once in order, and records their checksums', async () => {
      const schema = 'mig_apply';
      const logged: { msg: string; fields?: Record<string, unknown> }[] = [];
      const log = (msg: string, fields?: Record<string, unknown>) => logged.push({ msg, fields });

      expect(await migrate(db, { schema, migrations: things(schema), log })).toEqual([1, 2]);
      expect(await migrate(db, { schema, migrations: things(schema), log })).toEqual([]);
      expect(await count(`${schema}.things`)).toBe(1);

      const rows = await history(schema);
      expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
        things(schema).map(({ version, name, sql }) => ({ version, name, checksum: sha256(sql) })),
      );
      expect(rows[0]?.applied_at).toBeInstanceOf(Date);
      // the migration's rows and its history row were written by one transaction
      const { rows: xmins } = await db.query<{ same: boolean }>(
        `SELECT t.xmin::text = h.xmin::text AS same FROM ${schema}.things t, ${schema}.schema_migrations h
         WHERE t.id = 1 AND h.version = 2`,
      );
      expect(xmins).toEqual([{ same: true }]);
      expect(logged.filter((l) => l.msg === 'migration applied').map((l) => l.fields?.version)).toEqual([1, 2]);

      const next = [...things(schema), { version: 3, name: 'more', sql: `ALTER TABLE ${schema}.things ADD note text` }];
      expect(await migrate(db, { schema, migrations: next, log })).toEqual([3]);
    });

    it('stops at an edited migration with MIGRATION_CHECKSUM_MISMATCH and applies nothing after it', async () => {
      const schema = 'mig_checksum';
      await migrate(db, { schema, migrations: things(schema) });
      const edited = things(schema);
      edited[1] = { ...edited[1]!, sql: `INSERT INTO ${schema}.things VALUES (2, 'edited');` };
      edited.push({ version: 3, name: 'after', sql: `CREATE TABLE ${schema}.after (id int)` });

      const err = await migrate(db, { schema, migrations: edited }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'MIGRATION_CHECKSUM_MISMATCH',
        details: {
          meta: {
            schema,
            version: '2',
            name: 'seed_things',
            recorded: sha256(things(schema)[1]!.sql),
            current: sha256(edited[1].sql),
          },
        },
      });
      expect(await tableExists(`${schema}.after`)).toBe(false);
      expect((await history(schema)).map((r) => r.version)).toEqual([1, 2]);
    });

    it('rolls back a failing migration entirely with MIGRATION_FAILED and keeps the ones before it', async () => {
      const schema = 'mig_fail';
      const broken = (sql: string): Migration[] => [
        { version: 1, name: 'first', sql: `CREATE TABLE ${schema}.first (id int)` },
        { version: 2, name: 'half', sql },
        { version: 3, name: 'third', sql: `CREATE TABLE ${schema}.third (id int)` },
      ];
      const failing = `CREATE TABLE ${schema}.half (id int);\nINSERT INTO ${schema}.half VALUES (1);\nSELECT no_such_function();`;

      const err = await migrate(db, { schema, migrations: broken(failing) }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'MIGRATION_FAILED',
        details: { meta: { schema, version: '2', name: 'half', sqlState: '42883' } },
      });
      expect(await tableExists(`${schema}.first`)).toBe(true);
      expect(await tableExists(`${schema}.half`)).toBe(false);
      expect(await tableExists(`${schema}.third`)).toBe(false);
      expect((await history(schema)).map((r) => r.version)).toEqual([1]);

      // the failed migration was never recorded, so a fixed version of it applies
      const fixed = `CREATE TABLE ${schema}.half (id int);`;
      expect(await migrate(db, { schema, migrations: broken(fixed) })).toEqual([2, 3]);
    });

    it('validates the list before touching the database', async () => {
      const schema = 'mig_invalid';
      const list = [
        { version: 2, name: 'b', sql: 'SELECT 1' },
        { version: 1, name: 'a', sql: 'SELECT 1' },
      ];
      await expect(migrate(db, { schema, migrations: list })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      const { rowCount } = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(rowCount).toBe(0);
    });

    // PGlite is one connection in one process: two migrating processes only exist on PostgreSQL.
    it.runIf(backend.name === 'postgres')(
      'applies each migration once when two processes migrate at the same time',
      async () => {
        const schema = 'mig_race';
        const list: Migration[] = [
          { version: 1, name: 'slow', sql: `CREATE TABLE ${schema}.race (id int); SELECT pg_sleep(0.2);` },
          { version: 2, name: 'row', sql: `INSERT INTO ${schema}.race VALUES (1);` },
          { version: 3, name: 'other', sql: `CREATE TABLE ${schema}.other (id int);` },
        ];
        const other = await backend.open();
        try {
          const [a, b] = await Promise.all([
            migrate(db, { schema, migrations: list }),
            migrate(other, { schema, migrations: list }),
          ]);
          expect([...a, ...b].sort()).toEqual([1, 2, 3]);
          expect(await count(`${schema}.race`)).toBe(1);
          expect((await history(schema)).map((r) => r.version)).toEqual([1, 2, 3]);
        } finally {
          await other.close();
        }
      },
    );
  });

  it('rejects calls after close with DB_UNAVAILABLE', async () => {
    const closed = await backend.open();
    await closed.close();
    await closed.close(); // twice is fine
    await expect(closed.query('SELECT 1')).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
  });
});

describe('PostgreSQL pool options', () => {
  it('sets application_name and a server-side statement timeout', async () => {
    const db = await openDatabase({ url: await postgresUrl(), applicationName: 'store-test', statementTimeoutMs: 100 });
    try {
      const { rows } = await db.query("SELECT current_setting('application_name') AS name");
      expect(rows).toEqual([{ name: 'store-test' }]);
      const err = await db.query('SELECT pg_sleep(2)').catch((e: unknown) => e);
      expect(sqlStateOf(err)).toBe('57014'); // query_canceled
    } finally {
      await db.close();
    }
  });

  it("starts each connection with JIT off (ADR 058); the URL's own options can turn it on again", async () => {
    const url = await postgresUrl();
    const jitOf = async (u: string) => {
      const db = await openDatabase({ url: u, poolSize: 1 });
      try {
        return (await db.query<{ jit: string }>("SELECT current_setting('jit') AS jit")).rows[0]?.jit;
      } finally {
        await db.close();
      }
    };
    expect(await jitOf(url)).toBe('off');
    const on = new URL(url);
    on.searchParams.set('options', '-c jit=on');
    expect(await jitOf(on.href)).toBe('on');
  });

  // the fault suite (ADR 038): a PostgreSQL restart killed the processes whose transaction was between two
  // statements, the connection's error emitted on a checked-out client that nothing listened to
  it('survives the server ending a connection in the middle of a transaction: DB_UNAVAILABLE, then new connections', async () => {
    const db = await openDatabase({ url: await postgresUrl(), poolSize: 2 });
    const admin = await openDatabase({ url: await postgresUrl(), poolSize: 1 });
    try {
      const err = await db
        .transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          await sleep(500); // the server's notice arrives while no statement of this client runs
          await tx.query('SELECT 1');
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DB_UNAVAILABLE' });
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.close();
      await db.close();
    }
  });

  it('fails with DB_UNAVAILABLE naming host and port, never the password', async () => {
    const password = 's3cr3t-pw';
    const err = await openDatabase({
      url: `postgres://onceonly:${password}@127.0.0.1:1/nowhere`,
      connectTimeoutMs: 3000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'DB_UNAVAILABLE',
      details: { meta: { host: '127.0.0.1', port: '1', database: 'nowhere' } },
    });
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect(inspect(err, { depth: 5 })).not.toContain(password);
  });
});

describe('PGlite in a data folder', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'onceonly-store-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps its data across close and reopen, and admits one handle at a time', async () => {
    const dataDir = join(root, 'nested', 'db');
    const migrations = [{ version: 1, name: 'notes', sql: 'CREATE TABLE notes (body text)' }];
    const first = await openDatabase({ dataDir });
    try {
      expect(await migrate(first, { schema: 'kept', migrations })).toEqual([1]);
      await first.query('INSERT INTO notes VALUES ($1)', ['survives']);
      await expect(openDatabase({ dataDir })).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
    } finally {
      await first.close();
    }

    // a lock left by a process that died does not keep the folder closed
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(dataDir, 'onceonly.lock'), `${deadPid}\n`);

    const second = await openDatabase({ dataDir });
    try {
      expect((await second.query('SELECT body FROM notes')).rows).toEqual([{ body: 'survives' }]);
      expect(await migrate(second, { schema: 'kept', migrations })).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe('loadMigrations', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onceonly-migrations-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads NNN_name.sql files in version order and ignores other files', async () => {
    const good = join(dir, 'good');
    await mkdir(good);
    await writeFile(join(good, '010_later.sql'), 'SELECT 10;');
    await writeFile(join(good, '002_second.sql'), 'SELECT 2;');
    await writeFile(join(good, '001_first.sql'), 'SELECT 1;');
    await writeFile(join(good, 'README.md'), 'not a migration');
    const expected = [
      { version: 1, name: 'first', sql: 'SELECT 1;' },
      { version: 2, name: 'second', sql: 'SELECT 2;' },
      { version: 10, name: 'later', sql: 'SELECT 10;' },
    ];
    expect(await loadMigrations(good)).toEqual(expected);
    expect(await loadMigrations(pathToFileURL(`${good}/`))).toEqual(expected);
  });

  it('fails with CONFIG_INVALID on a misnamed .sql file, a duplicate version, or a missing folder', async () => {
    const misnamed = join(dir, 'misnamed');
    await mkdir(misnamed);
    await writeFile(join(misnamed, 'create things.sql'), 'SELECT 1;');
    const duplicate = join(dir, 'duplicate');
    await mkdir(duplicate);
    await writeFile(join(duplicate, '001_a.sql'), 'SELECT 1;');
    await writeFile(join(duplicate, '1_b.sql'), 'SELECT 1;');

    for (const folder of [misnamed, duplicate, join(dir, 'missing')]) {
      await expect(loadMigrations(folder)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    }
  });
});
