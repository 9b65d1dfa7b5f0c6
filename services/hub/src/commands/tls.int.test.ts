/**
 * `onceonly tls` writes the files deploy/ mounts, and each service's server certificate names every host a caller in
 * Compose or Kubernetes dials it by (the peer addresses of the manifests included), so that mTLS works across
 * containers; each client certificate of the calls between services (ADR 040) names the role its peers admit and
 * chains to the hub CA.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PORTAL } from '@onceonly/directory';
import { createRootCa, encryptPrivateKey } from '@onceonly/seal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { HUB_MODULES } from '../modules.js';
import { PEER_CLIENTS } from './tls.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const PASSPHRASE = 'tls-test-passphrase-0123456789abcdef';
const SERVICES = HUB_MODULES.map((m) => m.name);

/** The host of every `<service>:<port>` peer address a manifest gives a service (ONCEONLY_*_ADDR). */
async function peerHosts(): Promise<string[]> {
  const compose = parse(await readFile(join(REPO, 'deploy/compose/compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const config = parseAllDocuments(await readFile(join(REPO, 'deploy/k8s/00-config.yaml'), 'utf8')).map(
    (d) => d.toJS() as { data?: Record<string, string> },
  );
  const values = [
    ...Object.values(compose.services).flatMap((s) => Object.entries(s.environment ?? {})),
    ...config.flatMap((c) => Object.entries(c.data ?? {})),
  ];
  return values
    .filter(([name]) => /^ONCEONLY_[A-Z]+_[A-Z]+_ADDR$/.test(name))
    .map(([, value]) => String(value).split(':')[0]!);
}

describe('onceonly tls: server certificates for the services’ DNS names', () => {
  let dir = '';
  let ca: X509Certificate;
  const certOf = async (name: string) => new X509Certificate(await readFile(join(dir, 'tls', `${name}.pem`)));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onceonly-tls-'));
    // the hub CA as `onceonly init` writes it: keys/ca.pem and keys/ca.key.pem encrypted under the passphrase
    const authority = createRootCa({
      commonName: 'OnceOnly Hub Root CA (test)',
      organisation: 'OnceOnly',
      validityYears: 5,
      clock: () => new Date(),
    });
    await mkdir(join(dir, 'keys'), { recursive: true });
    await writeFile(join(dir, 'keys', 'ca.pem'), authority.certPem);
    await writeFile(join(dir, 'keys', 'ca.key.pem'), encryptPrivateKey(authority.keyPair.privateKey, PASSPHRASE));
    await writeFile(join(dir, 'onceonly.env'), `ONCEONLY_KEY_PASSPHRASE='${PASSPHRASE}'\n`);
    ca = new X509Certificate(authority.certPem);
    const run = await cli(['--json', 'tls', '--dir', dir, '--namespace', 'city-a', '--host', '{service}-headless']);
    expect(run, run.err).toMatchObject({ code: 0 });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes ca.pem and, per service, a certificate the hub CA signed, with its key readable by its owner only', async () => {
    expect(await readFile(join(dir, 'tls', 'ca.pem'), 'utf8')).toBe(ca.toString());
    for (const name of SERVICES) {
      const cert = await certOf(name);
      expect(cert.verify(ca.publicKey), name).toBe(true);
      expect(cert.subject).toContain(`CN=${name}`);
      expect(cert.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
      expect((await stat(join(dir, 'tls', `${name}.key.pem`))).mode & 0o077).toBe(0);
    }
  });

  it('names each service by its Compose name, its Kubernetes Service names in the namespace, extra names and loopback', async () => {
    for (const name of SERVICES) {
      const sans = (await certOf(name)).subjectAltName?.split(', ') ?? [];
      expect(sans, name).toEqual([
        `DNS:${name}`,
        `DNS:${name}.city-a`,
        `DNS:${name}.city-a.svc`,
        `DNS:${name}.city-a.svc.cluster.local`,
        `DNS:${name}-headless`,
        'DNS:localhost',
        'IP Address:127.0.0.1',
      ]);
      // what a TLS client checks against the name it dialled
      expect((await certOf(name)).checkHost(`${name}.city-a.svc.cluster.local`)).toBeDefined();
      for (const other of SERVICES.filter((s) => s !== name)) {
        expect((await certOf(name)).checkHost(other), `${name} must not answer for ${other}`).toBeUndefined();
      }
    }
  });

  it('covers every peer address the manifests give a service (Compose and Kubernetes)', async () => {
    const hosts = await peerHosts();
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) {
      expect(SERVICES, host).toContain(host);
      expect((await certOf(host)).checkHost(host), host).toBe(host);
    }
    // and every Compose service that runs the hub has its certificate
    const compose = parse(await readFile(join(REPO, 'deploy/compose/compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[] }>;
    };
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.command?.[0] === 'start') expect((await certOf(name)).checkHost(name), name).toBe(name);
    }
  });

  it('gives each caller one client certificate per peer, with the role the peer admits, chained to the hub CA', async () => {
    // ADR 040's table, written out here so that a change to PEER_CLIENTS must change the test too
    const expected: Record<string, { ou: string; cn: string }> = {
      'materials-certificate-client': { ou: 'portal', cn: DEMO_PORTAL.code },
      'materials-credit-assistance-client': { ou: 'department', cn: 'onceonly-materials' },
      'credit-audit-client': { ou: 'auditor', cn: 'onceonly-credit' },
    };
    expect(PEER_CLIENTS.map((c) => c.file).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, { ou, cn }] of Object.entries(expected)) {
      const client = await certOf(file);
      expect(client.verify(ca.publicKey), file).toBe(true);
      expect(client.issuer, file).toBe(ca.subject);
      expect(client.subject.split('\n'), file).toEqual(expect.arrayContaining([`OU=${ou}`, `CN=${cn}`]));
      expect(client.keyUsage ?? [], file).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
      expect(client.keyUsage ?? [], file).not.toContain('1.3.6.1.5.5.7.3.1'); // not a server's
      expect(client.checkPrivateKey(createPrivateKey(await readFile(join(dir, 'tls', `${file}.key.pem`)))), file).toBe(
        true,
      );
      expect((await stat(join(dir, 'tls', `${file}.key.pem`))).mode & 0o077, file).toBe(0);
    }
    // the caller and peers of each are services of the hub
    for (const c of PEER_CLIENTS) expect(SERVICES).toEqual(expect.arrayContaining([c.caller, ...c.peers]));
  });

  it('refuses a namespace that is not a DNS name, and a folder without the hub CA', async () => {
    const bad = await cli(['--json', 'tls', '--dir', dir, '--namespace', 'City_A']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('CONFIG_INVALID');
    const empty = await mkdtemp(join(tmpdir(), 'onceonly-tls-empty-'));
    try {
      const none = await cli(['--json', 'tls', '--dir', empty]);
      expect(none.code).not.toBe(0);
      expect(none.err).toMatch(/CONFIG_(INVALID|MISSING)/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
