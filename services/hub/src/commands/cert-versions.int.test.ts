/**
 * The clerk's, the portal's and the platform's commands against a hub running in this process on its embedded
 * defaults (demo departments seeded on first start): change, renew, reissue, disputes, consents, platform checks,
 * and errors as JSON under --json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certificateModule } from '@onceonly/certificate';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

/** A restaurant's unified social credit code. */
const HOLDER = '91310107MA1H2B3C44';
/** The demo platform and portal (see the certificate service's demo departments). */
const PLATFORM = '91310107MA1G8K2D32';
const PORTAL = '12310000MB2F09912L';
/** The district's administrative service centre: it issues industry licences. */
const CENTRE = '12310107MB2F05636F';

interface Printed {
  certificate: {
    id: string;
    version: number;
    previousVersionId?: string;
    status: string;
    dispute?: { id: string; open?: boolean };
  };
  previous?: { id: string };
}

describe('onceonly cert change|renew|reissue|dispute, consent, platform check', () => {
  let hub: RunningHub;
  let dataDir = '';
  let market = '';
  let foodType = '';
  const as = (code: string) => ['--addr', hub.address, '--as', code];
  const json = async <T>(args: string[]): Promise<T> => {
    const run = await cli(args);
    expect(run, run.err).toMatchObject({ code: 0 });
    return JSON.parse(run.out) as T;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-cli-versions-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = await startHub({
      config,
      log: createLogger({ level: 'silent', process: 'hub' }),
      modules: [certificateModule],
    });
    const types = await json<{ types: { typeCode: string; nameZh: string; issuerCodes: string[] }[] }>([
      ...as('anyone'),
      '--json',
      'cert',
      'types',
    ]);
    const food = types.types.find((t) => t.nameZh === '食品经营许可证')!;
    market = food.issuerCodes[0]!;
    foodType = food.typeCode;
  });
  afterAll(async () => {
    await hub?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const issue = async () => {
    const fields = {
      legal_representative: '王芳',
      premises: '上海市普陀区长寿路100号',
      main_format: '餐饮服务经营者',
      business_items: '热食类食品制售',
    };
    const args = ['--type', foodType, '--holder', HOLDER, '--holder-name', '上海普陀小笼包餐饮有限公司'];
    return json<Printed>([...as(market), '--json', 'cert', 'issue', ...args, '--fields', JSON.stringify(fields)]);
  };

  it('change, renew and reissue each print a new version that supersedes the previous one', async () => {
    const first = (await issue()).certificate;
    const changed = await json<Printed>([
      ...as(market),
      '--json',
      ...['cert', 'change', first.id, '--fields', '{"premises":"上海市普陀区长寿路200号"}', '--reason', '经营场所变更'],
    ]);
    expect(changed.certificate.version).toBe(2);
    expect(changed.previous?.id).toBe(first.id);
    const renewed = await json<Printed>([
      ...as(market),
      '--json',
      ...['cert', 'renew', changed.certificate.id, '--valid-to', '2040-12-31', '--reason', '有效期届满延续'],
    ]);
    expect(renewed.certificate.version).toBe(3);
    const reissued = await json<Printed>([
      ...as(market),
      '--json',
      ...['cert', 'reissue', renewed.certificate.id, '--reason', '遗失补领'],
    ]);
    expect(reissued.certificate.version).toBe(4);
    expect(reissued.previous?.id).toBe(renewed.certificate.id);
    const text = await cli([...as(market), 'cert', 'get', reissued.certificate.id]);
    expect(text.out).toContain('v4');
  });

  it('raises a dispute and resolves it by rejecting the claim', async () => {
    const { id } = (await issue()).certificate;
    const raised = await json<Printed>([
      ...as(PORTAL),
      '--json',
      ...['cert', 'dispute', 'raise', id, '--claim', '经营场所地址有误', '--fields', 'premises'],
    ]);
    const disputeId = raised.certificate.dispute!.id;
    expect(disputeId).not.toBe('');
    const resolved = await json<Printed>([
      ...as(market),
      '--json',
      ...['cert', 'dispute', 'resolve', id, disputeId, '--reject', '经核实地址无误'],
    ]);
    expect(resolved.certificate.dispute).toMatchObject({
      id: disputeId,
      outcome: 'DISPUTE_OUTCOME_REJECTED',
    });
    expect(resolved.certificate.dispute?.open ?? false).toBe(false);
  });

  it('the service centre issues an industry licence over a food licence; licence get shows its component', async () => {
    const food = (await issue()).certificate;
    const fields = JSON.stringify({ legal_representative: '王芳', premises: '上海市普陀区长寿路100号' });
    const issued = await json<{ certificate: { id: string; industry: { components: { certificateId: string }[] } } }>([
      ...as(CENTRE),
      '--json',
      ...['cert', 'licence', 'issue', '--industry', 'bakery', '--holder', HOLDER],
      ...['--holder-name', '上海普陀小笼包餐饮有限公司', '--components', food.id, '--fields', fields],
    ]);
    expect(issued.certificate.industry.components.map((c) => c.certificateId)).toEqual([food.id]);
    const text = await cli([...as(CENTRE), 'cert', 'licence', 'get', issued.certificate.id]);
    expect(text.out).toMatch(/^ {2}component {3}食品经营许可证 \S+ valid$/m);
  });

  it('a portal grants, lists and revokes a consent; the platform checks licences in between', async () => {
    await issue();
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const granted = await json<{ consent: { id: string; status: string } }>([
      ...as(PORTAL),
      '--json',
      ...['consent', 'grant', '--holder', HOLDER, '--holder-name', '上海普陀小笼包餐饮有限公司'],
      ...['--platform', PLATFORM, '--types', foodType],
      ...['--purpose', 'merchant-onboarding', '--expires-at', expiresAt],
    ]);
    expect(granted.consent.status).toBe('CONSENT_STATUS_ACTIVE');
    const listed = await json<{ consents: { id: string }[] }>([
      ...as(PORTAL),
      '--json',
      ...['consent', 'list', '--holder', HOLDER],
    ]);
    expect(listed.consents.map((c) => c.id)).toContain(granted.consent.id);
    const checked = await json<{ results: { licences: { typeCode: string }[] }[] }>([
      ...as(PLATFORM),
      '--json',
      ...['platform', 'check', '--holder', HOLDER, '--types', foodType, '--purpose', 'merchant-onboarding'],
    ]);
    expect(checked.results[0]!.licences.map((l) => l.typeCode)).toContain(foodType);
    const revoked = await json<{ consent: { status: string } }>([
      ...as(PORTAL),
      '--json',
      ...['consent', 'revoke', granted.consent.id, '--reason', '商户撤回授权'],
    ]);
    expect(revoked.consent.status).toBe('CONSENT_STATUS_REVOKED');
  });

  it('get and verify take the licence number and the licence identifier a paper licence shows', async () => {
    const issued = (await issue()).certificate as Printed['certificate'] & {
      metadata: { number: string; identifier: string };
    };
    for (const ref of [issued.metadata.number, issued.metadata.identifier]) {
      const got = await json<{ certificate: { id: string } }>([...as(market), '--json', 'cert', 'get', ref]);
      expect(got.certificate.id).toBe(issued.id);
      const verified = await cli([...as(market), 'cert', 'verify', ref]);
      expect(verified.code).toBe(0);
      expect(verified.out.startsWith('VALID')).toBe(true);
    }
  });

  it("lists a holder's certificates and the departments the hub knows", async () => {
    const issued = (await issue()).certificate;
    // the portal as its transport role says (the face of a holder's certificates is shown to the portal acting for
    // the holder, to the issuer and to auditors: VerifyCertificate's rule)
    const listed = await json<{ certificates: { id: string }[] }>([
      ...as(PORTAL),
      '--role',
      'portal',
      '--json',
      ...['cert', 'list', '--holder', HOLDER],
    ]);
    expect(listed.certificates.map((c) => c.id)).toContain(issued.id);
    const departments = await json<{ departments: { code: string; role: string }[] }>([
      ...as('anyone'),
      '--json',
      'departments',
    ]);
    expect(departments.departments).toContainEqual(expect.objectContaining({ code: PLATFORM, role: 'platform' }));
    expect((await cli([...as('anyone'), 'departments'])).out).toContain(market);
  });

  it('under --json an error is one JSON object on stderr with its code and fields, and the exit code is kept', async () => {
    const run = await cli([...as(market), '--json', 'cert', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'CERT_NOT_FOUND', fields: [] } });
    const bad = await cli([...as(market), '--json', 'cert', 'change', 'x', '--fields', 'not json', '--reason', 'r']);
    expect(JSON.parse(bad.err)).toMatchObject({ error: { code: 'INVALID_ARGUMENT', fields: [{ field: '--fields' }] } });
  });
});
