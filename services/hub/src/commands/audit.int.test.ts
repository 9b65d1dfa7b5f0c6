/**
 * `onceonly audit export --subject` against a hub running in this process on its embedded defaults, hosting the
 * certificate service and the audit log: a certificate id and a citizen ID both find the holder's events, and
 * the citizen ID never leaves the CLI in clear.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditModule } from '@onceonly/audit';
import { certificateModule } from '@onceonly/certificate';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

/** A citizen ID (Putuo, born 1990-03-07; check character 9). */
const CITIZEN_ID = '310107199003071239';

interface Exported {
  subject: string;
  events: number;
  pending: number;
}

describe('onceonly audit export --subject', () => {
  let hub: RunningHub;
  let dataDir = '';
  let certificateId = '';
  const saved = process.env.ONCEONLY_AUDIT_CHECKPOINT_MS;

  /** Exports until every event of the subject is in a checkpoint. */
  async function exportUntilCheckpointed(subject: string, file: string): Promise<Exported> {
    const args = [
      '--addr',
      hub.address,
      '--role',
      'auditor',
      '--json',
      'audit',
      'export',
      '--subject',
      subject,
      '--out',
      file,
    ];
    for (let attempt = 0; attempt < 100; attempt++) {
      const run = await cli([...args, '--data-dir', dataDir]);
      expect(run, run.err).toMatchObject({ code: 0 });
      const exported = JSON.parse(run.out) as Exported;
      if (exported.events > 0 && exported.pending === 0) return exported;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no checkpointed events of ${subject}`);
  }

  beforeAll(async () => {
    process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = '200';
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-audit-cli-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    const log = createLogger({ level: 'silent', process: 'hub' });
    hub = await startHub({ config, log, modules: [certificateModule, auditModule] });
    const types = JSON.parse((await cli(['--addr', hub.address, '--json', 'cert', 'types'])).out) as {
      types: { typeCode: string; nameZh: string; issuerCodes: string[] }[];
    };
    const food = types.types.find((t) => t.nameZh === '食品经营许可证')!;
    const fields = JSON.stringify({
      legal_representative: '张小明',
      premises: '上海市普陀区长寿路100号',
      main_format: '餐饮服务经营者',
      business_items: '热食类食品制售',
    });
    const issued = await cli([
      ...['--addr', hub.address, '--as', food.issuerCodes[0]!, '--json', 'cert', 'issue', '--type', food.typeCode],
      ...['--holder', CITIZEN_ID, '--holder-name', '张小明', '--fields', fields],
    ]);
    certificateId = (JSON.parse(issued.out) as { certificate: { id: string } }).certificate.id;
  });
  afterAll(async () => {
    await hub?.stop();
    if (saved === undefined) delete process.env.ONCEONLY_AUDIT_CHECKPOINT_MS;
    else process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = saved;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("finds a certificate's events by its id (under its holder's subject)", async () => {
    const exported = await exportUntilCheckpointed(certificateId, path.join(dataDir, 'by-id.json'));
    expect(exported.subject).toMatch(/^h:[0-9a-f]{64}$/);
  });

  it('exports over gRPC a bundle that `verify` proves complete', async () => {
    const file = path.join(dataDir, 'complete.json');
    await exportUntilCheckpointed(certificateId, file);
    const run = await cli(['--json', 'audit', 'verify', file]);
    expect(run, run.err).toMatchObject({ code: 0 });
    expect(JSON.parse(run.out)).toMatchObject({ ok: true, completeness: 'proven' });
  });

  it("finds a person's events by citizen ID, hashed on the caller's side and never written in clear", async () => {
    const file = path.join(dataDir, 'by-citizen-id.json');
    const again = path.join(dataDir, 'again.json');
    const byId = await exportUntilCheckpointed(certificateId, again);
    const exported = await exportUntilCheckpointed(CITIZEN_ID, file);
    expect(exported.subject).toBe(byId.subject);
    // the same events of the certificate (the records of reads of the holder's entries, keyed by the holder, grow
    // with each export: the second export also holds the first one's)
    const certificateEvents = async (bundle: string) =>
      (JSON.parse(await readFile(bundle, 'utf8')) as { events: { event: { id: string; type: string } }[] }).events
        .filter((e) => e.event.type !== 'audit.entries-read')
        .map((e) => e.event.id);
    expect(await certificateEvents(file)).toEqual(await certificateEvents(again));
    expect((await certificateEvents(file)).length).toBeGreaterThan(0);
    expect(await readFile(file, 'utf8')).not.toContain(CITIZEN_ID);
  });

  it('refuses a citizen ID when no holder hash key is at hand', async () => {
    const run = await cli([
      ...['--addr', hub.address, '--role', 'auditor', '--json', 'audit', 'export', '--subject', CITIZEN_ID],
      ...['--out', path.join(dataDir, 'never.json'), '--data-dir', path.join(dataDir, 'nowhere')],
    ]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'CONFIG_MISSING' } });
  });
});
