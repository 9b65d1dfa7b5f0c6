import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { certificateV1 as cv } from '@onceonly/contracts';
import { fromQrPayload } from '@onceonly/seal';
import { certificatePem, joseToDer, openssl } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';
import { type Harness, holderRef, startHarness } from './service-harness.js';

describe('an issued certificate checked with OpenSSL', () => {
  let hub: Harness;
  let dir = '';
  let certificate: cv.Certificate;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    hub = await startHarness();
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-cert-interop-'));
    const issued = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      {
        typeCode: TYPE_CODES.FOOD_BUSINESS,
        holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
        fields: FOOD_FIELDS,
      },
      { code: PUTUO_MARKET_REGULATION.code },
    );
    certificate = issued.certificate!;
    const header = JSON.parse(Buffer.from(certificate.jws.split('.')[0]!, 'base64url').toString()) as { x5c: string[] };
    await writeFile(file('bundle.pem'), await hub.seals.trustBundle());
    await writeFile(file('ca.pem'), hub.seals.ca.certPem);
    await writeFile(file('seal.pem'), certificatePem(header.x5c[0]!));
    expect((await openssl(['x509', '-in', 'seal.pem', '-pubkey', '-noout', '-out', 'pub.pem'], dir)).code).toBe(0);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await hub?.stop();
  });

  it('openssl verify accepts the x5c seal certificate against the CA and against the trust bundle', async () => {
    expect(await openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'any', 'seal.pem'], dir)).toEqual({
      code: 0,
      out: 'seal.pem: OK\n',
    });
    expect(await openssl(['verify', '-CAfile', 'bundle.pem', 'seal.pem'], dir)).toEqual({
      code: 0,
      out: 'seal.pem: OK\n',
    });
    const subject = await openssl(
      ['x509', '-in', 'seal.pem', '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus'],
      dir,
    );
    expect(subject.out).toContain(`OU=${PUTUO_MARKET_REGULATION.code}`);
  });

  it('openssl dgst verifies the JWS signature on its signing input, and refuses a changed one', async () => {
    const [h = '', p = '', s = ''] = certificate.jws.split('.');
    await writeFile(file('input.txt'), `${h}.${p}`);
    await writeFile(file('sig.der'), joseToDer(Buffer.from(s, 'base64url')));
    const good = await openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'input.txt'], dir);
    expect(good).toEqual({ code: 0, out: 'Verified OK\n' });
    const changed = Buffer.from(`${h}.${p}`, 'ascii');
    changed[h.length + 7] = (changed[h.length + 7] ?? 0) ^ 0x01;
    await writeFile(file('changed.txt'), changed);
    const bad = await openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'changed.txt'], dir);
    expect(bad.code).not.toBe(0);
  });

  it('openssl dgst verifies the QR payload, rebuilt into its JWS, with the same seal key', async () => {
    const [h = '', p = '', s = ''] = fromQrPayload(certificate.qrPayload).split('.');
    await writeFile(file('qr-input.txt'), `${h}.${p}`);
    await writeFile(file('qr-sig.der'), joseToDer(Buffer.from(s, 'base64url')));
    const result = await openssl(
      ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'qr-sig.der', 'qr-input.txt'],
      dir,
    );
    expect(result).toEqual({ code: 0, out: 'Verified OK\n' });
  });
});
