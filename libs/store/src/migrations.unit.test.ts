import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { advisoryLockKey } from './advisory-lock.js';
import type { Migration } from './migrations.js';
import { assertSchemaName, migrationChecksum, parseMigrationFileName, validateMigrations } from './migrations.js';
import { openDatabase } from './open-database.js';

const m = (version: number, name = `m${version}`, sql = `SELECT ${version}`): Migration => ({ version, name, sql });

describe('parseMigrationFileName', () => {
  it.each([
    ['001_create_events.sql', { version: 1, name: 'create_events' }],
    ['42_add-index.sql', { version: 42, name: 'add-index' }],
    ['0100_x.sql', { version: 100, name: 'x' }],
  ])('reads %s', (file, expected) => {
    expect(parseMigrationFileName(file)).toEqual(expected);
  });

  it.each([
    'create_events.sql',
    '001-create_events.sql',
    '001_.sql',
    '001_create events.sql',
    '001_create.SQL',
    '001_create.sql.bak',
    '000_zero.sql',
    '99999999999999999999_huge.sql',
  ])('rejects %s', (file) => {
    expect(parseMigrationFileName(file)).toBeUndefined();
  });
});

describe('validateMigrations', () => {
  it('accepts increasing versions, gaps allowed, and adds the SHA-256 checksum of the SQL', () => {
    const checked = validateMigrations([m(1), m(2), m(10)]);
    expect(checked.map((c) => c.version)).toEqual([1, 2, 10]);
    expect(checked[0]?.checksum).toBe(createHash('sha256').update('SELECT 1').digest('hex'));
  });

  it('accepts an empty list', () => {
    expect(validateMigrations([])).toEqual([]);
  });

  it.each([
    ['a duplicate version', [m(1), m(1, 'again')]],
    ['a decreasing version', [m(2), m(1)]],
    ['version zero', [m(0)]],
    ['a negative version', [m(-1)]],
    ['a fractional version', [m(1.5)]],
    ['an empty name', [m(1, ' ')]],
    ['empty SQL', [m(1, 'x', '\n  ')]],
  ])('rejects %s with CONFIG_INVALID', (_label, list) => {
    expect(() => validateMigrations(list)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('migrationChecksum', () => {
  it('ignores CRLF versus LF line endings', () => {
    expect(migrationChecksum('CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n')).toBe(
      migrationChecksum('CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n'),
    );
  });

  it('changes when the SQL changes', () => {
    expect(migrationChecksum('SELECT 1')).not.toBe(migrationChecksum('SELECT 2'));
  });
});

describe('assertSchemaName', () => {
  it.each(['events', 'certificate_v2', '_x'])('accepts %s', (schema) => {
    expect(() => assertSchemaName(schema)).not.toThrow();
  });

  it.each(['Events', '1abc', 'a-b', 'a"; DROP SCHEMA public; --', '', 'x'.repeat(64)])('rejects %j', (schema) => {
    expect(() => assertSchemaName(schema)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('advisoryLockKey', () => {
  it('is stable, differs per name, and fits a signed 64-bit integer', () => {
    const key = advisoryLockKey('onceonly:migrate:events');
    expect(advisoryLockKey('onceonly:migrate:events')).toBe(key);
    expect(advisoryLockKey('onceonly:migrate:audit')).not.toBe(key);
    expect(BigInt.asIntN(64, key)).toBe(key);
  });
});

describe('openDatabase options', () => {
  it.each([
    ['no choice', {}],
    ['two choices', { url: 'postgres://h/db', memory: true }],
    ['an empty url', { url: '' }],
    ['a url that is not a URL', { url: 'not a url with secret' }],
    ['another protocol', { url: 'mysql://h/db' }],
    ['a pool size of zero', { url: 'postgres://h/db', poolSize: 0 }],
    ['memory: false', { memory: false }],
  ])('rejects %s with CONFIG_INVALID before any I/O', async (_label, options) => {
    await expect(openDatabase(options as never)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('does not echo an unparsable URL, which may hold a password', async () => {
    const err = await openDatabase({ url: 'postgres://u:hunter2@[bad/db' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String((err as Error).message)).not.toContain('hunter2');
  });
});
