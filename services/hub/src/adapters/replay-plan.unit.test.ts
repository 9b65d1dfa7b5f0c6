import { isAppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { planReplay, type ReplaySourceOptions } from './replay-inputs.js';

// `audit replay` chooses its sources from the options alone: never a leftover embedded folder unless asked for.

const ADDR = '10.0.0.5:50051';
const plan = (opts: Partial<ReplaySourceOptions>, sources: Record<string, string> = {}) =>
  planReplay(
    { dataDir: '.onceonly', bus: true, ...opts },
    (name) => sources[name] ?? 'default',
    () => ADDR,
  );

function refused(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('the sources of a replay', () => {
  it('reads the log and the bus through the hub when no database and no broker are named', () => {
    const { log, bus, inputs } = plan({});
    expect({ log, bus }).toEqual({ log: 'hub', bus: 'hub' });
    expect(inputs.log).toEqual({ kind: 'hub', where: ADDR });
    expect(inputs.bus).toEqual({ kind: 'hub', where: ADDR });
  });

  it('ignores a DATABASE_URL or ONCEONLY_DATA_DIR of the shell without --from-database', () => {
    const { log, bus } = plan(
      { databaseUrl: 'postgres://x@db/hub', dataDir: '/srv/hub' },
      { databaseUrl: 'env', dataDir: 'env' },
    );
    expect({ log, bus }).toEqual({ log: 'hub', bus: 'hub' });
  });

  it('reads Kafka when brokers are named, and the database with --from-database', () => {
    const p = plan(
      { brokers: 'k:9092', fromDatabase: true, databaseUrl: 'postgres://u:secret@db/hub' },
      { databaseUrl: 'cli' },
    );
    expect({ log: p.log, bus: p.bus }).toEqual({ log: 'database', bus: 'kafka' });
    expect(p.inputs.log.where).not.toContain('secret');
  });

  it('reads the embedded bus of the database named with --from-database', () => {
    const p = plan({ fromDatabase: true, dataDir: '/tmp/hub' }, { dataDir: 'cli' });
    expect(p.bus).toBe('database');
    expect(p.inputs.log).toEqual({ kind: 'embedded-folder', where: '/tmp/hub' });
  });

  it('refuses --data-dir or --database-url without --from-database', () => {
    expect(
      isAppError(
        refused(() => plan({ dataDir: '/tmp/hub' }, { dataDir: 'cli' })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(
      isAppError(
        refused(() => plan({ databaseUrl: 'postgres://db/x' }, { databaseUrl: 'cli' })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });

  it('refuses two databases at once', () => {
    const both = () =>
      plan(
        { fromDatabase: true, databaseUrl: 'postgres://db/x', dataDir: '/tmp/hub' },
        { databaseUrl: 'env', dataDir: 'cli' },
      );
    expect(isAppError(refused(both), 'INVALID_ARGUMENT')).toBe(true);
  });

  it('reads the bus directly in the namespace asked for, and says it', () => {
    const kafka = plan({ brokers: 'k:9092', namespace: 'city-a' }, { namespace: 'cli' });
    expect(kafka.inputs.bus).toEqual({ kind: 'kafka', where: 'k:9092 (namespace city-a)' });
    const database = plan({ fromDatabase: true, dataDir: '/tmp/hub', namespace: 'city-a' }, { dataDir: 'cli' });
    expect(database.inputs.bus).toEqual({ kind: 'embedded-folder', where: '/tmp/hub (namespace city-a)' });
    // the log is read from the same folder, whose tables know no namespace
    expect(database.inputs.log).toEqual({ kind: 'embedded-folder', where: '/tmp/hub' });
    expect(plan({ brokers: 'k:9092' }).inputs.bus).toEqual({ kind: 'kafka', where: 'k:9092' });
  });

  it('refuses an invalid namespace before reading anything', () => {
    expect(
      isAppError(
        refused(() => plan({ brokers: 'k:9092', namespace: 'City.A' })),
        'CONFIG_INVALID',
      ),
    ).toBe(true);
  });

  it('refuses --namespace for a bus read through the hub, and takes ONCEONLY_NAMESPACE of the shell silently', () => {
    expect(
      isAppError(
        refused(() => plan({ namespace: 'city-a' }, { namespace: 'cli' })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(plan({ namespace: 'city-a' }, { namespace: 'env' }).inputs.bus).toEqual({ kind: 'hub', where: ADDR });
  });

  it('refuses --brokers with --no-bus', () => {
    expect(
      isAppError(
        refused(() => plan({ bus: false, brokers: 'k:9092' }, { brokers: 'cli' })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });
});
