/**
 * The browser verifier (`@onceonly/seal/web`: WebCrypto, DecompressionStream) against `verifySealedJws`
 * (node:crypto, zlib) on the same inputs: they must give the same verdict, reasons, warnings and payload. Node has
 * both browser APIs, so this runs without a browser; the pages' e2e test runs the same code in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { foodLicencePayload, makeCa, makeSeal, NOW, seconds } from '../test/fixtures.js';
import {
  issueSealCrl,
  parseTrustBundle,
  sealCertificateInfo,
  sealPayload,
  toQrPayload,
  trustListPem,
  type VerifyResult,
  verifySealedJws,
} from './index.js';
import { fromQrPayloadWeb, parseTrustBundleWeb, verifySealedJwsWeb } from './web.js';

const HOUR = 3_600_000;
const seal = makeSeal();
const serial = sealCertificateInfo(seal.certPem).serialNumber;
const crl = (compromisedAt: Date) =>
  issueSealCrl({
    ca: seal.ca,
    thisUpdate: NOW,
    nextUpdate: new Date(NOW.getTime() + 24 * HOUR),
    crlNumber: 7n,
    revoked: [{ serialNumber: serial, revokedAt: compromisedAt, compromisedAt }],
  });

/** What both verifiers must agree on. */
const comparable = (r: VerifyResult) => ({
  valid: r.valid,
  reasons: r.reasons,
  warnings: r.warnings,
  payload: r.payload,
  kid: r.sealCert?.kid,
  serial: r.sealCert?.serialNumber,
  departmentCode: r.sealCert?.departmentCode,
  signedAt: r.signedAt,
  trustListUsed: r.trustListUsed,
});

async function both(input: string, pem: string, at = NOW, trustList: 'warn' | 'refuse' | undefined = 'warn') {
  const node = await verifySealedJws(input, {
    trustBundle: parseTrustBundle(pem),
    at,
    ...(trustList ? { trustList } : {}),
  });
  const web = await verifySealedJwsWeb(input, {
    trustBundle: await parseTrustBundleWeb(pem),
    at,
    ...(trustList ? { trustList } : {}),
  });
  expect(comparable(web)).toEqual(comparable(node));
  return web;
}

const qrOf = async (payload = foodLicencePayload()) =>
  toQrPayload(await sealPayload(payload, seal.signer, { embedChain: false }));

describe('verifySealedJwsWeb agrees with verifySealedJws', () => {
  it('a QR text: inflated with the preset dictionary through DecompressionStream, to the very JWS', async () => {
    const jws = await sealPayload(foodLicencePayload(), seal.signer, { embedChain: false });
    expect(await fromQrPayloadWeb(toQrPayload(jws))).toBe(jws);
    expect(await both(toQrPayload(jws), seal.bundlePem)).toMatchObject({ valid: true, reasons: [] });
  });

  it('a JWS with its chain, and the same JWS with its payload changed (SIGNATURE_INVALID)', async () => {
    const jws = await sealPayload(foodLicencePayload(), seal.signer);
    expect((await both(jws, seal.bundlePem)).valid).toBe(true);
    const [h, p, s] = jws.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), holderName: 'x' }),
    ).toString('base64url');
    expect((await both(`${h}.${forged}.${s}`, seal.bundlePem)).reasons).toEqual(['SIGNATURE_INVALID']);
  });

  it('garbage, a damaged QR text and a QR of another trust root', async () => {
    expect((await both('not a licence', seal.bundlePem)).reasons).toEqual(['MALFORMED']);
    const qr = await qrOf();
    expect((await both(`${qr.slice(0, 40)}A${qr.slice(41)}`, seal.bundlePem)).valid).toBe(false);
    const other = makeSeal({ ca: makeCa('Another Hub Root CA') });
    expect((await both(qr, other.bundlePem)).reasons).toEqual(['KID_UNKNOWN']);
  });

  it('a seal certificate of another root in x5c: CHAIN_UNTRUSTED', async () => {
    const other = makeSeal({ ca: makeCa('Another Hub Root CA') });
    const jws = await sealPayload(foodLicencePayload(), other.signer);
    expect((await both(jws, seal.bundlePem)).reasons).toContain('CHAIN_UNTRUSTED');
  });

  it('the trust list: revoked at or before the sealing time, revoked after, stale, missing, refused', async () => {
    const qr = await qrOf();
    const listed = (at: Date) => trustListPem([seal.ca.certPem, seal.certPem], [crl(at)]);
    expect((await both(qr, listed(NOW))).reasons).toEqual(['SEAL_REVOKED']);
    expect((await both(qr, listed(new Date(NOW.getTime() + HOUR)))).valid).toBe(true);
    const late = new Date(NOW.getTime() + 48 * HOUR);
    expect((await both(qr, listed(new Date(NOW.getTime() + HOUR)), late)).warnings).toEqual(['TRUST_LIST_STALE']);
    expect((await both(qr, seal.bundlePem)).warnings).toEqual(['TRUST_LIST_MISSING']);
    expect((await both(qr, seal.bundlePem, NOW, 'refuse')).reasons).toEqual(['TRUST_LIST_MISSING']);
  });

  it('a licence sealed in the future', async () => {
    const future = await sealPayload(foodLicencePayload(seconds(NOW) + 3600), seal.signer);
    expect((await both(future, seal.bundlePem)).reasons).toEqual(['ISSUED_IN_FUTURE']);
  });

  it('refuses a trust list whose CRL another CA signed, as parseTrustBundle does', async () => {
    const other = makeCa('Another Hub Root CA');
    const pem = trustListPem(
      [seal.ca.certPem, seal.certPem],
      [
        issueSealCrl({
          ca: other,
          thisUpdate: NOW,
          nextUpdate: new Date(NOW.getTime() + HOUR),
          crlNumber: 1n,
          revoked: [],
        }),
      ],
    );
    expect(() => parseTrustBundle(pem)).toThrow(expect.objectContaining({ code: 'CRL_INVALID' }));
    await expect(parseTrustBundleWeb(pem)).rejects.toMatchObject({ code: 'CRL_INVALID' });
  });
});
