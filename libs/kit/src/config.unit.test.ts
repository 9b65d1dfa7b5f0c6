import { AppError } from '@onceonly/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  bool,
  type ConfigSchema,
  describeConfig,
  duration,
  formatConfigHelp,
  hostPort,
  int,
  list,
  loadConfig,
  oneOf,
  str,
  url,
} from './config.js';

const schema = {
  ONCEONLY_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051', doc: 'gRPC bind address' }),
  ONCEONLY_SERVICE: str({ doc: 'service name' }),
  ONCEONLY_WORKERS: int({ default: 4, min: 1, max: 64, doc: 'worker count' }),
  ONCEONLY_DEV: bool({ default: false, doc: 'development mode' }),
  ONCEONLY_MODE: oneOf(['embedded', 'external'], { default: 'embedded', doc: 'run mode' }),
  DATABASE_URL: url({ optional: true, secret: true, protocols: ['postgres', 'postgresql'], doc: 'PostgreSQL URL' }),
  KAFKA_BROKERS: list({ optional: true, of: hostPort({ doc: 'a broker' }), doc: 'Kafka brokers' }),
  ONCEONLY_TAGS: list({ default: ['a', 'b'], doc: 'tags' }),
} satisfies ConfigSchema;

const minimal = { ONCEONLY_SERVICE: 'hub' };

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('loadConfig', () => {
  it('applies defaults and parses every type', () => {
    const config = loadConfig(schema, {
      ...minimal,
      ONCEONLY_WORKERS: '8',
      ONCEONLY_DEV: 'YES',
      ONCEONLY_MODE: 'external',
      DATABASE_URL: 'postgres://u:p@db:5432/hub',
      KAFKA_BROKERS: ' k1:9092, k2:9092 ,',
    });
    expect(config).toEqual({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:50051',
      ONCEONLY_SERVICE: 'hub',
      ONCEONLY_WORKERS: 8,
      ONCEONLY_DEV: true,
      ONCEONLY_MODE: 'external',
      DATABASE_URL: 'postgres://u:p@db:5432/hub',
      KAFKA_BROKERS: ['k1:9092', 'k2:9092'],
      ONCEONLY_TAGS: ['a', 'b'],
    });
  });

  it('leaves optional variables undefined and treats an empty value as unset', () => {
    const config = loadConfig(schema, { ...minimal, DATABASE_URL: '', ONCEONLY_WORKERS: '  ' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KAFKA_BROKERS).toBeUndefined();
    expect(config.ONCEONLY_WORKERS).toBe(4);
  });

  it('returns a frozen object', () => {
    const config = loadConfig(schema, minimal);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ONCEONLY_TAGS)).toBe(true);
  });

  it('infers the types from the schema', () => {
    const config = loadConfig(schema, minimal);
    expectTypeOf(config.ONCEONLY_GRPC_ADDR).toEqualTypeOf<string>();
    expectTypeOf(config.ONCEONLY_WORKERS).toEqualTypeOf<number>();
    expectTypeOf(config.ONCEONLY_DEV).toEqualTypeOf<boolean>();
    expectTypeOf(config.ONCEONLY_MODE).toEqualTypeOf<'embedded' | 'external'>();
    expectTypeOf(config.DATABASE_URL).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.KAFKA_BROKERS).toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf(config.ONCEONLY_TAGS).toEqualTypeOf<readonly string[]>();
  });

  it('answers CONFIG_MISSING naming a missing required variable', () => {
    const err = failure(() => loadConfig(schema, {}));
    expect(err.code).toBe('CONFIG_MISSING');
    expect(err.message).toMatch(/^ONCEONLY_SERVICE: /);
  });

  it.each([
    ['ONCEONLY_GRPC_ADDR', 'abc', 'ONCEONLY_GRPC_ADDR: expected host:port, got "abc"'],
    ['ONCEONLY_GRPC_ADDR', '127.0.0.1:70000', 'ONCEONLY_GRPC_ADDR: expected host:port, got "127.0.0.1:70000"'],
    ['ONCEONLY_WORKERS', 'many', 'ONCEONLY_WORKERS: expected an integer between 1 and 64, got "many"'],
    ['ONCEONLY_WORKERS', '65', 'ONCEONLY_WORKERS: expected an integer between 1 and 64, got "65"'],
    ['ONCEONLY_WORKERS', '1.5', 'ONCEONLY_WORKERS: expected an integer between 1 and 64, got "1.5"'],
    ['ONCEONLY_DEV', 'maybe', 'ONCEONLY_DEV: expected true or false, got "maybe"'],
    ['ONCEONLY_MODE', 'cloud', 'ONCEONLY_MODE: expected one of embedded, external, got "cloud"'],
    ['KAFKA_BROKERS', 'k1:9092,nope', 'KAFKA_BROKERS: expected item 2: host:port, got "nope"'],
  ])('answers CONFIG_INVALID for %s=%s on one line naming it', (name, value, message) => {
    const err = failure(() => loadConfig(schema, { ...minimal, [name]: value }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(message);
    expect(err.message).not.toContain('\n');
    expect(err.fields).toEqual([{ field: name, reason: 'CONFIG_INVALID', description: message }]);
  });

  it('never echoes a secret value', () => {
    const secret = 'mysql://admin:hunter2@db/hub';
    const err = failure(() => loadConfig(schema, { ...minimal, DATABASE_URL: secret }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(
      /^DATABASE_URL: expected a URL \(postgres:, postgresql:\), got a value that is not shown/,
    );
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain('hunter2');
  });

  it('never echoes a secret list item either', () => {
    const secrets = { TOKENS: list({ secret: true, of: int({ doc: 'n' }), doc: 'tokens' }) };
    const err = failure(() => loadConfig(secrets, { TOKENS: '1,s3cret' }));
    expect(err.message).not.toContain('s3cret');
    expect(err.message).toMatch(/^TOKENS: expected item 2: an integer, got a value that is not shown/);
  });

  it('lists every problem in the details and names the rest on the same line', () => {
    const err = failure(() => loadConfig(schema, { ONCEONLY_WORKERS: '0', ONCEONLY_DEV: 'x' }));
    expect(err.code).toBe('CONFIG_MISSING');
    expect(err.fields.map((f) => f.field)).toEqual(['ONCEONLY_SERVICE', 'ONCEONLY_WORKERS', 'ONCEONLY_DEV']);
    expect(err.message).toMatch(/\(and 2 more: ONCEONLY_WORKERS, ONCEONLY_DEV\)$/);
    expect(err.message).not.toContain('\n');
  });

  it('cuts long values so that the message stays short', () => {
    const err = failure(() => loadConfig(schema, { ...minimal, ONCEONLY_MODE: 'x'.repeat(500) }));
    expect(err.message.length).toBeLessThan(150);
  });

  it('checks patterns', () => {
    const s = { CODE: str({ pattern: /[0-9A-Z]{18}/, patternDoc: 'an 18-character code', doc: 'code' }) };
    expect(loadConfig(s, { CODE: '91310000MA1FL4XQ2B' }).CODE).toBe('91310000MA1FL4XQ2B');
    expect(failure(() => loadConfig(s, { CODE: 'X91310000MA1FL4XQ2B' })).message).toBe(
      'CODE: expected an 18-character code, got "X91310000MA1FL4XQ2B"',
    );
  });
});

describe('describeConfig', () => {
  it('lists variables with types, defaults and docs, hiding secret defaults', () => {
    const rows = describeConfig({ ...schema, TOKEN: str({ default: 'dev-token', secret: true, doc: 'API token' }) });
    expect(rows).toContainEqual({
      name: 'ONCEONLY_WORKERS',
      type: 'int',
      required: false,
      default: '4',
      secret: false,
      doc: 'worker count',
    });
    expect(rows.find((r) => r.name === 'ONCEONLY_SERVICE')).toMatchObject({ required: true, default: undefined });
    expect(rows.find((r) => r.name === 'ONCEONLY_TAGS')?.default).toBe('a,b');
    expect(rows.find((r) => r.name === 'TOKEN')?.default).toBe('(secret)');
    expect(JSON.stringify(rows)).not.toContain('dev-token');
  });

  it('formats help text with one variable per line', () => {
    const text = formatConfigHelp(schema);
    expect(text.split('\n')).toHaveLength(Object.keys(schema).length);
    expect(text).toContain('ONCEONLY_SERVICE');
    expect(text).toContain('required');
  });
});

describe('duration', () => {
  const durations = {
    KEEP: duration({ default: '7d', doc: 'how long' }),
    EVERY: duration({ optional: true, doc: 'how often' }),
  } satisfies ConfigSchema;

  it('loads units as milliseconds, 0 and off as 0, and the default given the same way', () => {
    expect(loadConfig(durations, {})).toEqual({ KEEP: 7 * 86_400_000, EVERY: undefined });
    const cases: [string, number][] = [
      ['12h', 12 * 3_600_000],
      ['30m', 1_800_000],
      ['45s', 45_000],
      ['500ms', 500],
      ['2D', 2 * 86_400_000],
      ['0', 0],
      ['off', 0],
      ['OFF', 0],
    ];
    for (const [raw, ms] of cases) expect(loadConfig(durations, { KEEP: raw }).KEEP).toBe(ms);
    expectTypeOf(loadConfig(durations, {}).KEEP).toEqualTypeOf<number>();
  });

  it('refuses a number without a unit, a negative one or a unit it does not know', () => {
    for (const raw of ['7', '-1d', '1w', '1.5h', 'seven days']) {
      const err = failure(() => loadConfig(durations, { KEEP: raw }));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain('KEEP: expected a duration (7d, 12h, 30m, 45s, 500ms), or 0/off');
    }
  });

  it('shows its default as set', () => {
    const rows = describeConfig(durations);
    expect(rows[0]).toMatchObject({ type: 'duration', default: '7d' });
    expect(describeConfig({ A: duration({ default: '90m', doc: 'a' }) })[0]?.default).toBe('90m');
    expect(describeConfig({ A: duration({ default: '0', doc: 'a' }) })[0]?.default).toBe('off');
  });
});
