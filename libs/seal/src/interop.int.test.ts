import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { joseToDer, openssl } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foodLicencePayload, makeSeal, NOW, seconds } from '../test/fixtures.js';
import {
  encryptPrivateKey,
  generateKeyPair,
  issueClientCertificate,
  issueSealCrl,
  issueServerCertificate,
  sealCertificateInfo,
  sealPayload,
  trustBundlePem,
  trustListPem,
} from './index.js';

describe('interoperability with OpenSSL and Node TLS', () => {
  const seal = makeSeal();
  let dir = '';
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-seal-'));
    await writeFile(file('ca.pem'), seal.ca.certPem);
    await writeFile(file('seal.pem'), seal.certPem);
    await writeFile(file('bundle.pem'), trustBundlePem([seal.ca.certPem, seal.certPem]));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('openssl verify accepts the seal certificate against the CA and against the trust bundle', async () => {
    const attime = String(seconds(NOW));
    const withCa = await openssl(
      ['verify', '-CAfile', 'ca.pem', '-purpose', 'any', '-attime', attime, 'seal.pem'],
      dir,
    );
    expect(withCa).toEqual({ code: 0, out: 'seal.pem: OK\n' });
    const withBundle = await openssl(['verify', '-CAfile', 'bundle.pem', '-attime', attime, 'seal.pem'], dir);
    expect(withBundle).toEqual({ code: 0, out: 'seal.pem: OK\n' });
  });

  it('openssl verify refuses the seal certificate against another CA', async () => {
    const other = makeSeal();
    await writeFile(file('other-ca.pem'), other.ca.certPem);
    const result = await openssl(
      ['verify', '-CAfile', 'other-ca.pem', '-attime', String(seconds(NOW)), 'seal.pem'],
      dir,
    );
    expect(result.code).not.toBe(0);
  });

  describe('the trust list (CRL)', () => {
    const revokedSeal = makeSeal({ ca: seal.ca, sealId: '3101070000002' });
    const crl = issueSealCrl({
      ca: seal.ca,
      thisUpdate: new Date(NOW.getTime() - 60_000),
      nextUpdate: new Date(NOW.getTime() + 7 * 86_400_000),
      crlNumber: 1_714_521_600_000n,
      revoked: [
        {
          serialNumber: sealCertificateInfo(revokedSeal.certPem).serialNumber,
          revokedAt: new Date(NOW.getTime() - 120_000),
          compromisedAt: new Date('2024-04-01T00:00:00Z'),
        },
      ],
    });
    const attime = String(seconds(NOW));

    beforeAll(async () => {
      await writeFile(file('crl.pem'), crl);
      await writeFile(file('revoked.pem'), revokedSeal.certPem);
      await writeFile(
        file('trust-list.pem'),
        trustListPem([seal.ca.certPem, seal.certPem, revokedSeal.certPem], [crl]),
      );
    });

    it('openssl crl -verify accepts the CRL against the hub CA and reads its entry', async () => {
      const result = await openssl(['crl', '-in', 'crl.pem', '-CAfile', 'ca.pem', '-verify', '-noout', '-text'], dir);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/verify OK/);
      expect(result.out).toMatch(/X509v3 CRL Reason Code:\s+Key Compromise/);
      expect(result.out).toMatch(/Invalidity Date:\s+Apr {2}1 00:00:00 2024 GMT/);
      expect(result.out).toMatch(/X509v3 CRL Number:\s+1714521600000/);
    });

    it('openssl crl -verify refuses the CRL against another CA', async () => {
      await writeFile(file('other-ca-2.pem'), makeSeal().ca.certPem);
      const result = await openssl(['crl', '-in', 'crl.pem', '-CAfile', 'other-ca-2.pem', '-verify', '-noout'], dir);
      // OpenSSL 3.0 reports a bad CRL signature on stderr but exits 0 (later versions exit 1): read both.
      expect(result.code !== 0 || /verify failure/.test(result.out)).toBe(true);
      expect(result.out).not.toMatch(/verify OK/);
    });

    it('openssl verify -crl_check accepts the active seal and refuses the revoked one (CRLfile, and the one-file list)', async () => {
      const check = (name: string, extra: string[]) =>
        openssl(['verify', '-crl_check', '-attime', attime, '-purpose', 'any', ...extra, name], dir);
      expect(await check('seal.pem', ['-CAfile', 'ca.pem', '-CRLfile', 'crl.pem'])).toEqual({
        code: 0,
        out: 'seal.pem: OK\n',
      });
      expect((await check('revoked.pem', ['-CAfile', 'ca.pem', '-CRLfile', 'crl.pem'])).code).not.toBe(0);
      expect(await check('seal.pem', ['-CAfile', 'trust-list.pem'])).toEqual({ code: 0, out: 'seal.pem: OK\n' });
      const revoked = await check('revoked.pem', ['-CAfile', 'trust-list.pem']);
      expect(revoked.code).not.toBe(0);
      expect(revoked.out).toMatch(/certificate revoked/);
    });
  });

  it('openssl dgst verifies the JWS signature, and refuses it over a changed signing input', async () => {
    const jws = await sealPayload(foodLicencePayload(), seal.signer);
    const [header = '', payload = '', signature = ''] = jws.split('.');
    await writeFile(file('input.txt'), `${header}.${payload}`);
    await writeFile(file('sig.der'), joseToDer(Buffer.from(signature, 'base64url')));
    // The public key comes out of the certificate by openssl itself.
    const pub = await openssl(['x509', '-in', 'seal.pem', '-pubkey', '-noout', '-out', 'pub.pem'], dir);
    expect(pub.code).toBe(0);

    const good = await openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'input.txt'], dir);
    expect(good).toEqual({ code: 0, out: 'Verified OK\n' });

    const changed = Buffer.from(`${header}.${payload}`, 'ascii');
    changed[header.length + 5] = (changed[header.length + 5] ?? 0) ^ 0x01;
    await writeFile(file('changed.txt'), changed);
    const bad = await openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'changed.txt'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('Verification failure');
  });

  it('openssl reads an encrypted private key with its passphrase, and not without', async () => {
    await writeFile(file('key.pem'), encryptPrivateKey(seal.keyPair.privateKey, 'pass-for-openssl'));
    const ok = await openssl(['pkey', '-in', 'key.pem', '-passin', 'pass:pass-for-openssl', '-pubout'], dir);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe(seal.keyPair.publicKey.export({ type: 'spki', format: 'pem' }));
    const wrong = await openssl(['pkey', '-in', 'key.pem', '-passin', 'pass:wrong', '-noout'], dir);
    expect(wrong.code).not.toBe(0);
  });

  describe('mTLS certificates', () => {
    // TLS checks validity against the real clock, so these certificates are valid around the real now.
    const now = Date.now();
    const validity = { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 86_400_000) };
    const serverKeys = generateKeyPair();
    const clientKeys = generateKeyPair();
    const department = { code: '11310107002429311T', name: '上海市普陀区市场监督管理局' };
    const serverPem = issueServerCertificate({
      ca: seal.ca,
      hosts: ['127.0.0.1', 'localhost'],
      publicKey: serverKeys.publicKey,
      validity,
    });
    const clientPem = issueClientCertificate({
      ca: seal.ca,
      department,
      role: 'department',
      publicKey: clientKeys.publicKey,
      validity,
    });
    const pemKey = (key: typeof serverKeys.privateKey) => key.export({ type: 'pkcs8', format: 'pem' }) as string;

    it('openssl verify accepts them for their purpose only', async () => {
      await writeFile(file('server.pem'), serverPem);
      await writeFile(file('client.pem'), clientPem);
      const verify = (purpose: string, name: string) =>
        openssl(['verify', '-CAfile', 'ca.pem', '-purpose', purpose, name], dir);
      expect(await verify('sslserver', 'server.pem')).toEqual({ code: 0, out: 'server.pem: OK\n' });
      expect(await verify('sslclient', 'client.pem')).toEqual({ code: 0, out: 'client.pem: OK\n' });
      expect((await verify('sslserver', 'client.pem')).code).not.toBe(0);
      expect((await verify('sslclient', 'server.pem')).code).not.toBe(0);
    });

    it('Node TLS completes a mutual handshake and the server reads the department from the client certificate', async () => {
      const server = tls.createServer({
        cert: serverPem,
        key: pemKey(serverKeys.privateKey),
        ca: seal.ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      });
      const seen = new Promise<tls.PeerCertificate>((resolve) => {
        server.on('secureConnection', (socket) => {
          resolve(socket.getPeerCertificate());
          socket.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      try {
        const client = tls.connect({
          host: '127.0.0.1',
          port,
          ca: seal.ca.certPem,
          cert: clientPem,
          key: pemKey(clientKeys.privateKey),
        });
        await new Promise<void>((resolve, reject) => {
          client.once('secureConnect', resolve);
          client.once('error', reject);
        });
        expect(client.authorized).toBe(true);
        const peer = await seen;
        expect(peer.subject).toMatchObject({ CN: department.code, O: department.name, OU: 'department' });
        client.destroy();
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('Node TLS does not authorise a client certificate from another CA', async () => {
      const stranger = makeSeal().ca;
      const strangerPem = issueClientCertificate({
        ca: stranger,
        department,
        role: 'department',
        publicKey: clientKeys.publicKey,
        validity,
      });
      // rejectUnauthorized: false so that the server can say why it does not authorise the client.
      const server = tls.createServer({
        cert: serverPem,
        key: pemKey(serverKeys.privateKey),
        ca: seal.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
      });
      const verdict = new Promise<{ authorized: boolean; error: string | undefined }>((resolve) => {
        server.on('secureConnection', (socket) => {
          resolve({ authorized: socket.authorized, error: String(socket.authorizationError) });
          socket.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      try {
        const client = tls.connect({
          host: '127.0.0.1',
          port,
          ca: seal.ca.certPem,
          cert: strangerPem,
          key: pemKey(clientKeys.privateKey),
        });
        client.on('error', () => {});
        expect(await verdict).toEqual({
          authorized: false,
          error: expect.stringMatching(/^UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)/),
        });
        client.destroy();
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
