/**
 * `onceonly audit replay` over a hub on its embedded defaults hosting the materials service and the audit log: every
 * resolution (each material's decision, the exempt and required counts the exemption rate sums) is rebuilt from the
 * logged `materials.resolution.made` events alone (the service's own projection, ADR 005) and compared with what
 * GetResolution answers (as an auditor); every explicit request (each piece's preview, decision and reuse) is rebuilt
 * from the consent events and compared with GetEvidenceRequest: clean at first; then a resolution's exempt count
 * raised in the database behind the service's back (what would inflate the rate), another's decision rewritten and
 * a rejected piece flipped to accepted (a reuse without consent) are all named.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { HolderCodeType } from '@onceonly/contracts';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER, type ServiceModule } from '@onceonly/kit';
import { materialsModule } from '@onceonly/materials';
import { materialsClient, materialsReportClient } from '@onceonly/materials/client';
import type { Database } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const SERVICE_CENTRE = uscc('12310107MB2F05636');
const SHOP = uscc('91310107MA1H7Q2W3');
const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };

interface Report {
  ok: boolean;
  projections: { name: string; keys: number; compared: number; divergences: number }[];
  findings: { kind: string; key?: string; message: string; expected?: string; actual?: string }[];
}

describe('audit replay of the materials resolutions', () => {
  let hub: RunningHub;
  let db: Database | undefined;
  let dir = '';
  const saved: Record<string, string | undefined> = {};
  const capture: ServiceModule = {
    name: 'capture',
    async start(ctx) {
      db = ctx.db;
    },
  };
  const metadata = (code: string, role: string) => () => {
    const m = new Metadata();
    m.set(DEV_CALLER_HEADER, code);
    m.set(DEV_ROLE_HEADER, role);
    return m;
  };
  const env = {
    KAFKA_BROKERS: undefined, // the hub's bus is its embedded log: the replay reads it through the hub
    ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
    ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1', // no certificate service: its materials stay required
    ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS: '300',
  };

  beforeAll(async () => {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-materials-replay-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dir });
    const log = createLogger({ level: 'silent', service: 'hub' });
    hub = await startHub({ config, log, modules: [capture, materialsModule, auditModule] });
  });
  afterAll(async () => {
    await hub?.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Replays until each projection named compared as many keys as given, and the verdict is `ok`. */
  async function replayUntil(compared: Record<string, number>, ok: boolean, name: string): Promise<Report> {
    let report: Report | undefined;
    let code: number | undefined;
    for (let i = 0; i < 60; i++) {
      const run = await cli([
        ...['--addr', hub.address, '--as', 'auditor-1', '--role', 'auditor'],
        '--json',
        'audit',
        'replay',
        '--report',
        path.join(dir, name),
      ]);
      report = JSON.parse(run.out) as Report;
      code = run.code;
      const done = Object.entries(compared).every(
        ([projection, n]) => report!.projections.find((p) => p.name === projection)?.compared === n,
      );
      if (done && report.ok === ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(code).toBe(ok ? 0 : 1);
    return report!;
  }

  const ids: string[] = [];
  const requests: string[] = [];
  const BOTH = { 'materials-resolutions': 2, 'materials-consent': 2 };

  it('rebuilds every resolution from the log and finds the service agreeing', async () => {
    const market = materialsClient(hub.address, { metadata: metadata(MARKET_REGULATION, 'department') });
    const centre = materialsClient(hub.address, { metadata: metadata(SERVICE_CENTRE, 'department') });
    const content = Buffer.from('%PDF 平面图');
    await market.uploadMaterial({
      owner: shop,
      materialType: 'floor-plan',
      name: '经营场所平面图',
      content,
      sha256: createHash('sha256').update(content).digest('hex'),
      mediaType: 'application/pdf',
    });
    const first = await market.resolveMaterials({ applicant: shop, itemCode: 'industry-bakery', applicationId: 'A-1' });
    const second = await centre.resolveMaterials({ applicant: shop, itemCode: 'industry-cafe', applicationId: 'A-2' });
    ids.push(first.resolution!.id, second.resolution!.id);
    expect(first.resolution?.exemptCount).toBe(1);
    // the explicit requests: the applicant accepts the first (then served), rejects the second
    const portal = materialsClient(hub.address, { metadata: metadata('portal-1', 'portal') });
    const accepted = (await market.requestEvidence({ applicationId: 'A-1' })).request!;
    const rejected = (await centre.requestEvidence({ applicationId: 'A-2' })).request!;
    requests.push(accepted.id, rejected.id);
    await portal.previewEvidence({ applicant: shop });
    await portal.acceptEvidence({ applicant: shop, requestId: accepted.id });
    await portal.rejectEvidence({ applicant: shop, requestId: rejected.id });
    await market.fetchEvidence({ requestId: accepted.id, pieceId: accepted.pieces[0]!.id });
    for (const c of [market, centre, portal]) c.close();

    const report = await replayUntil(BOTH, true, 'clean');
    for (const name of Object.keys(BOTH)) {
      expect(report.projections.find((p) => p.name === name)).toMatchObject({ keys: 2, compared: 2, divergences: 0 });
    }
    expect(report.findings.filter((f) => f.key && [...ids, ...requests].includes(f.key))).toEqual([]);
  });

  it('prints the rate with its method and writes the plot through the CLI', async () => {
    const as = ['--addr', hub.address, '--as', MARKET_REGULATION];
    const json = await cli([...as, '--json', 'materials', 'rate', '--by', 'department', '--period', 'month']);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.out) as {
      rows: { key: string; exempt?: string; materials: string; refused?: string }[];
      methodEn: string;
    };
    // the centre's plan was rejected by the applicant: required, not exempt (zeros are left out of the JSON)
    expect(out.rows.map((r) => [r.key, r.exempt ?? '0', r.materials, r.refused ?? '0'])).toEqual(
      [
        [MARKET_REGULATION, '1', '5', '0'],
        [SERVICE_CENTRE, '0', '5', '1'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(out.methodEn).toContain('last resolution');
    const plot = path.join(dir, 'rate.svg');
    const text = await cli([...as, 'materials', 'rate', '--plot', plot]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('用证免交比率');
    const svg = await readFile(plot, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('上海市普陀区行政服务中心');
    const bad = await cli([...as, '--json', 'materials', 'rate', '--from', '2026-05-01', '--to', '2026-04-01']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err).error.code).toBe('INVALID_ARGUMENT');
  });

  it('names a count and a decision changed behind the service, the rate they inflated included', async () => {
    const rate = materialsReportClient(hub.address, { metadata: metadata('auditor-1', 'auditor') });
    const before = await rate.getExemptionRate({});
    await db!.query(
      'UPDATE materials.resolutions SET exempt_count = exempt_count + 1, required_count = required_count - 1 WHERE id = $1',
      [ids[0]],
    );
    await db!.query(
      `UPDATE materials.resolutions
          SET state = jsonb_set(state, '{materials,0,decision}', '"exempt"') WHERE id = $1`,
      [ids[1]],
    );
    // a rejected piece flipped to accepted behind the service: the department could be served without consent
    await db!.query(
      `UPDATE materials.evidence_pieces SET status = 'accepted', state = jsonb_set(state, '{status}', '"accepted"')
        WHERE request_id = $1`,
      [requests[1]],
    );
    const after = await rate.getExemptionRate({});
    rate.close();
    // one from the raised count, one from the refusal turned into consent
    expect(Number(after.total!.exempt)).toBe(Number(before.total!.exempt) + 2);

    const report = await replayUntil(BOTH, false, 'tampered');
    expect(report.findings.filter((f) => f.key === requests[1])).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_MISMATCH', expected: expect.stringContaining('rejected') }),
    ]);
    expect(report.findings.filter((f) => f.key === requests[0])).toEqual([]);
    const mine = report.findings.filter((f) => f.key && ids.includes(f.key));
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'PROJECTION_MISMATCH', key: ids[0], expected: '1', actual: '2' }),
        expect.objectContaining({ kind: 'PROJECTION_MISMATCH', key: ids[0], expected: '4', actual: '3' }),
        expect.objectContaining({ kind: 'PROJECTION_MISMATCH', key: ids[1] }),
      ]),
    );
    expect(report.projections.find((p) => p.name === 'materials-resolutions')?.divergences).toBeGreaterThanOrEqual(2);
  });
});
