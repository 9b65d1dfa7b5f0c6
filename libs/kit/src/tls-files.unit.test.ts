import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from './config.js';
import { peerCredentials, peerTlsConfig, readTlsFiles } from './tls-files.js';

const SCHEMA = peerTlsConfig('ONCEONLY_X_PEER_TLS', { peer: 'the peer', identity: 'OU=department' });

describe('the mTLS settings of a client towards a peer', () => {
  it('declares three optional variables, documented with the peer and the identity the certificate must name', () => {
    const described = describeConfig(SCHEMA);
    expect(described.map((v) => [v.name, v.required])).toEqual([
      ['ONCEONLY_X_PEER_TLS_CA', false],
      ['ONCEONLY_X_PEER_TLS_CERT', false],
      ['ONCEONLY_X_PEER_TLS_KEY', false],
    ]);
    expect(described.every((v) => v.doc.includes('the peer'))).toBe(true);
    expect(described[1]!.doc).toContain('OU=department');
  });

  it('is plaintext when none is set', () => {
    const config = loadConfig(SCHEMA, {});
    expect(readTlsFiles('ONCEONLY_X_PEER_TLS', config)).toBeUndefined();
    expect(peerCredentials('ONCEONLY_X_PEER_TLS', config)).toBeUndefined();
  });

  it('refuses some without the others (CONFIG_MISSING naming the three), before reading any file', () => {
    for (const env of [
      { ONCEONLY_X_PEER_TLS_CA: '/nonexistent/ca.pem' },
      { ONCEONLY_X_PEER_TLS_CERT: '/nonexistent/c.pem', ONCEONLY_X_PEER_TLS_KEY: '/nonexistent/k.pem' },
    ]) {
      const config = loadConfig(SCHEMA, env);
      // the operator is told the three names
      expect(() => peerCredentials('ONCEONLY_X_PEER_TLS', config)).toThrow(
        /^ONCEONLY_X_PEER_TLS_CA, ONCEONLY_X_PEER_TLS_CERT and ONCEONLY_X_PEER_TLS_KEY go together/,
      );
      expect(() => readTlsFiles('ONCEONLY_X_PEER_TLS', config)).toThrow(
        expect.objectContaining({ code: 'CONFIG_MISSING' }) as unknown as Error,
      );
    }
  });
});
