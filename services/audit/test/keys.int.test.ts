import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNoteKey } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { devKeyPath, loadNoteSigner } from '../src/adapters/keys.js';
import { log } from './support.js';

describe('the log signing key', () => {
  it('is generated once in the embedded mode, readable by its owner only, and reused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'audit-keys-'));
    const first = await loadNoteSigner({ mode: 'embedded', dataDir, log });
    expect(first.origin).toBe('onceonly.gov.cn/audit/dev');
    expect(statSync(devKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    const again = await loadNoteSigner({ mode: 'embedded', dataDir, log });
    expect(again.signer.verifierKey).toBe(first.signer.verifierKey);
  });

  it('is required outside the embedded mode', async () => {
    await expect(loadNoteSigner({ mode: 'external', dataDir: tmpdir(), log })).rejects.toMatchObject({
      code: 'CONFIG_MISSING',
    });
  });

  it('refuses a malformed key without echoing it, and an origin that is not the key name', async () => {
    const secret = 'PRIVATE+KEY+not-really-a-key';
    const err = await loadNoteSigner({ mode: 'external', dataDir: tmpdir(), key: secret, log }).catch((e) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String(err.message)).not.toContain('not-really');
    const key = generateNoteKey('onceonly.test/a').signerKey;
    await expect(
      loadNoteSigner({ mode: 'external', dataDir: tmpdir(), key, origin: 'onceonly.test/b', log }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect((await loadNoteSigner({ mode: 'external', dataDir: tmpdir(), key, log })).origin).toBe('onceonly.test/a');
  });

  it('refuses a witness key as the log key', async () => {
    const key = generateNoteKey('onceonly.test/w', 'cosignature/v1').signerKey;
    await expect(loadNoteSigner({ mode: 'external', dataDir: tmpdir(), key, log })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
