import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { createEmbeddedTransport, type EmbeddedTransport } from '@onceonly/events';
import { createRootCa, encryptPrivateKey } from '@onceonly/seal';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_DEPARTMENTS,
  PUTUO_CULTURE_TOURISM,
  PUTUO_HEALTH,
  PUTUO_MARKET_REGULATION,
  PUTUO_SERVICE_CENTRE,
} from '../../domain/departments.js';
import { SEAL_TOPIC } from '../../topics.js';
import { type Harness, sealOutbox, startHarness } from '../seals/seal-harness.test.js';

// The embedded-mode seed and the hub CA across restarts, on real PostgreSQL with the embedded event log.

const PASSPHRASE = 'seeding test passphrase, long enough';

let database: TestDatabase;
let db: Database;
let transport: EmbeddedTransport;
let dataDir: string;
let first: Harness;

beforeAll(async () => {
  database = await freshDatabase('seed');
  db = await openDatabase({ url: database.url });
  transport = await createEmbeddedTransport({ db });
  dataDir = mkdtempSync(join(tmpdir(), 'onceonly-seed-'));
  first = await startHarness({ db, transport, dataDir, passphrase: PASSPHRASE });
  await first.stop();
});

afterAll(async () => {
  await transport?.close();
  await db?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;
const read = (...parts: string[]) => readFileSync(join(dataDir, ...parts), 'utf8');
const sealDepartments = DEMO_DEPARTMENTS.filter((d) => d.seal);

async function sealRows() {
  const { rows } = await db.query<{ department_code: string; kind: string; name: string; status: string }>(
    'SELECT department_code, kind, name, status FROM certificate.seal_registry ORDER BY department_code',
  );
  return rows;
}

describe('the first embedded start', () => {
  it('generates the hub CA into <dataDir>/keys, its key encrypted and private', () => {
    expect(read('keys', 'ca.pem')).toBe(first.seals.caCertificatePem);
    expect(new X509Certificate(read('keys', 'ca.pem')).ca).toBe(true);
    expect(read('keys', 'ca.key.pem')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(mode(join(dataDir, 'keys', 'ca.key.pem'))).toBe(0o600);
    expect(mode(join(dataDir, 'keys'))).toBe(0o700);
  });

  it('gives every department that seals its seal: licensing, and the service centre its industry-licence seal', async () => {
    expect(first.seals.seed?.seeded).toBe(true);
    const rows = await sealRows();
    expect(rows).toHaveLength(sealDepartments.length);
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          department_code: PUTUO_MARKET_REGULATION.code,
          kind: 'licensing',
          name: expect.any(String),
          status: 'active',
        },
        { department_code: PUTUO_HEALTH.code, kind: 'licensing', name: expect.any(String), status: 'active' },
        { department_code: PUTUO_CULTURE_TOURISM.code, kind: 'licensing', name: expect.any(String), status: 'active' },
        {
          department_code: PUTUO_SERVICE_CENTRE.code,
          kind: 'industry-licence',
          name: '上海市普陀区行业综合许可专用章',
          status: 'active',
        },
      ]),
    );
  });

  it('tells each seal in the outbox (seal.created on onceonly.seal.v1)', async () => {
    const events = await sealOutbox(db);
    expect(events.map((e) => e.type)).toEqual(sealDepartments.map(() => 'seal.created'));
    expect(events.map((e) => e.key).sort()).toEqual(sealDepartments.map((d) => d.code).sort());
    expect(events.every((e) => e.topic === SEAL_TOPIC.name)).toBe(true);
  });

  it('writes mTLS client credentials naming each department (CN code, O name, OU role)', () => {
    for (const d of DEMO_DEPARTMENTS) {
      const cert = new X509Certificate(read('credentials', d.code, 'client.pem'));
      expect(cert.subject).toContain(`CN=${d.code}`);
      expect(cert.subject).toContain(`O=${d.nameZh}`);
      expect(cert.subject).toContain(`OU=${d.role}`);
      expect(cert.checkIssued(new X509Certificate(first.seals.caCertificatePem))).toBe(true);
      expect(read('credentials', d.code, 'ca.pem')).toBe(first.seals.caCertificatePem);
      expect(mode(join(dataDir, 'credentials', d.code, 'client.key.pem'))).toBe(0o600);
    }
  });

  it('writes a server certificate for 127.0.0.1 and localhost that the client credentials handshake with', async () => {
    const server = new X509Certificate(read('credentials', 'server', 'server.pem'));
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('DNS:localhost');
    const peer = await handshake(PUTUO_HEALTH.code);
    expect(peer).toBe(PUTUO_HEALTH.code);
  });

  it('logs one line per department and no key material', () => {
    const lines = first.logs.messages('seeded department');
    expect(lines.map((l) => l.department).sort()).toEqual(DEMO_DEPARTMENTS.map((d) => d.code).sort());
    expect(first.logs.text()).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    expect(first.logs.text()).not.toContain(PASSPHRASE);
  });
});

describe('a second start on the same data', () => {
  let second: Harness;
  let caBefore: string;
  let clientBefore: string;

  beforeAll(async () => {
    caBefore = read('keys', 'ca.key.pem');
    clientBefore = read('credentials', PUTUO_HEALTH.code, 'client.pem');
    second = await startHarness({ db, transport, dataDir, passphrase: PASSPHRASE });
  });

  afterAll(() => second?.stop());

  it('seeds nothing new', async () => {
    expect(second.seals.seed?.seeded).toBe(false);
    expect(await sealRows()).toHaveLength(sealDepartments.length);
    expect(await sealOutbox(db)).toHaveLength(sealDepartments.length);
    expect(second.logs.messages('seeded department')).toHaveLength(0);
    expect(read('credentials', PUTUO_HEALTH.code, 'client.pem')).toBe(clientBefore);
  });

  it('reuses the CA', () => {
    expect(second.seals.caCertificatePem).toBe(first.seals.caCertificatePem);
    expect(read('keys', 'ca.key.pem')).toBe(caBefore);
  });

  it('signs with the seeded seals', async () => {
    const signer = await second.seals.keys.activeSigner(PUTUO_MARKET_REGULATION.code, 'licensing', new Date());
    expect(signer.x5c[1]).toBe(new X509Certificate(first.seals.caCertificatePem).raw.toString('base64'));
  });
});

describe('a start with the wrong passphrase', () => {
  it('fails with KEY_DECRYPT_FAILED', async () => {
    await expect(
      startHarness({ db, transport, dataDir, passphrase: 'not the passphrase at all' }),
    ).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
  });
});

describe('external mode', () => {
  const env = () => ({
    ONCEONLY_CA_CERT: join(dataDir, 'keys', 'ca.pem'),
    ONCEONLY_CA_KEY: join(dataDir, 'keys', 'ca.key.pem'),
    ONCEONLY_KEY_PASSPHRASE: PASSPHRASE,
  });

  it('fails fast without the CA files (CONFIG_MISSING naming them)', async () => {
    const err = await startHarness({ db, transport, dataDir, mode: 'external', env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_MISSING' });
    const fields = (err as { fields: { field: string }[] }).fields.map((f) => f.field).sort();
    expect(fields).toEqual(['ONCEONLY_CA_CERT', 'ONCEONLY_CA_KEY', 'ONCEONLY_KEY_PASSPHRASE']);
  });

  it('refuses a short passphrase without echoing it (CONFIG_INVALID)', async () => {
    const short = { ...env(), ONCEONLY_KEY_PASSPHRASE: 'short-secret' };
    const err = await startHarness({ db, transport, dataDir, mode: 'external', env: short }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String((err as Error).message)).not.toContain('short-secret');
  });

  it('names an unreadable CA file (CONFIG_INVALID)', async () => {
    const missing = { ...env(), ONCEONLY_CA_CERT: join(dataDir, 'nowhere.pem') };
    await expect(startHarness({ db, transport, dataDir, mode: 'external', env: missing })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('starts from the configured CA files, seeds nothing, and signs with the existing seals', async () => {
    const hub = await startHarness({ db, transport, dataDir, mode: 'external', env: env() });
    try {
      expect(hub.seals.seed).toBeUndefined();
      expect(hub.seals.caCertificatePem).toBe(first.seals.caCertificatePem);
      await hub.seals.keys.activeSigner(PUTUO_HEALTH.code, 'licensing', new Date());
    } finally {
      await hub.stop();
    }
  });

  it('refuses a passphrase that opens the CA but not the seal keys (KEY_DECRYPT_FAILED at start)', async () => {
    const other = 'another CA under another passphrase';
    const ca = createRootCa({
      commonName: 'Other CA',
      organisation: 'OnceOnly',
      validityYears: 5,
      clock: () => new Date(),
    });
    const dir = mkdtempSync(join(tmpdir(), 'onceonly-other-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), ca.certPem);
      writeFileSync(join(dir, 'ca.key.pem'), encryptPrivateKey(ca.keyPair.privateKey, other), { mode: 0o600 });
      const files = { ONCEONLY_CA_CERT: join(dir, 'ca.pem'), ONCEONLY_CA_KEY: join(dir, 'ca.key.pem') };
      const start = startHarness({
        db,
        transport,
        dataDir,
        mode: 'external',
        env: { ...files, ONCEONLY_KEY_PASSPHRASE: other },
      });
      await expect(start).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded mode without a passphrase', () => {
  it('uses the development default and says so', async () => {
    const own = await freshDatabase('seed_dev');
    const ownDb = await openDatabase({ url: own.url });
    const ownDir = mkdtempSync(join(tmpdir(), 'onceonly-seed-dev-'));
    try {
      const hub = await startHarness({ db: ownDb, transport, dataDir: ownDir });
      await hub.stop();
      const warnings = hub.logs.lines.filter((l) => l.level === 40).map((l) => String(l.msg));
      expect(warnings.some((m) => m.includes('development default passphrase'))).toBe(true);
      expect(hub.seals.seed?.seeded).toBe(true);
    } finally {
      await ownDb.close();
      await own.drop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  });
});

/** A mutual TLS handshake between the seeded server credentials and a department's client credentials. */
function handshake(department: string): Promise<string> {
  const creds = (...parts: string[]) => readFileSync(join(dataDir, 'credentials', ...parts));
  const server = createServer({
    cert: creds('server', 'server.pem'),
    key: creds('server', 'server.key.pem'),
    ca: creds('server', 'ca.pem'),
    requestCert: true,
    rejectUnauthorized: true,
  });
  return new Promise((resolve, reject) => {
    server.on('secureConnection', (socket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      server.close();
      resolve(String(cn));
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const client = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: creds(department, 'ca.pem'),
        cert: creds(department, 'client.pem'),
        key: creds(department, 'client.key.pem'),
      });
      client.on('error', reject);
      client.on('secureConnect', () => client.end());
    });
  });
}
