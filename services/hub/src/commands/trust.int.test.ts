/**
 * Issue 10's proof, on a hub on real PostgreSQL and Kafka, through gRPC and the CLI: a department seals two
 * licences, rotates its seal, seals a third, then revokes the old seal with a compromise time between the first two.
 * Offline, with the trust list fetched after that (`onceonly trust bundle`): VALID, SEAL_REVOKED, VALID. With the
 * same list past its next update: the stale warning (or NOT VALID with --refuse-stale). With a file of certificates
 * only: the TRUST_LIST_MISSING warning (or NOT VALID with --refuse-stale). openssl reads the same file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@onceonly/kit';
import { freshDatabase, kafkaBrokers, openssl, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';
import { ENV_FILE } from './init.js';

const MARKET = '11310107MB2F03587N';
const FOOD = '11100000000013338W002';
const FIELDS = {
  legal_representative: '王明',
  premises: '上海市普陀区长寿路1号',
  main_format: '餐饮服务经营者',
  business_items: '热食类食品制售',
};

interface Issued {
  id: string;
  jws: string;
  iat: number;
}

interface OfflineJson {
  valid: boolean;
  genuine: boolean;
  mayOperate: boolean;
  reasons: string[];
  warnings: string[];
  sealKid?: string;
  trustList?: { thisUpdate: string; nextUpdate: string; crlNumber: string };
}

function parseEnvFile(text: string): Record<string, string> {
  const pairs = text
    .split('\n')
    .filter((l) => /^[A-Z_]+='/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 2, -1)]);
  return Object.fromEntries(pairs);
}

const iatOf = (jws: string): number =>
  (JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number }).iat;

/** Waits until the clock is in a later whole second than `iat`, so that the next licence is sealed later. */
async function nextSecond(iat: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= iat) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('offline verification with the trust list, after a seal was rotated and revoked', () => {
  let dir = '';
  let db: TestDatabase | undefined;
  let hub: RunningHub | undefined;
  const saved = { ...process.env };
  const as = () => ['--addr', hub!.address, '--as', MARKET];
  const file = (name: string) => path.join(dir, name);
  const licences: Issued[] = [];
  let oldKid = '';
  let newKid = '';
  let nextUpdate = new Date(0);

  async function issue(n: number): Promise<Issued> {
    const run = await cli([
      ...as(),
      ...['--json', 'cert', 'issue', '--type', FOOD, '--holder', '91310107MA1H2B3C44'],
      ...[
        '--holder-name',
        '上海示例咖啡有限公司',
        '--fields',
        JSON.stringify(FIELDS),
        '--idempotency-key',
        `trust-${n}`,
      ],
    ]);
    expect(run, run.err).toMatchObject({ code: 0 });
    const { id, jws } = (JSON.parse(run.out) as { certificate: { id: string; jws: string } }).certificate;
    return { id, jws, iat: iatOf(jws) };
  }

  async function offline(licence: Issued, trust: string, ...extra: string[]) {
    await writeFile(file('licence.jws'), licence.jws);
    const run = await cli([
      '--json',
      'cert',
      'verify',
      `@${file('licence.jws')}`,
      '--offline',
      '--trust',
      trust,
      ...extra,
    ]);
    return { code: run.code, verdict: JSON.parse(run.out) as OfflineJson };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-trust-'));
    db = await freshDatabase('trust');
    expect((await cli(['--json', 'init', '--dir', file('config')])).code).toBe(0);
    Object.assign(process.env, parseEnvFile(await readFile(path.join(file('config'), ENV_FILE), 'utf8')));
    const config = loadHubConfig({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
    });
    hub = await startHub({ config, log: createLogger({ level: 'silent', process: 'hub' }) });
  });
  afterAll(async () => {
    vi.useRealTimers();
    await hub?.stop();
    process.env = saved;
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('issues two licences, rotates the seal, issues a third, and revokes the old seal from between the first two', async () => {
    const created = await cli([...as(), '--json', 'seal', 'create']);
    expect(created, created.err).toMatchObject({ code: 0 });
    oldKid = (JSON.parse(created.out) as { seal: { kid: string } }).seal.kid;
    licences.push(await issue(1));
    await nextSecond(licences[0]!.iat);
    licences.push(await issue(2));
    const rotated = await cli([...as(), '--json', 'seal', 'rotate', oldKid]);
    expect(rotated, rotated.err).toMatchObject({ code: 0 });
    newKid = (JSON.parse(rotated.out) as { seal: { kid: string } }).seal.kid;
    licences.push(await issue(3));

    const [first, second] = licences;
    expect(second!.iat).toBeGreaterThan(first!.iat);
    const compromisedAt = new Date((first!.iat + 1) * 1000).toISOString();
    const revoke = ['seal', 'revoke', oldKid, '--reason', '密钥泄露', '--compromised-at', compromisedAt];
    const revoked = await cli([...as(), ...revoke]);
    expect(revoked, revoked.err).toMatchObject({ code: 0 });
  });

  it('online: VALID, SEAL_REVOKED, VALID', async () => {
    const reasons = [];
    for (const licence of licences) {
      const run = await cli([...as(), '--json', 'cert', 'verify', licence.jws]);
      const response = JSON.parse(run.out) as { valid: boolean; reasons?: string[] };
      reasons.push(response.valid ? 'VALID' : (response.reasons ?? []).join(','));
    }
    expect(reasons).toEqual(['VALID', 'VERIFICATION_REASON_SEAL_REVOKED', 'VALID']);
  });

  it('trust bundle (gRPC GetTrustBundle) returns the certificates, the CRL and its window, and prints the one-file list', async () => {
    const json = await cli([...as(), '--json', 'trust', 'bundle']);
    const response = JSON.parse(json.out) as Record<string, string>;
    expect(response.crlPem).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(response.trustListPem).toBe(`${response.bundlePem}${response.crlPem}`);
    nextUpdate = new Date(response.nextUpdate!);
    expect(nextUpdate.getTime() - new Date(response.thisUpdate!).getTime()).toBe(7 * 24 * 3_600_000);
    expect(BigInt(response.crlNumber!)).toBeGreaterThan(0n);
    await writeFile(file('certificates-only.pem'), response.bundlePem!);
    const text = await cli([...as(), 'trust', 'bundle']);
    await writeFile(file('trust.pem'), text.out);
    // each call signs a fresh list (a new CRL number): the certificates are the same, then one CRL
    expect(text.out.startsWith(response.bundlePem!)).toBe(true);
    expect(text.out.match(/-----BEGIN X509 CRL-----/g)).toHaveLength(1);
  });

  it('offline with the new trust list: VALID, SEAL_REVOKED, VALID, without a warning', async () => {
    const verdicts = [];
    for (const licence of licences) verdicts.push(await offline(licence, file('trust.pem')));
    expect(verdicts.map((v) => [v.verdict.valid, v.verdict.reasons, v.verdict.warnings])).toEqual([
      [true, [], []],
      [false, ['SEAL_REVOKED'], []],
      [true, [], []],
    ]);
    // 1: not genuine (sealed after its seal's compromise); 4: genuine, may operate not established offline
    expect(verdicts.map((v) => v.code)).toEqual([4, 1, 4]);
    expect(verdicts.map((v) => [v.verdict.genuine, v.verdict.mayOperate])).toEqual([
      [true, false],
      [false, false],
      [true, false],
    ]);
    expect(verdicts.map((v) => v.verdict.sealKid)).toEqual([oldKid, oldKid, newKid]);
    expect(verdicts[0]!.verdict.trustList?.nextUpdate).toBe(nextUpdate.toISOString());
  });

  it('the text verdict names the list checked against', async () => {
    await writeFile(file('licence.jws'), licences[1]!.jws);
    const run = await cli(['cert', 'verify', `@${file('licence.jws')}`, '--offline', '--trust', file('trust.pem')]);
    expect(run.out).toMatch(/^NOT VALID {2}SEAL_REVOKED/);
    expect(run.out).toMatch(/^seal revocation: checked against the trust list of .* \(next update /m);
  });

  describe('when the trust list is past its next update', () => {
    beforeAll(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(nextUpdate.getTime() + 60_000));
    });
    afterAll(() => {
      vi.useRealTimers();
    });

    it('answers as the list says, with the TRUST_LIST_STALE warning on every verdict', async () => {
      const verdicts = [];
      for (const licence of licences) verdicts.push((await offline(licence, file('trust.pem'))).verdict);
      expect(verdicts.map((v) => [v.valid, v.reasons, v.warnings])).toEqual([
        [true, [], ['TRUST_LIST_STALE']],
        [false, ['SEAL_REVOKED'], ['TRUST_LIST_STALE']],
        [true, [], ['TRUST_LIST_STALE']],
      ]);
    });

    it('prints the warning on the verdict line and on its own line', async () => {
      await writeFile(file('licence.jws'), licences[0]!.jws);
      const run = await cli(['cert', 'verify', `@${file('licence.jws')}`, '--offline', '--trust', file('trust.pem')]);
      expect(run.out).toMatch(/^VALID \(WARNING: TRUST_LIST_STALE\)/);
      expect(run.out).toMatch(/^WARNING TRUST_LIST_STALE: /m);
    });

    it('with --refuse-stale: NOT VALID, TRUST_LIST_STALE, exit code 1', async () => {
      const { code, verdict } = await offline(licences[0]!, file('trust.pem'), '--refuse-stale');
      expect(code).toBe(1);
      expect(verdict).toMatchObject({ valid: false, reasons: ['TRUST_LIST_STALE'], warnings: [] });
    });
  });

  describe('when the trust file holds no revocation list (certificates only)', () => {
    it('answers from the certificates alone, with the TRUST_LIST_MISSING warning: the revoked seal is not caught', async () => {
      const verdicts = [];
      for (const licence of licences) verdicts.push((await offline(licence, file('certificates-only.pem'))).verdict);
      expect(verdicts.map((v) => [v.valid, v.reasons, v.warnings])).toEqual([
        [true, [], ['TRUST_LIST_MISSING']],
        [true, [], ['TRUST_LIST_MISSING']],
        [true, [], ['TRUST_LIST_MISSING']],
      ]);
    });

    it('with --refuse-stale: NOT VALID, TRUST_LIST_MISSING', async () => {
      const { code, verdict } = await offline(licences[0]!, file('certificates-only.pem'), '--refuse-stale');
      expect(code).toBe(1);
      expect(verdict).toMatchObject({ valid: false, reasons: ['TRUST_LIST_MISSING'] });
    });
  });

  it('openssl verifies the CRL of the trust file against the hub CA, and refuses the revoked seal with -crl_check', async () => {
    const seals = await cli([...as(), '--json', 'seal', 'list', '--all']);
    const byKid = new Map(
      (JSON.parse(seals.out) as { seals: { kid: string; certificatePem: string }[] }).seals.map((s) => [s.kid, s]),
    );
    await writeFile(file('old-seal.pem'), byKid.get(oldKid)!.certificatePem);
    await writeFile(file('new-seal.pem'), byKid.get(newKid)!.certificatePem);
    const crl = await openssl(['crl', '-in', 'trust.pem', '-CAfile', 'trust.pem', '-verify', '-noout'], dir);
    expect(crl.out).toMatch(/verify OK/);
    const check = (name: string) =>
      openssl(['verify', '-crl_check', '-purpose', 'any', '-CAfile', 'trust.pem', name], dir);
    expect(await check('new-seal.pem')).toEqual({ code: 0, out: 'new-seal.pem: OK\n' });
    const old = await check('old-seal.pem');
    expect(old.code).not.toBe(0);
    expect(old.out).toMatch(/certificate revoked/);
  });
});
