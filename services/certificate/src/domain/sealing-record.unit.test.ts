import { describe, expect, it } from 'vitest';
import { sealingReasons } from './sealing-record.js';

const record = { sealKid: 'kid-of-the-seal-000001', sealedAt: new Date('2026-03-01T08:00:00.000Z') };

describe('sealingReasons: the presented seal against the record', () => {
  it('accepts the recorded seal and sealing time (to the second)', () => {
    expect(sealingReasons(record, { kid: record.sealKid, signedAt: new Date('2026-03-01T08:00:00.900Z') })).toEqual([]);
  });

  it('rejects a backdated sealing time with RECORD_MISMATCH', () => {
    const backdated = new Date('2026-02-01T08:00:00Z');
    expect(sealingReasons(record, { kid: record.sealKid, signedAt: backdated })).toEqual(['RECORD_MISMATCH']);
  });

  it('rejects another seal, or a seal without a readable time, with RECORD_MISMATCH', () => {
    expect(sealingReasons(record, { kid: 'another-kid-0000000001', signedAt: record.sealedAt })).toEqual([
      'RECORD_MISMATCH',
    ]);
    expect(sealingReasons(record, { kid: record.sealKid })).toEqual(['RECORD_MISMATCH']);
  });
});
