import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { foodLicence, MARKET, NOW, thrown } from '../../test/fixtures.js';
import { revoke, suspend } from './status-changes.js';
import {
  bitstringWith,
  createBitstring,
  decodeStatusList,
  encodeStatusList,
  readStatusBit,
  STATUS_LIST_SIZE,
  setStatusBit,
  statusBitsOf,
  statusListCredential,
  statusListEntry,
  statusListPosition,
} from './status-list.js';

describe('the bitstring status list', () => {
  it('holds 131,072 entries (16 KiB) by default', () => {
    expect(createBitstring().length).toBe(16_384);
  });

  it('puts index 0 in the left-most bit of the first byte', () => {
    const bits = createBitstring();
    setStatusBit(bits, 0, true);
    setStatusBit(bits, 9, true);
    setStatusBit(bits, STATUS_LIST_SIZE - 1, true);
    expect([bits[0], bits[1], bits[16_383]]).toEqual([0x80, 0x40, 0x01]);
    setStatusBit(bits, 0, false);
    expect(bits[0]).toBe(0);
    expect(() => readStatusBit(bits, STATUS_LIST_SIZE)).toThrow(RangeError);
  });

  it('round-trips through GZIP and multibase base64url', () => {
    const indices = [0, 1, 7, 8, 4242, 65_535, STATUS_LIST_SIZE - 1];
    const encoded = encodeStatusList(bitstringWith(indices));
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    expect(encoded.length).toBeLessThan(200);
    const decoded = decodeStatusList(encoded);
    for (let i = 0; i < STATUS_LIST_SIZE; i++) {
      if (readStatusBit(decoded, i) !== indices.includes(i)) throw new Error(`bit ${i} differs`);
    }
    expect(decodeStatusList(encoded.slice(1))).toEqual(decoded);
  });

  it('refuses a list that is not base64url, not GZIP, or too short', () => {
    expect(thrown(() => decodeStatusList('u!!!'))).toMatchObject({ code: 'STATUS_LIST_MALFORMED' });
    expect(thrown(() => decodeStatusList('uAAAA'))).toMatchObject({ code: 'STATUS_LIST_MALFORMED' });
    const short = `u${gzipSync(new Uint8Array(100)).toString('base64url')}`;
    expect(thrown(() => decodeStatusList(short))).toMatchObject({ code: 'STATUS_LIST_MALFORMED' });
  });

  it('scatters consecutive certificates over the whole list, each index once', () => {
    const seen = new Uint8Array(STATUS_LIST_SIZE);
    for (let s = 0; s < STATUS_LIST_SIZE; s++) {
      const { listNumber, index } = statusListPosition(s);
      if (listNumber !== 0 || seen[index] === 1) throw new Error(`position of ${s} collides`);
      seen[index] = 1;
    }
    expect(statusListPosition(STATUS_LIST_SIZE)).toEqual({ listNumber: 1, index: 0 });
    expect(Math.abs(statusListPosition(1).index - statusListPosition(2).index)).toBeGreaterThan(1000);
  });

  it('sets the revocation bit for ended or superseded versions and the suspension bit while suspended', () => {
    const valid = foodLicence();
    expect(statusBitsOf(valid)).toEqual({ revocation: false, suspension: false });
    const suspended = suspend(valid, { actor: MARKET, reason: 'r', legalBasis: 'b' }, NOW).certificate;
    expect(statusBitsOf(suspended)).toEqual({ revocation: false, suspension: true });
    const revoked = revoke(valid, { actor: MARKET, kind: 'revoked', reason: 'r', legalBasis: 'b' }, NOW).certificate;
    expect(statusBitsOf(revoked)).toEqual({ revocation: true, suspension: false });
    expect(statusBitsOf({ ...valid, supersededById: 'x', status: '99' })).toEqual({
      revocation: true,
      suspension: false,
    });
  });

  it('builds the credential and entries of the W3C data model', () => {
    const url = 'https://hub.example/status/11310107MB2F03587X/revocation/0';
    const credential = statusListCredential({
      id: url,
      issuer: 'https://hub.example/departments/11310107MB2F03587X',
      purpose: 'revocation',
      encodedList: encodeStatusList(createBitstring()),
      validFrom: NOW,
    });
    expect(credential).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      validFrom: NOW.toISOString(),
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation' },
    });
    expect(statusListEntry(url, 'suspension', 94567)).toEqual({
      id: `${url}#94567`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'suspension',
      statusListIndex: '94567',
      statusListCredential: url,
    });
  });
});
