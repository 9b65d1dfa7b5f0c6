import {
  createRootCa,
  generateKeyPair,
  issueSealCertificate,
  issueSealCrl,
  LocalKeySigner,
  sealCertificateInfo,
  sealPayload,
  toQrPayload,
  trustBundlePem,
  trustListPem,
} from '@onceonly/seal';
import { describe, expect, it } from 'vitest';
import { PUTUO_MARKET_REGULATION } from '../domain/departments.js';
import { verifyOffline } from './verify-offline.js';

const NOW = new Date('2025-03-10T02:00:00Z');

function seal(departmentCode: string = PUTUO_MARKET_REGULATION.code) {
  const ca = createRootCa({
    commonName: 'Test Root',
    organisation: 'OnceOnly',
    validityYears: 5,
    clock: () => new Date('2025-01-01T00:00:00Z'),
  });
  const keys = generateKeyPair();
  const certificatePem = issueSealCertificate({
    ca,
    sealId: '3101070000001',
    department: { code: departmentCode, name: '上海市普陀区市场监督管理局' },
    sealName: '上海市普陀区市场监督管理局行政许可专用章',
    sealType: '行政许可专用章',
    validFrom: new Date('2025-01-01T00:00:00Z'),
    validTo: new Date('2028-01-01T00:00:00Z'),
    publicKey: keys.publicKey,
  });
  const signer = new LocalKeySigner({ privateKey: keys.privateKey, certificatePem, caCertificatePem: ca.certPem });
  /** The trust list with this seal revoked from `compromisedAt` (none: not revoked), current for a week from NOW. */
  const trustList = (compromisedAt?: Date) => {
    const serialNumber = sealCertificateInfo(certificatePem).serialNumber;
    const revoked = compromisedAt ? [{ serialNumber, revokedAt: NOW, compromisedAt }] : [];
    const nextUpdate = new Date(NOW.getTime() + 7 * 86_400_000);
    const crl = issueSealCrl({ ca, thisUpdate: NOW, nextUpdate, crlNumber: 1n, revoked });
    return trustListPem([ca.certPem, certificatePem], [crl]);
  };
  return { signer, bundle: trustBundlePem([ca.certPem, certificatePem]), trustList };
}

const payload = (validTo: string) => ({
  licenceName: '食品经营许可证',
  issuerCode: PUTUO_MARKET_REGULATION.code,
  validFrom: '2025-03-10',
  validTo,
  iat: Math.floor(NOW.getTime() / 1000),
});

describe('verifyOffline', () => {
  it('accepts a QR payload sealed by the issuer it names, inside its validity', async () => {
    const { signer, bundle } = seal();
    const qr = toQrPayload(await sealPayload(payload('2030-03-09'), signer, { embedChain: false }));
    expect(await verifyOffline(qr, bundle, { at: NOW })).toMatchObject({
      valid: true,
      reasons: [],
      sealKid: signer.kid,
    });
  });

  it('refuses a licence past its end date, and one sealed by another department than it names', async () => {
    const { signer, bundle } = seal();
    const jws = await sealPayload(payload('2025-03-10'), signer);
    expect((await verifyOffline(jws, bundle, { at: new Date('2025-03-11T02:00:00Z') })).reasons).toEqual(['EXPIRED']);
    const other = seal('11310107MB2F01231X');
    const foreign = await sealPayload(payload('2030-03-09'), other.signer);
    // (this bundle has no revocation list: TRUST_LIST_MISSING is a warning beside the finding)
    expect(await verifyOffline(foreign, other.bundle, { at: NOW })).toMatchObject({
      reasons: ['ISSUER_MISMATCH'],
      genuineFindings: [
        { code: 'ISSUER_MISMATCH', warning: false },
        { code: 'TRUST_LIST_MISSING', warning: true },
      ],
      genuine: false,
      mayOperate: false,
    });
  });

  it('an industry licence: genuine, but its components cannot be checked offline', async () => {
    const { signer, bundle } = seal();
    const industry = {
      code: 'cinema',
      components: [{ licenceName: '公共场所卫生许可证', licenceId: 'x', digest: 'd' }],
    };
    const jws = await sealPayload({ ...payload('2030-03-09'), industry }, signer);
    const result = await verifyOffline(jws, bundle, { at: NOW });
    expect(result).toMatchObject({ valid: true, genuine: true, mayOperate: false });
    expect(result.operationFindings.map((f) => f.code)).toEqual(['STATUS_UNCHECKED', 'COMPONENTS_UNCHECKED']);
  });

  it('a licence whose seal does not verify: not genuine, and nothing said of what was not checked', async () => {
    const { signer } = seal();
    const other = seal();
    const result = await verifyOffline(await sealPayload(payload('2030-03-09'), signer), other.bundle, { at: NOW });
    expect(result).toMatchObject({ genuine: false, mayOperate: false });
    expect(result.operationFindings).toEqual([{ code: 'NOT_GENUINE', warning: false }]);
  });

  describe('with the trust list', () => {
    const hour = 3_600_000;

    it('refuses a licence sealed at or after its seal’s compromise time, and accepts one sealed before', async () => {
      const { signer, trustList } = seal();
      const jws = await sealPayload(payload('2030-03-09'), signer);
      const before = await verifyOffline(jws, trustList(new Date(NOW.getTime() + 1000)), { at: NOW });
      expect(before).toMatchObject({ valid: true, reasons: [], warnings: [], trustList: { thisUpdate: NOW } });
      const after = await verifyOffline(jws, trustList(NOW), { at: NOW });
      expect(after).toMatchObject({ valid: false, reasons: ['SEAL_REVOKED'], warnings: [], sealValid: false });
    });

    it('warns TRUST_LIST_STALE past the next update, and refuses with it under refuseStale', async () => {
      const { signer, trustList } = seal();
      const jws = await sealPayload(payload('2030-03-09'), signer);
      const late = new Date(NOW.getTime() + 8 * 24 * hour);
      expect(await verifyOffline(jws, trustList(), { at: late })).toMatchObject({
        valid: true,
        warnings: ['TRUST_LIST_STALE'],
        genuine: true,
        genuineFindings: [{ code: 'TRUST_LIST_STALE', warning: true }],
      });
      expect(await verifyOffline(jws, trustList(), { at: late, refuseStale: true })).toMatchObject({
        valid: false,
        reasons: ['TRUST_LIST_STALE'],
        warnings: [],
        genuine: false,
        genuineFindings: [{ code: 'TRUST_LIST_STALE', warning: false }],
      });
    });

    it('warns TRUST_LIST_MISSING with a bundle of certificates only', async () => {
      const { signer, bundle } = seal();
      const jws = await sealPayload(payload('2030-03-09'), signer);
      expect(await verifyOffline(jws, bundle, { at: NOW })).toMatchObject({
        valid: true,
        warnings: ['TRUST_LIST_MISSING'],
      });
    });
  });
});
