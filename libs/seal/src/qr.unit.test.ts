import { deflateRawSync } from 'node:zlib';
import base45 from 'base45';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foodLicencePayload, makeSeal, NOW } from '../test/fixtures.js';
import {
  fromQrPayload,
  QR_PREFIX,
  resolveKid,
  type Signer,
  sealPayload,
  sealWithQr,
  toQrPayload,
  verifySealedJws,
} from './index.js';

const seal = makeSeal();
const qrJws = sealPayload(foodLicencePayload(), seal.signer, { embedChain: false });

describe('QR payloads', () => {
  it('keep a typical food business licence under 1,000 characters', async () => {
    const jws = await qrJws;
    const qr = toQrPayload(jws);
    // The sizes, for the record: the QR text is about a third of the JWS with its chain.
    const withChain = await sealPayload(foodLicencePayload(), seal.signer);
    console.info(
      `food licence: JWS with x5c ${withChain.length}, without ${jws.length}, QR payload ${qr.length} chars`,
    );
    expect(qr.length).toBeLessThan(1000);
    expect(qr.startsWith(QR_PREFIX)).toBe(true);
    expect(qr).toMatch(/^[0-9A-Z $%*+\-./:]+$/); // QR alphanumeric mode
  });

  it('give back the sealed JWS character for character', async () => {
    const jws = await qrJws;
    expect(fromQrPayload(toQrPayload(jws))).toBe(jws);
    expect(fromQrPayload(`  ${toQrPayload(jws)}\r\n`)).toBe(jws);
  });

  it('carry no x5c: the kid resolves in the trust bundle', async () => {
    const jws = await qrJws;
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'onceonly-licence+jws', kid: seal.signer.kid });
    expect(resolveKid(seal.bundle, seal.signer.kid)?.raw.toString('base64')).toBe(seal.signer.x5c[0]);
  });

  it('verify as they are, offline, with the trust bundle', async () => {
    const result = await verifySealedJws(toQrPayload(await qrJws), { trustBundle: seal.bundle, at: NOW });
    expect(result).toMatchObject({ valid: true, payload: foodLicencePayload() });
  });

  it('from another trust root give KID_UNKNOWN', async () => {
    const stranger = makeSeal();
    const qr = toQrPayload(await sealPayload(foodLicencePayload(), stranger.signer, { embedChain: false }));
    expect((await verifySealedJws(qr, { trustBundle: seal.bundle, at: NOW })).reasons).toEqual(['KID_UNKNOWN']);
  });

  it('refuse a JWS that carries x5c', async () => {
    const withChain = await sealPayload(foodLicencePayload(), seal.signer);
    expect(() => toQrPayload(withChain)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuse text that is not a JWS', () => {
    expect(() => toQrPayload('a.b')).toThrow(expect.objectContaining({ code: 'JWS_MALFORMED' }));
  });
});

/** The header and payload parts of a compact JWS (the signature differs between two ES256 signings). */
const signedParts = (jws: string) => jws.split('.').slice(0, 2);

describe('sealWithQr', () => {
  it('gives what sealPayload and toQrPayload give, in one pass', async () => {
    const payload = foodLicencePayload();
    const { jws, qrPayload } = await sealWithQr(payload, seal.signer);
    expect(signedParts(jws)).toEqual(signedParts(await sealPayload(payload, seal.signer)));
    const compact = fromQrPayload(qrPayload);
    expect(signedParts(compact)).toEqual(signedParts(await qrJws));
    // the same frame as toQrPayload makes of that JWS, character for character
    expect(toQrPayload(compact)).toBe(qrPayload);
    for (const sealed of [jws, qrPayload]) {
      expect(await verifySealedJws(sealed, { trustBundle: seal.bundle, at: NOW })).toMatchObject({
        valid: true,
        payload,
      });
    }
  });

  it('writes the header again for a signer whose kid or chain changed', async () => {
    const other = makeSeal({ ca: seal.ca });
    const changing: { -readonly [K in keyof Signer]: Signer[K] } = {
      kid: seal.signer.kid,
      alg: 'ES256',
      x5c: seal.signer.x5c,
      sign: (input) => seal.signer.sign(input),
    };
    const header = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString());
    expect(header((await sealWithQr(foodLicencePayload(), changing)).jws).kid).toBe(seal.signer.kid);
    changing.kid = other.signer.kid;
    changing.x5c = other.signer.x5c;
    const changed = await sealWithQr(foodLicencePayload(), changing);
    expect(header(changed.jws)).toMatchObject({ kid: other.signer.kid, x5c: other.signer.x5c });
    expect(header(fromQrPayload(changed.qrPayload))).toEqual({
      alg: 'ES256',
      typ: 'onceonly-licence+jws',
      kid: other.signer.kid,
    });
    // a chain that is not frozen can change in place: it is written on every call
    const chain = [...seal.signer.x5c];
    const unfrozen: Signer = { ...changing, kid: seal.signer.kid, x5c: chain };
    await sealWithQr(foodLicencePayload(), unfrozen);
    chain.pop();
    expect(header((await sealWithQr(foodLicencePayload(), unfrozen)).jws).x5c).toEqual(chain);
  });

  it('refuses what sealPayload refuses, with the same codes', async () => {
    await expect(sealWithQr([] as unknown as object, seal.signer)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(sealWithQr({ ...foodLicencePayload(), iat: 1.5 }, seal.signer)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    // the test seal is valid 2024-01-01 to 2027-01-01
    await expect(sealWithQr(foodLicencePayload(Date.UTC(2030, 0, 1) / 1000), seal.signer)).rejects.toMatchObject({
      code: 'SEAL_EXPIRED',
    });
    const short: Signer = {
      ...seal.signer,
      kid: seal.signer.kid,
      x5c: seal.signer.x5c,
      alg: 'ES256',
      sign: async () => new Uint8Array(63),
    };
    await expect(sealWithQr(foodLicencePayload(), short)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('bad QR text', () => {
  const dictionaryless = `${QR_PREFIX}${base45.encode(deflateRawSync(Buffer.from('{"alg":"ES256"}')))}`;
  it.each([
    ['a wrong prefix', 'OO2:ABC', 'PREFIX'],
    ['no prefix', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA', 'PREFIX'],
    ['lower-case base45', `${QR_PREFIX}abc`, 'BASE45'],
    ['a dangling base45 character', `${QR_PREFIX}ABCD`, 'BASE45'],
    ['a base45 group above 65535', `${QR_PREFIX}:::`, 'BASE45'],
    ['bytes that do not inflate', `${QR_PREFIX}${base45.encode(Buffer.from([0xff, 0xff, 0xff, 0xff]))}`, 'DEFLATE'],
    ['a frame without a signature', dictionaryless, 'FRAME'],
  ])('%s gives JWS_MALFORMED (%s)', (_, text, reason) => {
    expect(() => fromQrPayload(text)).toThrow(
      expect.objectContaining({ code: 'JWS_MALFORMED', details: { meta: { reason } } }),
    );
  });

  it('refuses as BASE45 exactly the texts that the base45 package would not write back the same', () => {
    const alphabet = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'];
    // mostly high characters, so that groups above the limits come up often
    const char = fc.oneof(fc.constantFrom(...alphabet), fc.constantFrom(':', '/', '.', '-', '+', 'Z', 'Y'));
    fc.assert(
      fc.property(fc.array(char, { minLength: 2, maxLength: 40 }), (chars) => {
        const body = chars.join('').trimEnd();
        fc.pre(body.length % 3 !== 1 && body.length > 0);
        const canonical = base45.encode(base45.decode(body)) === body;
        let reason = 'none';
        try {
          fromQrPayload(QR_PREFIX + body);
        } catch (err) {
          reason = (err as { details?: { meta?: { reason?: string } } }).details?.meta?.reason ?? 'other';
        }
        expect(reason === 'BASE45').toBe(!canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes what the base45 package encodes, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = `${QR_PREFIX}${base45.encode(Buffer.from(bytes))}`;
        // past the base45 step every failure is DEFLATE or FRAME (random bytes), never BASE45
        try {
          fromQrPayload(text);
        } catch (err) {
          expect((err as { details?: { meta?: { reason?: string } } }).details?.meta?.reason).not.toBe('BASE45');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives MALFORMED when verified', async () => {
    expect((await verifySealedJws(`${QR_PREFIX}:::`, { trustBundle: seal.bundle, at: NOW })).reasons).toEqual([
      'MALFORMED',
    ]);
  });

  it('stops inflating at 64 KiB', () => {
    const bomb = `${QR_PREFIX}${base45.encode(deflateRawSync(Buffer.alloc(200_000)))}`;
    expect(() => fromQrPayload(bomb)).toThrow(expect.objectContaining({ code: 'JWS_MALFORMED' }));
  });
});
