/**
 * `onceonly materials …` against a hub running in this process on its embedded defaults (PGlite, the embedded log)
 * with the audit log: the catalogue, an upload, the owner's list, a resolution whose certificate provider does not
 * answer (REQUIRED, provider-unavailable; the stored floor plan still exempt), refusals as one coded JSON line on
 * standard error, and the materials topic in the audit log.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditModule } from '@onceonly/audit';
import { auditV1 } from '@onceonly/contracts';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger } from '@onceonly/kit';
import { materialsModule } from '@onceonly/materials';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { call, withClient } from '../client.js';
import { loadHubConfig } from '../config.js';
import { HUB_MODULES } from '../modules.js';
import { type RunningHub, startHub } from '../start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const SERVICE_CENTRE = uscc('12310107MB2F05636');
const AUDITOR = uscc('11310000MB2F09990');
const SHOP = uscc('91310107MA1H7Q2W3');

describe('onceonly materials', () => {
  let hub: RunningHub;
  let dataDir = '';
  let plan = '';
  let request: { id: string; pieces: { id: string; materialCode: string }[] } = { id: '', pieces: [] };
  const saved = process.env.ONCEONLY_MATERIALS_CERTIFICATE_ADDR;
  const as = (code: string, role = 'department') => ['--addr', hub.address, '--as', code, '--role', role];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-materials-cli-'));
    plan = path.join(dataDir, 'floor-plan.pdf');
    await writeFile(plan, '%PDF-1.7 经营场所平面图');
    // no certificate service here: nothing listens on port 1, so the provider is unavailable
    process.env.ONCEONLY_MATERIALS_CERTIFICATE_ADDR = '127.0.0.1:1';
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = await startHub({
      config,
      log: createLogger({ level: 'silent', service: 'hub' }),
      modules: [materialsModule, auditModule],
    });
  });
  afterAll(async () => {
    await hub?.stop();
    if (saved === undefined) delete process.env.ONCEONLY_MATERIALS_CERTIFICATE_ADDR;
    else process.env.ONCEONLY_MATERIALS_CERTIFICATE_ADDR = saved;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is one of the modules `onceonly start` hosts, before the audit log', () => {
    const names = HUB_MODULES.map((m) => m.name);
    expect(names.indexOf('materials')).toBeGreaterThan(-1);
    expect(names.indexOf('materials')).toBeLessThan(names.indexOf('audit'));
  });

  it('lists the items, and one item with its materials and their sources', async () => {
    const all = await cli([...as(SERVICE_CENTRE), '--json', 'materials', 'items']);
    expect(all.err).toBe('');
    const parsed = JSON.parse(all.out) as { items: { code: string }[]; materialTypes: { code: string }[] };
    expect(parsed.items.map((i) => i.code)).toContain('industry-convenience-store');
    expect(parsed.materialTypes.map((t) => t.code)).toContain('floor-plan');
    const one = await cli([...as(SERVICE_CENTRE), 'materials', 'items', 'food-business-new']);
    expect(one.code).toBe(0);
    expect(one.out).toContain('floor-plan  经营场所平面图  ← library floor-plan');
    const unknown = await cli([...as(SERVICE_CENTRE), '--json', 'materials', 'items', 'no-such-item']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.err).error.code).toBe('MATERIALS_ITEM_UNKNOWN');
  });

  it('uploads, lists for the owner, and resolves with the provider unavailable', async () => {
    const up = await cli([
      ...as(MARKET_REGULATION),
      '--json',
      'materials',
      'upload',
      plan,
      SHOP,
      '--type',
      'floor-plan',
      '--application',
      'APP-1',
    ]);
    expect(up.err).toBe('');
    const stored = JSON.parse(up.out) as { material: { id: string; ownerKey: string } };
    expect(stored.material.ownerKey).toBe(SHOP);
    const listed = await cli([...as('portal-1', 'portal'), '--json', 'materials', 'list', SHOP]);
    expect((JSON.parse(listed.out) as { materials: { id: string }[] }).materials.map((m) => m.id)).toEqual([
      stored.material.id,
    ]);
    const resolved = await cli([
      ...as(SERVICE_CENTRE),
      '--json',
      'materials',
      'resolve',
      'industry-convenience-store',
      SHOP,
      '--application',
      'APP-2',
    ]);
    expect(resolved.err).toBe('');
    const { resolution } = JSON.parse(resolved.out) as {
      resolution: { materials: { materialCode: string; decision: string; reason?: string }[] };
    };
    const of = (code: string) => resolution.materials.find((m) => m.materialCode === code)!;
    expect(of('food-business-licence')).toMatchObject({
      decision: 'DECISION_REQUIRED',
      reason: 'REQUIRED_REASON_PROVIDER_UNAVAILABLE',
    });
    expect(of('floor-plan').decision).toBe('DECISION_EXEMPT');
    // the department asks explicitly; the portal previews and accepts for the applicant (ADR 030)
    const requested = await cli([...as(SERVICE_CENTRE), '--json', 'materials', 'request', 'APP-2']);
    expect(requested.err).toBe('');
    request = (JSON.parse(requested.out) as { request: typeof request }).request;
    expect(request.pieces.map((p) => p.materialCode)).toEqual(['floor-plan']);
    const previewed = await cli([...as('portal-1', 'portal'), 'materials', 'preview', SHOP]);
    expect(previewed.out).toContain(`${request.pieces[0]!.id}  pending   floor-plan`);
    const accepted = await cli([...as('portal-1', 'portal'), '--json', 'materials', 'accept', request.id, SHOP]);
    expect((JSON.parse(accepted.out) as { pieces: { status: string }[] }).pieces[0]!.status).toBe(
      'PIECE_STATUS_ACCEPTED',
    );
    // the department of the application that reused the floor plan fetches it; another department is refused
    const out = path.join(dataDir, 'fetched.pdf');
    const fetched = await cli([
      ...as(SERVICE_CENTRE),
      'materials',
      'get',
      stored.material.id,
      '--application',
      'APP-2',
      '--out',
      out,
    ]);
    expect(fetched.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(plan, 'utf8'));
    const other = await cli([
      ...as(MARKET_REGULATION),
      '--json',
      'materials',
      'get',
      stored.material.id,
      '--application',
      'APP-2',
      '--out',
      out,
    ]);
    expect(JSON.parse(other.err).error.code).toBe('MATERIALS_ACCESS_DENIED');
    const text = await cli([
      ...as(SERVICE_CENTRE),
      'materials',
      'resolve',
      'industry-convenience-store',
      SHOP,
      '--application',
      'APP-2',
    ]);
    expect(text.out).toContain('REQUIRED  food-business-licence  食品经营许可证  (provider-unavailable)');
  });

  it('answers refusals as one coded JSON line on standard error', async () => {
    const mismatch = await cli([
      ...as(MARKET_REGULATION),
      '--json',
      'materials',
      'upload',
      plan,
      SHOP,
      '--type',
      'floor-plan',
      '--sha256',
      '0'.repeat(64),
    ]);
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.err).error.code).toBe('MATERIALS_DIGEST_MISMATCH');
    const wrong = `${SHOP.slice(0, 17)}${SHOP[17] === '0' ? '1' : '0'}`;
    const bad = await cli([
      ...as(SERVICE_CENTRE),
      '--json',
      'materials',
      'resolve',
      'industry-bakery',
      wrong,
      '--application',
      'A',
    ]);
    expect(JSON.parse(bad.err).error.code).toBe('USCC_INVALID');
  });

  it('logs the materials topic in the audit log, under the applicant', async () => {
    const options = { addr: hub.address, as: AUDITOR, role: 'auditor', timeoutMs: 10_000 };
    const search = () =>
      withClient(auditV1.AuditServiceClient, options, (c) =>
        call(
          c.searchEvents.bind(c),
          auditV1.SearchEventsRequest.fromPartial({ subject: SHOP, page: { pageSize: 50 } }),
          options,
        ),
      );
    const entries = await waitFor(
      async () => {
        const found = (await search()).entries;
        return found.length >= 9 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the materials events in the audit log' },
    );
    expect(entries!.map((e) => e.event?.type)).toEqual([
      'materials.material.stored',
      'materials.resolution.made',
      'materials.evidence.requested',
      'materials.evidence.previewed',
      'materials.evidence.accepted',
      'materials.material.served',
      'materials.evidence.reused',
      'materials.material.access-denied',
      'materials.resolution.made',
    ]);
    expect(entries!.every((e) => e.event?.source === '/onceonly/materials')).toBe(true);
  });

  it('fetches an accepted piece, shows the applicant what was reused, and refuses another applicant’s portal', async () => {
    const out = path.join(dataDir, 'piece.pdf');
    const fetched = await cli([
      ...as(SERVICE_CENTRE),
      'materials',
      'fetch',
      request.id,
      request.pieces[0]!.id,
      '--out',
      out,
    ]);
    expect(fetched.err).toBe('');
    expect(await readFile(out, 'utf8')).toBe(await readFile(plan, 'utf8'));
    const view = await cli([...as('portal-1', 'portal'), '--json', 'materials', 'reused', SHOP]);
    const reuses = (JSON.parse(view.out) as { reuses: { departmentCode: string; applicationId: string }[] }).reuses;
    expect(reuses.map((r) => [r.departmentCode, r.applicationId])).toEqual([
      [SERVICE_CENTRE, 'APP-2'],
      [SERVICE_CENTRE, 'APP-2'],
    ]);
    const text = await cli([...as('portal-1', 'portal'), 'materials', 'reused', SHOP]);
    expect(text.out).toContain(`${SERVICE_CENTRE}  APP-2  floor-plan ← material`);
    const none = await cli([...as(SERVICE_CENTRE), 'materials', 'notifications']);
    expect(none.out.trim()).toBe('(none)');
    const other = uscc('91310107MA1J5K6L7');
    const refused = await cli([...as('portal-1', 'portal'), '--json', 'materials', 'accept', request.id, other]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.err).error.code).toBe('MATERIALS_PREVIEW_NOT_YOURS');
    const rejected = await cli([
      ...as('portal-1', 'portal'),
      '--json',
      'materials',
      'reject',
      request.id,
      SHOP,
      '--piece',
      request.pieces[0]!.id,
    ]);
    expect(JSON.parse(rejected.err).error.code).toBe('MATERIALS_PREVIEW_DECIDED');
  });
});
