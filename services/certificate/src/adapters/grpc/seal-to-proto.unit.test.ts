import { sealV1 } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { SEAL_KINDS, type SealRecord } from '../../domain/seals/seal.js';
import { sealKindFromProto, sealKindToProto, sealToProto } from './seal-to-proto.js';

const SEAL: SealRecord = {
  id: 'id-1',
  sealCode: '310107-X-000000000001',
  departmentCode: '11310107MB2F03587X',
  departmentName: '上海市普陀区市场监督管理局',
  division: '310107',
  name: '上海市普陀区市场监督管理局行政许可专用章',
  kind: 'licensing',
  status: 'active',
  algorithm: 'ES256',
  kid: 'AAAAAAAAAAAAAAAAAAAAAA',
  serialNumber: '4F00',
  fingerprintSha256: 'ab'.repeat(32),
  certificatePem: '-----BEGIN CERTIFICATE-----\n...',
  encryptedKeyPem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nsecret',
  issuerFingerprint: 'cd'.repeat(32),
  validFrom: new Date('2025-01-01T00:00:00Z'),
  validTo: new Date('2026-01-01T00:00:00Z'),
  createdAt: new Date('2025-01-01T00:00:00Z'),
};

describe('seal kinds', () => {
  it('map to the proto enum and back', () => {
    for (const kind of SEAL_KINDS) expect(sealKindFromProto(sealKindToProto(kind))).toBe(kind);
  });

  it('leave UNSPECIFIED and unknown numbers unmapped', () => {
    expect(sealKindFromProto(sealV1.SealKind.SEAL_KIND_UNSPECIFIED)).toBeUndefined();
    expect(sealKindFromProto(42)).toBeUndefined();
  });
});

describe('sealToProto', () => {
  it('carries the certificate and state, never the key', () => {
    const proto = sealToProto(SEAL, new Date('2025-06-01T00:00:00Z'));
    expect(proto).toMatchObject({ kid: SEAL.kid, status: sealV1.SealStatus.SEAL_STATUS_ACTIVE, algorithm: 'ES256' });
    expect(JSON.stringify(sealV1.Seal.toJSON(proto))).not.toContain('PRIVATE KEY');
  });

  it('reads an active seal past its validity as EXPIRED', () => {
    expect(sealToProto(SEAL, new Date('2026-06-01T00:00:00Z')).status).toBe(sealV1.SealStatus.SEAL_STATUS_EXPIRED);
  });

  it('names the compromise and the successor', () => {
    const revoked = {
      ...SEAL,
      status: 'revoked' as const,
      rotatedTo: 'BBBBBBBBBBBBBBBBBBBBBB',
      revokedAt: new Date('2025-05-01T00:00:00Z'),
      compromisedAt: new Date('2025-04-01T00:00:00Z'),
      revocationReason: 'lost',
    };
    expect(sealToProto(revoked, new Date())).toMatchObject({
      status: sealV1.SealStatus.SEAL_STATUS_REVOKED,
      replacedByKid: 'BBBBBBBBBBBBBBBBBBBBBB',
      compromisedAt: '2025-04-01T00:00:00.000Z',
      revocationReason: 'lost',
    });
  });
});
