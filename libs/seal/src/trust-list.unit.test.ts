import { describe, expect, it } from 'vitest';
import { foodLicencePayload, makeCa, makeSeal, NOW, seconds } from '../test/fixtures.js';
import {
  CRL_REASON_CODES,
  issueSealCrl,
  parseTrustBundle,
  readSealCrl,
  sealCertificateInfo,
  sealPayload,
  trustListPem,
  verifySealedJws,
} from './index.js';
import { pemBlocks } from './pem.js';

const HOUR = 3_600_000;
const seal = makeSeal();
const serial = sealCertificateInfo(seal.certPem).serialNumber;
const compromisedAt = new Date(NOW.getTime() + HOUR);
const revokedAt = new Date(NOW.getTime() + 2 * HOUR);
const thisUpdate = new Date(NOW.getTime() + 3 * HOUR);
const nextUpdate = new Date(NOW.getTime() + 7 * 24 * HOUR);

const crlPem = (revoked = [{ serialNumber: serial, revokedAt, compromisedAt }], ca = seal.ca) =>
  issueSealCrl({ ca, thisUpdate, nextUpdate, crlNumber: 42n, revoked });
const crlDer = (pem: string) => pemBlocks(pem)[0]!.der;
const anchor = parseTrustBundle(seal.ca.certPem).anchors;
const listWith = (crls: string[]) => parseTrustBundle(trustListPem([seal.ca.certPem, seal.certPem], crls));

describe('issueSealCrl and readSealCrl', () => {
  it('writes a v2 CRL that reads back with its dates, number and one keyCompromise entry with the compromise time', () => {
    const crl = readSealCrl(crlDer(crlPem()), anchor);
    expect(crl).toMatchObject({ thisUpdate, nextUpdate, crlNumber: 42n });
    expect([...crl.entries.values()]).toEqual([
      { serialNumber: serial, revokedAt, reasonCode: CRL_REASON_CODES.keyCompromise, compromisedAt },
    ]);
  });

  it('writes an empty list without a revokedCertificates field', () => {
    expect(readSealCrl(crlDer(crlPem([])), anchor).entries.size).toBe(0);
  });

  it('refuses a list signed by another CA, and a list with one byte changed, with CRL_INVALID', () => {
    const other = makeCa('Another Hub Root CA');
    expect(() => readSealCrl(crlDer(crlPem([], other)), anchor)).toThrow(
      expect.objectContaining({ code: 'CRL_INVALID' }),
    );
    const der = Buffer.from(crlDer(crlPem()));
    der[der.length - 80] = (der[der.length - 80] ?? 0) ^ 0x01;
    expect(() => readSealCrl(der, anchor)).toThrow(expect.objectContaining({ code: 'CRL_INVALID' }));
  });

  it('refuses a nextUpdate not after thisUpdate and a CRL number of zero', () => {
    const base = { ca: seal.ca, thisUpdate, revoked: [] };
    expect(() => issueSealCrl({ ...base, nextUpdate: thisUpdate, crlNumber: 1n })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => issueSealCrl({ ...base, nextUpdate, crlNumber: 0n })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('a trust bundle with a CRL not signed by its root is refused with CRL_INVALID', () => {
    const other = makeCa('Another Hub Root CA');
    expect(() => listWith([crlPem([], other)])).toThrow(expect.objectContaining({ code: 'CRL_INVALID' }));
  });

  it('a trust bundle keeps the newest list of each root', () => {
    const older = issueSealCrl({ ca: seal.ca, thisUpdate, nextUpdate, crlNumber: 7n, revoked: [] });
    const bundle = listWith([crlPem(), older]);
    expect(bundle.crls.map((c) => c.crlNumber)).toEqual([42n]);
  });
});

describe('verifySealedJws with the trust list', () => {
  const sealedAt = async (date: Date) => sealPayload(foodLicencePayload(seconds(date)), seal.signer);
  const verify = async (jws: string, crls: string[], mode: 'warn' | 'refuse', at = thisUpdate) =>
    verifySealedJws(jws, { trustBundle: listWith(crls), at, trustList: mode });

  describe('when the seal was revoked with a compromise time', () => {
    it('accepts what it sealed before the compromise time', async () => {
      const result = await verify(await sealedAt(NOW), [crlPem()], 'warn');
      expect(result).toMatchObject({ valid: true, reasons: [], warnings: [] });
      expect(result.trustListUsed).toEqual({ thisUpdate, nextUpdate, crlNumber: 42n });
    });

    it('rejects what it sealed at or after the compromise time with SEAL_REVOKED', async () => {
      for (const date of [compromisedAt, new Date(compromisedAt.getTime() + 1000)]) {
        const result = await verify(await sealedAt(date), [crlPem()], 'warn');
        expect(result).toMatchObject({ valid: false, reasons: ['SEAL_REVOKED'], warnings: [] });
      }
    });
  });

  describe('when the list is past its nextUpdate', () => {
    const late = new Date(nextUpdate.getTime() + 1000);

    it('warns TRUST_LIST_STALE and still applies the revocations it lists', async () => {
      const before = await verify(await sealedAt(NOW), [crlPem()], 'warn', late);
      expect(before).toMatchObject({ valid: true, reasons: [], warnings: ['TRUST_LIST_STALE'] });
      const after = await verify(await sealedAt(compromisedAt), [crlPem()], 'warn', late);
      expect(after).toMatchObject({ valid: false, reasons: ['SEAL_REVOKED'], warnings: ['TRUST_LIST_STALE'] });
    });

    it('refuses with TRUST_LIST_STALE when told to', async () => {
      const result = await verify(await sealedAt(NOW), [crlPem()], 'refuse', late);
      expect(result).toMatchObject({ valid: false, reasons: ['TRUST_LIST_STALE'] });
      expect(result.warnings).toBeUndefined();
    });
  });

  describe('when the bundle holds no list of the seal’s root', () => {
    it('warns TRUST_LIST_MISSING, or refuses with it when told to', async () => {
      const jws = await sealedAt(compromisedAt);
      expect(await verify(jws, [], 'warn')).toMatchObject({ valid: true, warnings: ['TRUST_LIST_MISSING'] });
      expect(await verify(jws, [], 'refuse')).toMatchObject({ valid: false, reasons: ['TRUST_LIST_MISSING'] });
    });
  });

  it('without the trustList option the lists are not read (as before)', async () => {
    const result = await verifySealedJws(await sealedAt(compromisedAt), {
      trustBundle: listWith([crlPem()]),
      at: thisUpdate,
    });
    expect(result).toMatchObject({ valid: true, reasons: [] });
    expect(result.warnings).toBeUndefined();
  });
});
