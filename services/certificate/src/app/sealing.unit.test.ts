import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CITIZEN_ID, foodLicence, person } from '../../test/fixtures.js';
import { canonicalJson } from './idempotency.js';
import { holderDigestOf, jwsDigest, licencePayload, newHolderDigest } from './sealing.js';

describe('licencePayload', () => {
  const slot = { listNumber: 0, index: 4242 };

  it('states the national metadata fields under the QR dictionary’s key names, with the face and the slot', () => {
    const state = foodLicence();
    expect(licencePayload(state, slot, undefined)).toEqual({
      licenceName: '食品经营许可证',
      typeCode: state.typeCode,
      licenceNumber: state.number,
      licenceId: state.identifier,
      version: '001',
      issuer: state.issuer.name,
      issuerCode: state.issuer.code,
      issueDate: state.issueDate,
      validFrom: state.validFrom,
      validTo: state.validTo,
      holderName: state.holder.name,
      holderCode: state.holder.code,
      holderCodeType: '001',
      division: '310107',
      face: state.fields,
      statusListNumber: 0,
      statusListIndex: 4242,
    });
  });

  it('names a citizen holder by mask and digest only', () => {
    const digest = newHolderDigest(CITIZEN_ID);
    const payload = licencePayload(foodLicence(person()), slot, digest.digest);
    expect(payload.holderCode).toBe(`310107********${CITIZEN_ID.slice(-4)}`);
    expect(payload.holderDigest).toBe(digest.digest);
    expect(JSON.stringify(payload)).not.toContain(CITIZEN_ID);
  });
});

describe('digests', () => {
  it('holder digest = base64url SHA-256(salt ‖ ID); each issue draws a new salt', () => {
    const a = newHolderDigest(CITIZEN_ID);
    const b = newHolderDigest(CITIZEN_ID);
    expect(a.salt).not.toBe(b.salt);
    const expected = createHash('sha256')
      .update(Buffer.from(a.salt, 'base64url'))
      .update(CITIZEN_ID)
      .digest('base64url');
    expect(a.digest).toBe(expected);
    expect(holderDigestOf(Buffer.from(a.salt, 'base64url'), CITIZEN_ID)).toBe(a.digest);
  });

  it('a JWS digest is base64url SHA-256 of its text', () => {
    expect(jwsDigest('a.b.c')).toBe(createHash('sha256').update('a.b.c').digest('base64url'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"z":1}]},"b":1}',
    );
  });

  it('writes what the entry-sorting version wrote (stored request hashes stay valid)', () => {
    // the first implementation, kept here as the reference: a key remembered before must match after
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
      }
      return JSON.stringify(value ?? null);
    };
    const key = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.string({ unit: 'grapheme-composite', maxLength: 4 }),
      fc.constantFrom('', 'a', 'A', 'é', '中', '\u{1f600}', '__proto__x', '\ud800'),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', maxDepth: 3 },
        fc.constant(undefined),
        fc.constant(null),
        fc.boolean(),
        fc.double(),
        fc.string({ maxLength: 8 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 6 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => canonicalJson(value) === reference(value)),
      { numRuns: 300 },
    );
  });
});
