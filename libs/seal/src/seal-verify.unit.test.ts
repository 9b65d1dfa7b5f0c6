import { createHmac, verify as cryptoVerify } from 'node:crypto';
import fc from 'fast-check';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { describe, expect, it } from 'vitest';
import { foodLicencePayload, makeCa, makeSeal, NOW, seconds } from '../test/fixtures.js';
import {
  generateKeyPair,
  issueClientCertificate,
  LocalKeySigner,
  parseTrustBundle,
  SEALED_LICENCE_TYP,
  SignatureMemory,
  type Signer,
  sealPayload,
  toQrPayload,
  trustBundlePem,
  verifySealedJws,
} from './index.js';

const seal = makeSeal();
const verifyAt = (jws: string, extra: Partial<Parameters<typeof verifySealedJws>[1]> = {}) =>
  verifySealedJws(jws, { trustBundle: seal.bundle, at: NOW, ...extra });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const json = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));

/** A signer that signs with `base`'s key but claims other things: the JWS that a forger or a bug would make. */
const lying = (base: Signer, claims: Partial<Pick<Signer, 'kid' | 'x5c'>>): Signer => ({
  kid: claims.kid ?? base.kid,
  alg: 'ES256',
  x5c: claims.x5c ?? base.x5c,
  sign: (input) => base.sign(input),
});

describe('sealPayload and verifySealedJws', () => {
  it('round-trips: a sealed licence verifies with the trust bundle', async () => {
    const payload = foodLicencePayload();
    const jws = await sealPayload(payload, seal.signer);
    const result = await verifyAt(jws);
    expect(result).toMatchObject({ valid: true, reasons: [], payload, signedAt: NOW });
    // the payload part as signed, for callers comparing with a stored JWS without decoding
    expect(result.payloadPart).toBe(jws.split('.')[1]);
    expect(result.header).toEqual({
      alg: 'ES256',
      typ: SEALED_LICENCE_TYP,
      kid: seal.signer.kid,
      x5c: seal.signer.x5c,
    });
    expect(result.sealCert).toMatchObject({ kid: seal.signer.kid, departmentCode: '11310107002429311T' });
  });

  it('is a JWS that jose verifies with the key of the x5c certificate', async () => {
    const jws = await sealPayload(foodLicencePayload(), seal.signer);
    const [leaf] = decodeProtectedHeader(jws).x5c ?? [];
    const key = await importX509(`-----BEGIN CERTIFICATE-----\n${leaf}\n-----END CERTIFICATE-----`, 'ES256');
    const { payload } = await compactVerify(jws, key);
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(foodLicencePayload());
  });

  it('adds iat from the clock when the payload has none', async () => {
    const jws = await sealPayload({ hello: '世界' }, seal.signer, { clock: () => NOW });
    expect(json(jws.split('.')[1])).toEqual({ hello: '世界', iat: seconds(NOW) });
    expect((await verifyAt(jws)).valid).toBe(true);
  });

  it('accepts the trust bundle as PEM', async () => {
    const jws = await sealPayload(foodLicencePayload(), seal.signer);
    expect((await verifySealedJws(jws, { trustBundle: seal.bundlePem, at: NOW })).valid).toBe(true);
  });

  it('rejects a payload that is not an object and an iat that is not a NumericDate', async () => {
    await expect(sealPayload([] as object, seal.signer)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(sealPayload({ iat: '2024-05-01' }, seal.signer)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('when the JWS was tampered with', () => {
  const sealed = sealPayload(foodLicencePayload(), seal.signer);

  it('a changed payload field gives SIGNATURE_INVALID', async () => {
    const [h, p, s] = (await sealed).split('.');
    const forged = { ...json(p), holderName: '上海别的餐饮有限公司' };
    const result = await verifyAt(`${h}.${b64(forged)}.${s}`);
    expect(result).toMatchObject({ valid: false, reasons: ['SIGNATURE_INVALID'] });
    expect(result.payload).toBeUndefined();
    expect(result.payloadPart).toBeUndefined();
  });

  it('a changed header gives SIGNATURE_INVALID', async () => {
    const [h, p, s] = (await sealed).split('.');
    const result = await verifyAt(`${b64({ ...json(h), extra: 1 })}.${p}.${s}`);
    expect(result.reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it('a changed signature byte gives SIGNATURE_INVALID', async () => {
    const [h, p, s] = (await sealed).split('.');
    const signature = Buffer.from(s ?? '', 'base64url');
    signature[10] = (signature[10] ?? 0) ^ 0x01;
    expect((await verifyAt(`${h}.${p}.${signature.toString('base64url')}`)).reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it('any one changed character makes it invalid (SIGNATURE_INVALID or MALFORMED)', async () => {
    const jws = await sealed;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: jws.length - 1 }), fc.constantFrom(...alphabet), async (at, char) => {
        fc.pre(jws[at] !== char);
        const result = await verifyAt(jws.slice(0, at) + char + jws.slice(at + 1));
        expect(result.valid).toBe(false);
        expect(
          result.reasons.some((r) => ['SIGNATURE_INVALID', 'MALFORMED', 'KID_MISMATCH', 'TYP_MISMATCH'].includes(r)),
        ).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['not a JWS', 'hello'],
    ['two parts', 'eyJhbGciOiJFUzI1NiJ9.e30'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.AAAA'],
    ['padding', 'eyJhbGciOiJFUzI1NiJ9=.e30.AAAA'],
  ])('%s gives MALFORMED', async (_, jws) => {
    expect((await verifyAt(jws)).reasons).toEqual(['MALFORMED']);
  });

  it('alg none, a missing kid, or a missing or impossible iat give MALFORMED', async () => {
    const [h, p, s] = (await sealed).split('.');
    const { iat: _, ...noIat } = json(p);
    expect((await verifyAt(`${b64({ ...json(h), alg: 'none' })}.${p}.`)).reasons).toEqual(['MALFORMED']);
    expect((await verifyAt(`${b64({ ...json(h), kid: undefined })}.${p}.${s}`)).reasons).toEqual(['MALFORMED']);
    expect((await verifyAt(`${h}.${b64(noIat)}.${s}`)).reasons).toEqual(['MALFORMED']);
    expect((await verifyAt(`${h}.${b64({ ...noIat, iat: 1e15 })}.${s}`)).reasons).toEqual(['MALFORMED']);
  });
});

describe('trust', () => {
  it('a JWS whose x5c chains to another CA gives CHAIN_UNTRUSTED', async () => {
    const stranger = makeSeal(); // same names, another CA
    const jws = await sealPayload(foodLicencePayload(), stranger.signer);
    const result = await verifyAt(jws);
    expect(result.reasons).toEqual(['CHAIN_UNTRUSTED']);
    expect(result.payload).toBeDefined(); // authentic for its key, but not trusted: act only on `valid`
  });

  it('a JWS whose x5c carries a foreign CA next to a foreign seal gives CHAIN_UNTRUSTED', async () => {
    const stranger = makeSeal();
    const jws = await sealPayload(
      foodLicencePayload(),
      lying(stranger.signer, { x5c: [stranger.signer.x5c[0] ?? '', seal.signer.x5c[1] ?? ''] }),
    );
    expect((await verifyAt(jws)).reasons).toEqual(['CHAIN_UNTRUSTED']);
  });

  it('a certificate that is not for document signing gives KEY_USAGE', async () => {
    const keyPair = generateKeyPair();
    const validity = { notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2025-01-01T00:00:00Z') };
    const certificatePem = issueClientCertificate({
      ca: seal.ca,
      department: { code: '11310107002429311T', name: '上海市普陀区市场监督管理局' },
      role: 'department',
      publicKey: keyPair.publicKey,
      validity,
    });
    const signer = new LocalKeySigner({ privateKey: keyPair.privateKey, certificatePem });
    expect((await verifyAt(await sealPayload(foodLicencePayload(), signer))).reasons).toEqual(['KEY_USAGE']);
  });

  it('a kid that does not name the x5c certificate gives KID_MISMATCH', async () => {
    const other = makeSeal({ ca: seal.ca });
    const jws = await sealPayload(foodLicencePayload(), lying(seal.signer, { kid: other.signer.kid }));
    expect((await verifyAt(jws)).reasons).toEqual(['KID_MISMATCH']);
  });

  it('another typ gives TYP_MISMATCH, unless that typ is expected', async () => {
    const jws = await sealPayload(foodLicencePayload(), seal.signer, { typ: 'statuslist+jwt' });
    expect((await verifyAt(jws)).reasons).toEqual(['TYP_MISMATCH']);
    expect((await verifyAt(jws, { typ: 'statuslist+jwt' })).valid).toBe(true);
  });

  it('an iat far in the future gives ISSUED_IN_FUTURE', async () => {
    const jws = await sealPayload(foodLicencePayload(seconds(NOW) + 3600), seal.signer);
    expect((await verifyAt(jws)).reasons).toEqual(['ISSUED_IN_FUTURE']);
    expect((await verifyAt(jws, { clockToleranceSeconds: 7200 })).valid).toBe(true);
  });
});

describe('when the seal was revoked', () => {
  const revokedAt = new Date('2024-06-01T00:00:00Z');
  const sealStatus = () => ({ revokedAt });

  it('rejects what was sealed after the compromise time', async () => {
    const jws = await sealPayload(foodLicencePayload(seconds(revokedAt) + 60), seal.signer);
    expect((await verifyAt(jws, { sealStatus, at: revokedAt })).reasons).toEqual(['SEAL_REVOKED']);
  });

  it('rejects what was sealed in the second of the compromise', async () => {
    const jws = await sealPayload(foodLicencePayload(seconds(revokedAt)), seal.signer);
    expect((await verifyAt(jws, { sealStatus, at: revokedAt })).reasons).toEqual(['SEAL_REVOKED']);
  });

  it('keeps valid what was sealed before it', async () => {
    const jws = await sealPayload(foodLicencePayload(seconds(revokedAt) - 1), seal.signer);
    expect((await verifyAt(jws, { sealStatus, at: revokedAt })).valid).toBe(true);
  });

  it('asks the lookup by kid and certificate serial number', async () => {
    const asked: string[][] = [];
    const jws = await sealPayload(foodLicencePayload(), seal.signer);
    const sealStatus = async (kid: string, serial: string) => {
      asked.push([kid, serial]);
      return undefined;
    };
    await verifyAt(jws, { sealStatus });
    expect(asked).toEqual([[seal.signer.kid, expect.stringMatching(/^[0-9A-F]{32}$/)]]);
  });
});

describe('seal validity at the signing time', () => {
  const short = makeSeal({
    ca: seal.ca,
    validFrom: new Date('2024-03-01T00:00:00Z'),
    validTo: new Date('2024-09-01T00:00:00Z'),
  });
  const bundle = parseTrustBundle(trustBundlePem([seal.ca.certPem, short.certPem]));
  // Without x5c, sealPayload cannot check the certificate: this is how an out-of-validity JWS could come about.
  const blind = lying(short.signer, { x5c: [] });

  it('sealPayload refuses to seal outside the seal certificate validity', async () => {
    const late = foodLicencePayload(seconds(new Date('2024-10-01T00:00:00Z')));
    const early = foodLicencePayload(seconds(new Date('2024-02-01T00:00:00Z')));
    await expect(sealPayload(late, short.signer)).rejects.toMatchObject({ code: 'SEAL_EXPIRED' });
    await expect(sealPayload(early, short.signer)).rejects.toMatchObject({ code: 'SEAL_NOT_YET_VALID' });
  });

  it('an expired seal gives SEAL_EXPIRED', async () => {
    const jws = await sealPayload(foodLicencePayload(seconds(new Date('2024-10-01T00:00:00Z'))), blind);
    const result = await verifySealedJws(jws, { trustBundle: bundle, at: new Date('2024-10-02T00:00:00Z') });
    expect(result.reasons).toEqual(['SEAL_EXPIRED']);
  });

  it('a seal not yet valid gives SEAL_NOT_YET_VALID', async () => {
    const jws = await sealPayload(foodLicencePayload(seconds(new Date('2024-02-01T00:00:00Z'))), blind);
    expect((await verifySealedJws(jws, { trustBundle: bundle, at: NOW })).reasons).toEqual(['SEAL_NOT_YET_VALID']);
  });

  it('a licence sealed while the seal was valid stays valid after the seal expired', async () => {
    const jws = await sealPayload(foodLicencePayload(), short.signer);
    expect((await verifySealedJws(jws, { trustBundle: bundle, at: new Date('2026-01-01T00:00:00Z') })).valid).toBe(
      true,
    );
  });
});

describe('trust bundles', () => {
  it('list the CA as anchor and the seals by kid', () => {
    expect(seal.bundle.anchors).toHaveLength(1);
    expect([...seal.bundle.seals.keys()]).toEqual([seal.signer.kid]);
  });

  it('drop duplicates and keep the order', () => {
    const pem = trustBundlePem([seal.ca.certPem, seal.certPem, seal.ca.certPem]);
    expect(pem).toBe(seal.bundlePem);
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('must hold a root CA', () => {
    expect(() => parseTrustBundle(seal.certPem)).toThrow(expect.objectContaining({ code: 'X509_INVALID' }));
    expect(() => parseTrustBundle('')).toThrow(expect.objectContaining({ code: 'X509_INVALID' }));
  });

  it('may hold several roots (a CA rotation)', async () => {
    const next = makeSeal({ ca: makeCa('OnceOnly Hub Root CA 2') });
    const bundle = parseTrustBundle(trustBundlePem([seal.ca.certPem, next.ca.certPem, seal.certPem, next.certPem]));
    const jws = await sealPayload(foodLicencePayload(), next.signer, { embedChain: false });
    expect((await verifySealedJws(jws, { trustBundle: bundle, at: NOW })).valid).toBe(true);
  });
});

describe('the signature check (node:crypto on the cached key, over the JWS as parsed)', () => {
  const sealed = sealPayload(foodLicencePayload(), seal.signer);
  const qrSealed = sealPayload(foodLicencePayload(), seal.signer, { embedChain: false });
  const joseAccepts = async (jws: string) => {
    const key = await importX509(seal.certPem, 'ES256');
    return compactVerify(jws, key, { algorithms: ['ES256'] }).then(
      () => true,
      () => false,
    );
  };

  it('a signature found valid is remembered by the exact JWS and key; every other check still runs (ADR 017)', async () => {
    const jws = await qrSealed;
    const signatureMemory = new SignatureMemory();
    const verifyAt = (text: string, extra: Partial<Parameters<typeof verifySealedJws>[1]> = {}) =>
      verifySealedJws(text, { trustBundle: seal.bundle, at: NOW, signatureMemory, ...extra });
    expect((await verifyAt(jws)).valid).toBe(true);
    expect(signatureMemory.size).toBe(1);
    // the same text again: the seal's revocation and the time of the check are still looked at
    const revokedAt = new Date(NOW.getTime() - 60_000);
    expect((await verifyAt(jws, { sealStatus: () => ({ revokedAt }) })).reasons).toEqual(['SEAL_REVOKED']);
    expect((await verifyAt(jws, { at: new Date(NOW.getTime() - 3_600_000) })).reasons).toEqual(['ISSUED_IN_FUTURE']);
    // the same text whose kid now resolves to another certificate (another key): checked afresh, and refused
    const other = makeSeal({ ca: seal.ca });
    const swapped = { ...seal.bundle, seals: new Map([[seal.signer.kid, other.bundle.seals.get(other.signer.kid)!]]) };
    const result = await verifySealedJws(jws, { trustBundle: swapped, at: NOW, signatureMemory });
    expect(result.reasons).toContain('SIGNATURE_INVALID');
    expect(result.payload).toBeUndefined();
    // and one changed character is another text: never a remembered verdict
    const [h, p, s] = jws.split('.');
    const changed = `${h}.${p}.${(s ?? '').startsWith('A') ? 'B' : 'A'}${(s ?? '').slice(1)}`;
    expect((await verifyAt(changed)).reasons).toEqual(['SIGNATURE_INVALID']);
    expect((await verifyAt(jws)).valid).toBe(true);
    // invalid signatures are not remembered
    expect(signatureMemory.size).toBe(1);
  });

  it('remembers at most its limit of texts, and nothing without a memory', async () => {
    const signatureMemory = new SignatureMemory(1);
    const a = await qrSealed;
    const b = await sealed;
    await verifySealedJws(a, { trustBundle: seal.bundle, at: NOW, signatureMemory });
    await verifySealedJws(b, { trustBundle: seal.bundle, at: NOW, signatureMemory });
    expect(signatureMemory.size).toBe(1);
    expect(() => new SignatureMemory(0)).toThrow(RangeError);
  });

  it('a JWS signed by another key under the seal kid and x5c gives SIGNATURE_INVALID', async () => {
    const other = makeSeal({ ca: seal.ca });
    const forger = lying(other.signer, { kid: seal.signer.kid, x5c: seal.signer.x5c });
    const result = await verifyAt(await sealPayload(foodLicencePayload(), forger));
    expect(result).toMatchObject({ valid: false, reasons: ['SIGNATURE_INVALID'] });
    expect(result.payload).toBeUndefined();
  });

  it('the same, without x5c (the kid found in the bundle, as from a QR code)', async () => {
    const other = makeSeal({ ca: seal.ca });
    const forger = lying(other.signer, { kid: seal.signer.kid, x5c: [] });
    expect((await verifyAt(await sealPayload(foodLicencePayload(), forger))).reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['63 bytes', Buffer.alloc(63, 1)],
    ['65 bytes', Buffer.alloc(65, 1)],
    ['r = s = 0', Buffer.alloc(64)],
    [
      'r = s = the group order',
      Buffer.from(`${'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'.repeat(2)}`, 'hex'),
    ],
  ])('a signature that is %s gives SIGNATURE_INVALID (never a throw)', async (_, signature) => {
    const [h, p] = (await sealed).split('.');
    expect((await verifyAt(`${h}.${p}.${signature.toString('base64url')}`)).reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it('a DER-encoded signature (what OpenSSL writes, not JOSE) gives SIGNATURE_INVALID', async () => {
    const [h, p, s] = (await sealed).split('.');
    const raw = Buffer.from(s ?? '', 'base64url');
    const int = (b: Buffer) => {
      const trimmed = b.subarray(b.findIndex((x) => x !== 0));
      const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
      return Buffer.concat([Buffer.from([0x02, body.length]), body]);
    };
    const seq = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
    const der = Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
    expect((await verifyAt(`${h}.${p}.${der.toString('base64url')}`)).reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it.each(['HS256', 'ES384', 'ES512', 'PS256', 'EdDSA', 'none'])(
    'alg %s (algorithm confusion) gives MALFORMED, whatever the signature',
    async (alg) => {
      const [h, p, s] = (await sealed).split('.');
      expect((await verifyAt(`${b64({ ...json(h), alg })}.${p}.${s}`)).reasons).toEqual(['MALFORMED']);
    },
  );

  it('an HMAC over the signing input keyed with the seal certificate (the classic confusion) is refused', async () => {
    const header = b64({ alg: 'HS256', typ: SEALED_LICENCE_TYP, kid: seal.signer.kid });
    const payload = b64(foodLicencePayload());
    const mac = createHmac('sha256', seal.certPem).update(`${header}.${payload}`).digest('base64url');
    expect((await verifyAt(`${header}.${payload}.${mac}`)).reasons).toEqual(['MALFORMED']);
    // and under alg ES256 the 32-byte MAC is no signature
    const es = b64({ alg: 'ES256', typ: SEALED_LICENCE_TYP, kid: seal.signer.kid });
    const mac2 = createHmac('sha256', seal.certPem).update(`${es}.${payload}`).digest('base64url');
    expect((await verifyAt(`${es}.${payload}.${mac2}`)).reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it('a crit header gives MALFORMED even with a valid signature over it', async () => {
    let critInput = '';
    const forged = await sealPayload(foodLicencePayload(), {
      ...seal.signer,
      kid: seal.signer.kid,
      alg: 'ES256',
      x5c: seal.signer.x5c,
      sign: (input) => {
        // sign a header with crit: rebuild the signing input with it, as a forger holding the key could
        const [h, p] = Buffer.from(input).toString('ascii').split('.');
        const withCrit = `${b64({ ...json(h), crit: ['b64'], b64: false })}.${p}`;
        critInput = withCrit;
        return seal.signer.sign(Buffer.from(withCrit, 'ascii'));
      },
    });
    const signature = forged.split('.')[2];
    expect((await verifyAt(`${critInput}.${signature}`)).reasons).toEqual(['MALFORMED']);
  });

  it('gives the verdict jose gives on the same JWS, for any changed signature or payload character', async () => {
    const jws = await qrSealed;
    const [h = '', p = '', s = ''] = jws.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('payload', 'signature'),
        fc.nat(),
        fc.constantFrom(...alphabet),
        async (part, at, char) => {
          const text = part === 'payload' ? p : s;
          const i = at % text.length;
          const changed = text.slice(0, i) + char + text.slice(i + 1);
          const candidate = part === 'payload' ? `${h}.${changed}.${s}` : `${h}.${p}.${changed}`;
          const ours = await verifyAt(candidate);
          // a part that is not canonical base64url or JSON is MALFORMED here, before any signature check
          fc.pre(!ours.reasons.includes('MALFORMED'));
          expect(ours.reasons.includes('SIGNATURE_INVALID')).toBe(!(await joseAccepts(candidate)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the unchanged JWS and QR text verify, and jose accepts them too', async () => {
    const qr = toQrPayload(await qrSealed);
    expect((await verifyAt(qr)).valid).toBe(true);
    expect(await joseAccepts(await qrSealed)).toBe(true);
    expect(await joseAccepts(await sealed)).toBe(true);
  });

  it('the header decoded once is shared frozen: a caller cannot change what the next verification reads', async () => {
    const jws = await sealed;
    const first = await verifyAt(jws);
    const header = first.header as unknown as { kid: string; x5c: string[] };
    expect(() => {
      header.kid = 'changed';
    }).toThrow(TypeError);
    expect(() => header.x5c.pop()).toThrow(TypeError);
    expect(await verifyAt(jws)).toMatchObject({ valid: true, header: { kid: seal.signer.kid } });
  });

  it('a certificate seen again reuses its key: many verifications, one verdict each', async () => {
    const jws = await sealed;
    const results = await Promise.all(Array.from({ length: 50 }, () => verifyAt(jws)));
    expect(results.every((r) => r.valid)).toBe(true);
  });
});

describe('LocalKeySigner', () => {
  it('signs r‖s (64 bytes) that openssl-compatible DER verification accepts, on the calling thread', async () => {
    const input = Buffer.from('eyJhbGciOiJFUzI1NiJ9.e30', 'ascii');
    const signature = await seal.signer.sign(input);
    expect(signature).toHaveLength(64);
    expect(cryptoVerify('sha256', input, { key: seal.keyPair.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      true,
    );
  });
});
