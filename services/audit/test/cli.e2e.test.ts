import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCheckpoint, parseVerifierKey, verifyInclusion } from '@onceonly/merkle';
import { openDatabase } from '@onceonly/store';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditClient } from './support.js';

// The auditor's commands as a user runs them: the built CLI in child processes, against a hub on its embedded
// defaults in another (`npm test` builds before it tests).
const MAIN = fileURLToPath(new URL('../../hub/dist/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH, ONCEONLY_LOG_PRETTY: 'false', ONCEONLY_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('onceonly audit against a hub on its embedded defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onceonly-audit-e2e-'));
  const dataDir = join(dir, 'data');
  let hub: ChildProcess | undefined;
  let address = '';
  let vkey = '';
  let eventId = '';
  let subject = '';
  /** The certificate issued and revoked through `onceonly cert`. */
  let certificateId = '';

  /** Starts the hub on the data folder (again, after a stop) and waits for its ready line. */
  async function startHub(): Promise<void> {
    hub = spawn(process.execPath, [MAIN, 'start'], {
      env: {
        PATH: process.env.PATH,
        ONCEONLY_LOG_PRETTY: 'false',
        ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
        ONCEONLY_DATA_DIR: dataDir,
        ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /onceonly ready: grpc=(\S+)/.exec(out);
        if (ready) {
          address = ready[1]!;
          resolve();
        }
      };
      hub!.stdout!.on('data', onData);
      hub!.stderr!.on('data', onData);
      hub!.on('exit', (code) => reject(new Error(`hub exited with ${code}:\n${out}`)));
    });
  }

  async function stopHub(): Promise<void> {
    if (!hub || hub.exitCode !== null) return;
    const stopped = hub;
    const exited = new Promise((resolve) => stopped.on('exit', resolve));
    stopped.kill('SIGTERM');
    await exited;
  }

  beforeAll(async () => {
    await startHub();
    // wait for a checkpoint that covers some events, and take one of them
    const client = auditClient(address);
    try {
      const size = await waitFor(async () => Number((await client.getCheckpoint({})).checkpoint?.size ?? 0), {
        timeoutMs: 20_000,
        message: 'a checkpoint of some events',
      });
      const { entries } = await client.getEntries({ purpose: '', start: '0', end: String(size), omitData: true });
      eventId = entries[0]!.event!.id;
      subject = entries[0]!.event!.subject;
      vkey = (await client.getVerifierKey({})).verifierKey;
    } finally {
      client.close();
    }
  });

  afterAll(async () => {
    await stopHub();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the latest signed checkpoint and the verifier key', async () => {
    const run = await cli(
      ['--addr', address, '--role', 'auditor', '--json', 'audit', 'checkpoint', '--vkey', vkey],
      dir,
    );
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ verifierKey: vkey, verified: true, origin: 'onceonly.gov.cn/audit/dev' });
    expect(openCheckpoint(out.signedNote, [parseVerifierKey(vkey)]).checkpoint.size).toBe(out.treeSize);
  });

  it('proves an event and prints the raw material anyone can re-check', async () => {
    const run = await cli(
      ['--addr', address, '--role', 'auditor', '--json', 'audit', 'prove', eventId, '--vkey', vkey],
      dir,
    );
    expect(run.code).toBe(0);
    const p = JSON.parse(run.stdout);
    expect(p.verified).toBe(true);
    const hash = (h: string) => Buffer.from(h, 'hex');
    expect(verifyInclusion(hash(p.leafHash), p.leafIndex, p.treeSize, p.proof.map(hash), hash(p.rootHash))).toBe(true);
  });

  it('fails with the error code for an unknown event', async () => {
    const run = await cli(['--addr', address, '--role', 'auditor', 'audit', 'prove', 'no-such-event'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AUDIT_EVENT_NOT_FOUND');
  });

  it('exports a bundle that verifies offline, and names the event of a changed one', async () => {
    const file = join(dir, 'bundle.json');
    const exported = await cli(
      ['--addr', address, '--role', 'auditor', 'audit', 'export', '--subject', subject, '--out', file],
      dir,
    );
    expect(exported.code).toBe(0);
    const ok = await cli(['audit', 'verify', file, '--vkey', vkey], dir);
    expect(ok.code).toBe(0);
    const bundle = JSON.parse(readFileSync(file, 'utf8'));
    bundle.events[0].event.type = 'forged.type';
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(bundle));
    const bad = await cli(['audit', 'verify', join(dir, 'forged.json'), '--vkey', vkey], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/DIVERGENCE PROOF_INVALID: .*leaf 0/);
    expect(bad.stderr).toContain('AUDIT_VERIFICATION_FAILED');
  });

  it('logs an issued and revoked certificate exactly once, provably, and exports the holder', async () => {
    const types = JSON.parse((await cli(['--addr', address, '--as', 'anyone', '--json', 'cert', 'types'], dir)).stdout);
    const food = types.types.find((t: { nameZh: string }) => t.nameZh === '食品经营许可证');
    const market: string = food.issuerCodes[0];
    const holder = '91310107MA1H2B3C44';
    writeFileSync(
      join(dir, 'fields.json'),
      JSON.stringify({
        legal_representative: '王芳',
        premises: '上海市普陀区长寿路100号',
        main_format: '餐饮服务经营者',
        business_items: '热食类食品制售',
      }),
    );
    const as = ['--addr', address, '--as', market];
    const issued = await cli(
      [
        ...as,
        '--json',
        'cert',
        'issue',
        '--type',
        food.typeCode,
        '--holder',
        holder,
        '--holder-name',
        '上海普陀小笼包餐饮有限公司',
        '--fields',
        `@${join(dir, 'fields.json')}`,
        '--idempotency-key',
        'audit-e2e-1',
      ],
      dir,
    );
    expect(issued.code).toBe(0);
    certificateId = JSON.parse(issued.stdout).certificate.id;
    const revoked = await cli(
      [...as, 'cert', 'revoke', certificateId, '--reason', '违法经营', '--legal-basis', '《食品安全法》'],
      dir,
    );
    expect(revoked.code).toBe(0);

    const client = auditClient(address);
    try {
      const search = (s: string) =>
        client.searchEvents({
          purpose: '',
          subject: s,
          type: '',
          source: '',
          timeFrom: '',
          timeTo: '',
          page: { pageSize: 100, pageToken: '' },
          omitData: true,
        });
      const logged = await waitFor(
        async () => {
          const all = [...(await search(holder)).entries, ...(await search(certificateId)).entries];
          const types = all.map((e) => e.event!.type);
          return types.includes('certificate.issued') && types.includes('certificate.revoked') ? all : undefined;
        },
        { timeoutMs: 20_000, message: 'the certificate events in the log' },
      );
      const ids = logged!.filter((e) => e.event!.type.startsWith('certificate.')).map((e) => e.event!.id);
      expect(new Set(ids).size).toBe(ids.length);
      const issuedEvent = logged!.find((e) => e.event!.type === 'certificate.issued')!;
      // once a checkpoint covers it, its proof verifies with the log key
      await waitFor(
        async () => Number((await client.getCheckpoint({})).checkpoint?.size) > Number(issuedEvent.leafIndex),
        { timeoutMs: 10_000, message: 'a checkpoint covering the certificate' },
      );
      const prove = await cli(
        ['--addr', address, '--role', 'auditor', '--json', 'audit', 'prove', issuedEvent.event!.id, '--vkey', vkey],
        dir,
      );
      expect(JSON.parse(prove.stdout).verified).toBe(true);
      const file = join(dir, 'holder.json');
      const subjectOfIssue = issuedEvent.event!.subject;
      expect(
        (
          await cli(
            ['--addr', address, '--role', 'auditor', 'audit', 'export', '--subject', subjectOfIssue, '--out', file],
            dir,
          )
        ).code,
      ).toBe(0);
      const verified = await cli(['--json', 'audit', 'verify', file, '--vkey', vkey], dir);
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
      expect(JSON.parse(verified.stdout).eventsVerified).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });

  it('replays against the running hub: the certificates rebuilt from the events are what the service answers', async () => {
    expect(certificateId).not.toBe('');
    const report = join(dir, 'live');
    const run = await cli(
      [
        ...[
          '--addr',
          address,
          '--role',
          'auditor',
          'audit',
          'replay',
          '--no-bus',
          '--projection',
          'certificate-status',
        ],
        ...['--vkey', vkey, '--report', report],
      ],
      dir,
    );
    expect(run.stderr).not.toContain('DIVERGENCE');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/certificate-status: \d+ rebuilt, \d+ compared/);
    const json = JSON.parse(readFileSync(`${report}.json`, 'utf8'));
    expect(json).toMatchObject({ ok: true, divergences: 0 });
    const [projection] = json.projections;
    expect(projection).toMatchObject({ name: 'certificate-status', divergences: 0 });
    expect(projection.keys).toBeGreaterThanOrEqual(1);
    expect(projection.compared).toBe(projection.keys);
    expect(json.findings.filter((f: { kind: string }) => f.kind.startsWith('PROJECTION_'))).toEqual([]);
    expect(readFileSync(`${report}.md`, 'utf8')).toMatch(/\| certificate-status \| \d+ \| \d+ \| \d+ \| 0 \|/);
  });

  it('replays the running embedded hub, its bus read by the hub itself, and says so first', async () => {
    // a decoy embedded folder where the CLI runs: it must not be read (the hub is asked)
    mkdirSync(join(dir, '.onceonly', 'pgdata'), { recursive: true });
    const report = join(dir, 'streamed');
    const run = await cli(['--addr', address, 'audit', 'replay', '--vkey', vkey, '--report', report], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(
      `replay: log from hub ${address}, bus from hub ${address}, projections compared with hub ${address}`,
    );
    const json = JSON.parse(readFileSync(`${report}.json`, 'utf8'));
    expect(json).toMatchObject({
      ok: true,
      divergences: 0,
      inputs: { log: { kind: 'hub', where: address }, bus: { kind: 'hub', where: address } },
    });
    expect(json.busRecords).toBeGreaterThanOrEqual(json.entries);
    expect(json.busEventsMatched).toBe(json.entries);
    expect(json.findings.map((f: { kind: string }) => f.kind)).not.toContain('BUS_UNIDENTIFIED');
    expect(json.projections[0]).toMatchObject({ name: 'certificate-status', divergences: 0 });
    expect(json.projections[0].compared).toBe(json.projections[0].keys);
  });

  it('refuses to stream the log and the bus to a caller who is not an auditor', async () => {
    for (const role of ['platform', 'department', 'portal']) {
      const run = await cli(['--addr', address, '--role', role, '--json', 'audit', 'replay', '--no-projection'], dir);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!).error.code).toBe('AUDIT_READ_DENIED');
    }
  });

  it('refuses a database folder named without --from-database', async () => {
    const run = await cli(['--addr', address, '--json', 'audit', 'replay', '--data-dir', dataDir], dir);
    expect(run.code).not.toBe(0);
    expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!).error.code).toBe('INVALID_ARGUMENT');
  });

  it('names a certificate whose status was changed in the database behind the log, and exits 1', async () => {
    // the revoked certificate is made valid again in the service's own table (the hub must be stopped: PGlite is
    // one process), without any event
    await stopHub();
    const db = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    const { rowCount } = await db.query(
      `UPDATE certificate.certificates SET status = '01', state = jsonb_set(state, '{status}', '"01"') WHERE id = $1`,
      [certificateId],
    );
    await db.close();
    expect(rowCount).toBe(1);
    await startHub();
    const report = join(dir, 'behind');
    const run = await cli(
      ['--addr', address, '--role', 'auditor', 'audit', 'replay', '--no-bus', '--vkey', vkey, '--report', report],
      dir,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `DIVERGENCE PROJECTION_STATUS_MISMATCH: certificate ${certificateId}: the events give status 07 (revoked), the certificate service answers 01 (valid)`,
    );
    expect(run.stderr).toContain('AUDIT_VERIFICATION_FAILED');
    const json = JSON.parse(readFileSync(`${report}.json`, 'utf8'));
    expect(json.divergences).toBe(1);
    expect(json.findings.filter((f: { severity: string }) => f.severity === 'divergence')).toEqual([
      expect.objectContaining({
        kind: 'PROJECTION_STATUS_MISMATCH',
        key: certificateId,
        expected: '07',
        actual: '01',
      }),
    ]);
    expect(readFileSync(`${report}.md`, 'utf8')).toContain('PROJECTION_STATUS_MISMATCH');
  });

  it('replays the stopped hub with no divergence, and names a deleted entry', async () => {
    await stopHub();
    // no hub at --addr (a port nothing listens on): not the default 127.0.0.1:50051, where another run's hub may be,
    // which keeps another log (the replay would refuse it, AUDIT_SOURCE_MISMATCH)
    const args = ['--addr', '127.0.0.1:9', 'audit', 'replay', '--data-dir', dataDir, '--from-database', '--vkey', vkey];
    const clean = await cli([...args, '--report', join(dir, 'clean')], dir);
    expect(clean.code, clean.stderr).toBe(0);
    const cleanReport = JSON.parse(readFileSync(join(dir, 'clean.json'), 'utf8'));
    expect(cleanReport).toMatchObject({ ok: true, divergences: 0 });
    // no hub to ask: the certificates are still rebuilt and their events checked, the comparison is skipped
    expect(cleanReport.projections[0]).toMatchObject({ name: 'certificate-status', compared: 0 });
    expect(cleanReport.projections[0].skipped).toContain('is not serving');
    expect(clean.stderr).toContain('notice PROJECTION_SKIPPED');
    expect(existsSync(join(dir, 'clean.md'))).toBe(true);

    const db = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    await db.query('DELETE FROM audit.leaves WHERE leaf_index = 1');
    await db.close();
    const tampered = await cli([...args, '--report', join(dir, 'tampered')], dir);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('DIVERGENCE LEAF_MISSING');
    expect(tampered.stderr).toContain('DIVERGENCE EVENT_MISSING_FROM_LOG');
    expect(readFileSync(join(dir, 'tampered.md'), 'utf8')).toContain('LEAF_MISSING');
  });
});
