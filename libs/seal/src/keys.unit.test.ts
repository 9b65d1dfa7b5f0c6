import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeSeal } from '../test/fixtures.js';
import { decryptPrivateKey, encryptPrivateKey, generateKeyPair, LocalKeySigner, sealKid } from './index.js';
import { certificateDers } from './pem.js';

describe('private keys at rest', () => {
  const { privateKey, publicKey } = generateKeyPair();
  const passphrase = 'correct horse battery staple';
  const pem = encryptPrivateKey(privateKey, passphrase);

  it('are encrypted PKCS#8 and decrypt to the same key', () => {
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(createPublicKey(decryptPrivateKey(pem, passphrase)).equals(publicKey)).toBe(true);
  });

  it('answer KEY_DECRYPT_FAILED to a wrong passphrase, without echoing it', () => {
    const secret = 'wrong-passphrase-4711';
    let error: unknown;
    try {
      decryptPrivateKey(pem, secret);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String((error as Error).message)).not.toContain(secret);
  });

  it('refuse a clear private key', () => {
    const clear = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => decryptPrivateKey(clear, passphrase)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });

  it('refuse an empty passphrase', () => {
    expect(() => encryptPrivateKey(privateKey, '')).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });
});

describe('LocalKeySigner', () => {
  const seal = makeSeal();

  it('signs with r‖s (64 bytes) that verify with the seal certificate key', async () => {
    const input = Buffer.from('header.payload', 'ascii');
    const signature = await seal.signer.sign(input);
    expect(signature).toHaveLength(64);
    const key = seal.keyPair.publicKey;
    expect(verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('names the seal certificate by a 22-character kid and carries the chain', () => {
    const [leaf, ca] = [certificateDers(seal.certPem)[0], certificateDers(seal.ca.certPem)[0]];
    expect(seal.signer.kid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(seal.signer.kid).toBe(sealKid(seal.certPem));
    expect(seal.signer.x5c).toEqual([leaf?.toString('base64'), ca?.toString('base64')]);
    expect(seal.signer.alg).toBe('ES256');
  });

  it('refuses a key that does not match the certificate', () => {
    const call = () => new LocalKeySigner({ privateKey: generateKeyPair().privateKey, certificatePem: seal.certPem });
    expect(call).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });
});
