/**
 * `onceonly cert …` against a hub running in this process on its embedded defaults (PGlite, the embedded log, the
 * hub CA and demo departments seeded on first start): the catalogue, issue, get, suspend, resume, revoke, and
 * verify online and offline (with the trust bundle from `onceonly trust bundle`, no hub).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certificateModule } from '@onceonly/certificate';
import { createLogger } from '@onceonly/kit';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../cli.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

// jsqr is CommonJS: under NodeNext its default export is module.exports, whose `default` is the decoder
const jsQR = jsQRModule.default;

/** A restaurant's unified social credit code (check character 4). */
const HOLDER = '91310107MA1H2B3C44';
/** A citizen ID (Putuo, born 1990-03-07; check character 9). */
const CITIZEN_ID = '310107199003071239';

/** Runs the CLI in-process; returns stdout and the exit code it set. */
async function cli(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await (await buildCli()).exitOverride().parseAsync(['node', 'onceonly', ...args]);
    return { out, code: Number(process.exitCode ?? 0) };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

describe('onceonly cert', () => {
  let hub: RunningHub;
  let dataDir = '';
  let market = '';
  let foodType = '';
  const as = (code: string) => ['--addr', hub.address, '--as', code];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-cert-cli-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    const log = createLogger({ level: 'silent', service: 'hub' });
    hub = await startHub({ config, log, modules: [certificateModule] });
  });
  afterAll(async () => {
    await hub?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('types --json lists each type with its field schema and issuing department code', async () => {
    const { out } = await cli([...as('anyone'), '--json', 'cert', 'types']);
    const catalogue = JSON.parse(out) as {
      types: {
        typeCode: string;
        nameZh: string;
        issuerCodes: string[];
        fields: { key: string; required: boolean }[];
      }[];
    };
    const food = catalogue.types.find((t) => t.nameZh === '食品经营许可证')!;
    expect(food.fields.find((f) => f.key === 'premises')?.required).toBe(true);
    expect(food.issuerCodes).toHaveLength(1);
    market = food.issuerCodes[0]!;
    foodType = food.typeCode;
  });

  it('issues, gets, suspends, resumes, revokes, and verifies online and offline', async () => {
    const holder = HOLDER;
    const fields = {
      legal_representative: '王芳',
      premises: '上海市普陀区长寿路100号',
      main_format: '餐饮服务经营者',
      business_items: '热食类食品制售',
    };
    await writeFile(path.join(dataDir, 'fields.json'), JSON.stringify(fields));
    const ok = await cli([
      ...as(market),
      '--json',
      'cert',
      'issue',
      '--type',
      foodType,
      '--holder',
      holder,
      '--holder-name',
      '上海普陀小笼包餐饮有限公司',
      '--fields',
      `@${path.join(dataDir, 'fields.json')}`,
      '--idempotency-key',
      'cli-1',
    ]);
    const certificate = (JSON.parse(ok.out) as { certificate: { id: string; jws: string; qrPayload: string } })
      .certificate;
    expect(certificate.id).toMatch(/^[0-9a-f-]{36}$/);

    const got = await cli([...as(market), 'cert', 'get', certificate.id]);
    expect(got.out).toContain('食品经营许可证');
    expect(got.out).toContain('valid');

    // the QR image of the licence, from the hub by id, decoded by jsQR back to the licence's QR text
    const png = path.join(dataDir, 'licence.png');
    const svg = path.join(dataDir, 'licence.svg');
    const qr = await cli([...as(market), 'cert', 'qr', certificate.id, '--png', png, '--svg', svg]);
    expect(qr.out).toMatch(/^wrote the QR code \(version [0-9]+, error correction Q\) to /);
    const image = PNG.sync.read(await readFile(png));
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(certificate.qrPayload);
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg /);
    // and from the QR text itself, without the hub
    await writeFile(path.join(dataDir, 'text.qr'), certificate.qrPayload);
    const offlinePng = path.join(dataDir, 'offline.png');
    await cli(['cert', 'qr', `@${path.join(dataDir, 'text.qr')}`, '--png', offlinePng]);
    expect((await readFile(offlinePng)).equals(await readFile(png))).toBe(true);
    const described = JSON.parse((await cli(['--json', 'cert', 'qr', `@${path.join(dataDir, 'text.qr')}`])).out);
    expect(described).toMatchObject({ qrText: certificate.qrPayload, errorCorrection: 'Q', files: [] });

    expect(
      (
        await cli([
          ...as(market),
          'cert',
          'suspend',
          certificate.id,
          '--reason',
          '停业整顿',
          '--legal-basis',
          '《食品安全法》',
        ])
      ).out,
    ).toContain('suspended');
    expect((await cli([...as(market), 'cert', 'resume', certificate.id])).out).toContain('valid');

    const bundle = await cli([...as(market), 'trust', 'bundle']);
    await writeFile(path.join(dataDir, 'trust.pem'), bundle.out);
    await writeFile(path.join(dataDir, 'cert.qr'), certificate.qrPayload);
    const offline = await cli([
      'cert',
      'verify',
      `@${path.join(dataDir, 'cert.qr')}`,
      '--offline',
      '--trust',
      path.join(dataDir, 'trust.pem'),
    ]);
    // genuine; whether the holder may operate is not established offline without status lists: exit 4
    expect(offline).toMatchObject({ code: 4 });
    expect(offline.out.startsWith('VALID')).toBe(true);
    expect(offline.out).toMatch(/^genuine {6}yes$/m);
    expect(offline.out).toMatch(/^may operate {2}NOT ESTABLISHED$/m);
    expect(offline.out).toMatch(/^ {4}STATUS_UNCHECKED {2}离线未能核验吊销或暂扣状态/m);
    expect(offline.out).toMatch(/^notice: revocation and suspension were not checked offline/m);

    const fresh = await cli([...as(market), 'cert', 'verify', certificate.jws]);
    expect(fresh).toMatchObject({ code: 0 });
    expect(fresh.out.split('\n').slice(0, 3)).toEqual(['VALID', 'genuine      yes', 'may operate  yes']);
    const freshJson = JSON.parse((await cli([...as(market), '--json', 'cert', 'verify', certificate.jws])).out);
    expect(freshJson).toMatchObject({ valid: true, genuine: true, mayOperate: true });
    await cli([
      ...as(market),
      'cert',
      'revoke',
      certificate.id,
      '--reason',
      '违法经营',
      '--legal-basis',
      '《食品安全法》第一百三十四条',
    ]);
    const online = await cli([...as(market), 'cert', 'verify', certificate.id]);
    // genuine, but revoked: the holder may not operate (exit 4)
    expect(online.code).toBe(4);
    expect(online.out).toMatch(/^NOT VALID {2}REVOKED/);
    expect(online.out).toMatch(/^genuine {6}yes$/m);
    expect(online.out).toMatch(/^may operate {2}NO$/m);
    expect(online.out).toMatch(/^ {4}REVOKED {2}证照已被吊销 \/ the licence was revoked$/m);
    const revokedJson = JSON.parse((await cli([...as(market), '--json', 'cert', 'verify', certificate.id])).out);
    expect(revokedJson).toMatchObject({
      valid: false,
      genuine: true,
      mayOperate: false,
      mayOperateReasons: [{ code: 'VERIFICATION_REASON_REVOKED', textZh: '证照已被吊销' }],
    });

    // offline, with the issuer's sealed status lists fetched after the revocation
    const files = ['revocation', 'suspension'].map((p) => path.join(dataDir, `${p}.jws`));
    for (const [i, purpose] of ['revocation', 'suspension'].entries()) {
      const fetched = await cli([
        ...as(market),
        'cert',
        'status-list',
        market,
        '--purpose',
        purpose,
        '--out',
        files[i]!,
      ]);
      expect(fetched.out).toContain(`wrote the ${purpose} list 0 of ${market}`);
    }
    const printed = await cli([...as(market), 'cert', 'status-list', market]);
    expect(printed.out.trim().split('.')).toHaveLength(3);
    const withLists = await cli([
      'cert',
      'verify',
      `@${path.join(dataDir, 'cert.qr')}`,
      '--offline',
      '--trust',
      path.join(dataDir, 'trust.pem'),
      '--status-list',
      files[0]!,
      '--status-list',
      files[1]!,
    ]);
    expect(withLists.code).toBe(4);
    expect(withLists.out).toMatch(/^NOT VALID {2}REVOKED/);
    expect(withLists.out).toMatch(/^may operate {2}NO$/m);
    expect(withLists.out).toContain('live status: revocation, suspension checked');
    expect(withLists.out).not.toContain('notice:');
  });

  it('issue prints a citizen holder’s digest salt from the response field (text and --json)', async () => {
    const fields = JSON.stringify({
      legal_representative: '张小明',
      premises: '上海市普陀区长寿路100号',
      main_format: '餐饮服务经营者',
      business_items: '热食类食品制售',
    });
    const issue = (json: string[]) =>
      cli([
        ...as(market),
        ...json,
        'cert',
        'issue',
        '--type',
        foodType,
        '--holder',
        CITIZEN_ID,
        '--holder-name',
        '张小明',
        '--fields',
        fields,
      ]);
    const asJson = JSON.parse((await issue(['--json'])).out) as { holderDigestSalt?: string; certificate: object };
    expect(asJson.holderDigestSalt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify(asJson)).not.toContain(CITIZEN_ID);
    const text = (await issue([])).out;
    expect(text).toMatch(/^ {2}holder digest salt \(give it to the holder\): [A-Za-z0-9_-]{22}$/m);
    expect(text).not.toContain(asJson.holderDigestSalt);
  });
});
