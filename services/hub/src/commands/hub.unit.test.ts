import { certificateModule } from '@onceonly/certificate';
import { describe, expect, it } from 'vitest';
import { HUB_MODULES } from '../modules.js';
import { configSections, configText } from './hub.js';

describe('onceonly config', () => {
  it('lists the launcher, then each hosted module that declares its variables', () => {
    expect(configSections(HUB_MODULES).map((s) => s.name)).toEqual([
      'hub',
      'certificate',
      'assistance',
      'credit',
      'materials',
      'audit',
    ]);
  });

  it('lists the CA, passphrase and holder hash key variables of the certificate service', () => {
    const text = configText(configSections([certificateModule]));
    for (const name of ['ONCEONLY_CA_CERT', 'ONCEONLY_CA_KEY', 'ONCEONLY_KEY_PASSPHRASE', 'ONCEONLY_HOLDER_HASH_KEY']) {
      expect(text).toContain(name);
    }
  });

  it('lists every variable the hub itself reads', () => {
    const text = configText(configSections([]));
    expect(text).toContain('ONCEONLY_GRPC_ADDR');
    expect(text).toContain('ONCEONLY_DEV_IDENTITY');
  });
});
