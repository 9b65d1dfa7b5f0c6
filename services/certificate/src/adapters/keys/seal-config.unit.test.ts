import { Writable } from 'node:stream';
import { createLogger } from '@onceonly/kit';
import { describe, expect, it } from 'vitest';
import { DEV_PASSPHRASE, loadSealConfig } from './seal-config.js';

function logger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level: 'info', service: 'test', destination }), lines };
}

const EXTERNAL = {
  ONCEONLY_CA_CERT: '/etc/onceonly/ca.pem',
  ONCEONLY_CA_KEY: '/etc/onceonly/ca.key.pem',
  ONCEONLY_KEY_PASSPHRASE: 'a passphrase from the secret store',
};

describe('loadSealConfig in external mode', () => {
  it('reads the CA files and the passphrase', () => {
    expect(loadSealConfig(EXTERNAL, 'external', logger().log)).toEqual({
      passphrase: EXTERNAL.ONCEONLY_KEY_PASSPHRASE,
      caFiles: { cert: EXTERNAL.ONCEONLY_CA_CERT, key: EXTERNAL.ONCEONLY_CA_KEY },
      defaultValidityDays: 1095,
      trustListHours: 168,
    });
  });

  it('fails fast naming every missing variable (CONFIG_MISSING)', () => {
    expect(() => loadSealConfig({}, 'external', logger().log)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_MISSING',
        details: {
          fields: ['ONCEONLY_KEY_PASSPHRASE', 'ONCEONLY_CA_CERT', 'ONCEONLY_CA_KEY'].map((field) =>
            expect.objectContaining({ field }),
          ),
        },
      }),
    );
  });

  it('refuses a short passphrase without echoing it (CONFIG_INVALID)', () => {
    const env = { ...EXTERNAL, ONCEONLY_KEY_PASSPHRASE: 'hunter2' };
    let thrown: unknown;
    try {
      loadSealConfig(env, 'external', logger().log);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(
      JSON.stringify({ message: (thrown as Error).message, details: (thrown as { details: unknown }).details }),
    ).not.toContain('hunter2');
  });

  it('takes the host passphrase over the environment', () => {
    const config = loadSealConfig(EXTERNAL, 'external', logger().log, 'the passphrase the module passes');
    expect(config.passphrase).toBe('the passphrase the module passes');
  });

  it('refuses a malformed seal validity', () => {
    expect(() => loadSealConfig({ ...EXTERNAL, ONCEONLY_SEAL_VALIDITY_DAYS: '0' }, 'external', logger().log)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('loadSealConfig in embedded mode', () => {
  it('falls back to the development passphrase and warns once', () => {
    const { log, lines } = logger();
    const config = loadSealConfig({}, 'embedded', log);
    expect(config).toEqual({
      passphrase: DEV_PASSPHRASE,
      caFiles: undefined,
      defaultValidityDays: 1095,
      trustListHours: 168,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('development default passphrase');
  });

  it('says nothing when a passphrase is set', () => {
    const { log, lines } = logger();
    loadSealConfig({ ONCEONLY_KEY_PASSPHRASE: 'x' }, 'embedded', log);
    expect(lines).toHaveLength(0);
  });

  it('wants both CA files or neither', () => {
    expect(() => loadSealConfig({ ONCEONLY_CA_CERT: '/ca.pem' }, 'embedded', logger().log)).toThrow(
      expect.objectContaining({ code: 'CONFIG_MISSING' }),
    );
  });
});
