import { describe, expect, it } from 'vitest';
import { samePayload } from './verify-certificate.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('samePayload (the presented payload against the record, ADR 017)', () => {
  const payload = { licenceId: 'L-1', holderName: '上海普陀小笼包餐饮有限公司', iat: 1_700_000_000, face: { a: '1' } };
  // the payload part of the stored JWS, as the verification read gives it
  const stored = { payloadPart: part(payload) };

  it('is true for the payload part of the stored JWS, without decoding it', () => {
    expect(samePayload(stored, payload, part(payload))).toBe(true);
  });

  it('is true for the same content encoded another way (keys in another order)', () => {
    const reordered = { face: { a: '1' }, iat: 1_700_000_000, holderName: payload.holderName, licenceId: 'L-1' };
    expect(part(reordered)).not.toBe(part(payload));
    expect(samePayload(stored, reordered, part(reordered))).toBe(true);
    expect(samePayload(stored, reordered, undefined)).toBe(true);
  });

  it('is false for another payload, whatever part is claimed', () => {
    const other = { ...payload, holderName: '上海别的餐饮有限公司' };
    expect(samePayload(stored, other, part(other))).toBe(false);
    expect(samePayload(stored, other, undefined)).toBe(false);
  });
});
