import { createHash, X509Certificate } from 'node:crypto';
import { createRootCa, decryptPrivateKey, LocalKeySigner, sealCertificateInfo, sealKid } from '@onceonly/seal';
import { describe, expect, it } from 'vitest';
import { newSeal } from './new-seal.js';
import type { HubCa, SealDeps } from './ports.js';

const NOW = new Date('2025-03-10T02:00:00Z');
const authority = createRootCa({
  commonName: 'Test Root',
  organisation: 'OnceOnly',
  validityYears: 20,
  clock: () => NOW,
});
const x509 = new X509Certificate(authority.certPem);
const ca: HubCa = {
  authority,
  certPem: authority.certPem,
  fingerprintSha256: createHash('sha256').update(x509.raw).digest('hex'),
  notAfter: new Date(x509.validTo),
};
// newSeal makes, it does not store: no store is needed
const deps = { ca, passphrase: 'unit test passphrase', clock: () => NOW, defaultValidityDays: 365 } as SealDeps;
const spec = {
  departmentCode: '11310107MB2F03587X',
  departmentName: '上海市普陀区市场监督管理局',
  division: '310107',
  name: '上海市普陀区市场监督管理局行政许可专用章',
  kind: 'licensing' as const,
};

describe('newSeal', () => {
  const seal = newSeal(deps, spec, NOW);

  it('has a seal certificate from the hub CA naming the department, the seal and its type', () => {
    const info = sealCertificateInfo(seal.certificatePem);
    expect(info).toMatchObject({
      departmentCode: spec.departmentCode,
      departmentName: spec.departmentName,
      division: '310107',
      sealName: spec.name,
      sealType: '行政许可专用章',
      sealId: seal.sealCode,
    });
    expect(new X509Certificate(seal.certificatePem).verify(x509.publicKey)).toBe(true);
  });

  it('is keyed by the kid of its certificate', () => {
    expect(seal.kid).toBe(sealKid(seal.certificatePem));
    expect(seal.fingerprintSha256).toBe(
      createHash('sha256').update(new X509Certificate(seal.certificatePem).raw).digest('hex'),
    );
  });

  it('keeps its key encrypted under the passphrase, and the key matches the certificate', () => {
    expect(seal.encryptedKeyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const privateKey = decryptPrivateKey(seal.encryptedKeyPem, deps.passphrase);
    expect(() => new LocalKeySigner({ privateKey, certificatePem: seal.certificatePem })).not.toThrow();
    expect(() => decryptPrivateKey(seal.encryptedKeyPem, 'another passphrase')).toThrow(
      expect.objectContaining({ code: 'KEY_DECRYPT_FAILED' }),
    );
  });

  it('is active from now for the default validity, and fresh each time', () => {
    expect(seal).toMatchObject({ status: 'active', validFrom: NOW, issuerFingerprint: ca.fingerprintSha256 });
    expect(seal.validTo.getTime() - NOW.getTime()).toBe(365 * 86_400_000);
    const other = newSeal(deps, spec, NOW);
    expect(other.kid).not.toBe(seal.kid);
    expect(other.sealCode).not.toBe(seal.sealCode);
  });

  it('refuses a name the certificate cannot carry (INVALID_ARGUMENT)', () => {
    expect(() => newSeal(deps, { ...spec, name: '章'.repeat(65) }, NOW)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
