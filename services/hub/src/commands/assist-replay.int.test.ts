/**
 * `onceonly audit replay` over a hub on its embedded defaults hosting the assistance service and the audit log: the
 * assistance requests are rebuilt from their logged events alone (the service's own projection, ADR 005), checked
 * against the lifecycle, and compared with what GetRequest answers: clean for requests handled through the CLI.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ASSISTANCE_DEPARTMENTS, assistanceModule, COORDINATOR } from '@onceonly/assistance';
import { auditModule } from '@onceonly/audit';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

const codeOf = (nameZh: string) => ASSISTANCE_DEPARTMENTS.find((d) => d.nameZh === nameZh)!.code;
const PLANNING = codeOf('上海市普陀区规划和自然资源局');
const EMERGENCY = codeOf('上海市普陀区应急管理局');

describe('audit replay of the assistance service', () => {
  let hub: RunningHub;
  let dir = '';
  const as = (code: string, role = 'department') => ['--addr', hub.address, '--as', code, '--role', role];
  let brokers: string | undefined;

  beforeAll(async () => {
    brokers = process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_BROKERS; // the hub's bus is its embedded log: the replay reads it through the hub
    process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = '200';
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-assist-replay-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dir });
    const log = createLogger({ level: 'silent', service: 'hub' });
    hub = await startHub({ config, log, modules: [assistanceModule, auditModule] });
  });
  afterAll(async () => {
    await hub?.stop();
    if (brokers !== undefined) process.env.KAFKA_BROKERS = brokers;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds every request from the log and finds the service agreeing', async () => {
    // a catalogue publication in the log too (assistance.item.published): not a request's event, it changes none
    const items = JSON.parse((await cli([...as(PLANNING), '--json', 'assist', 'items'])).out).items;
    const file = path.join(dir, 'item.json');
    await writeFile(
      file,
      JSON.stringify({ ...items.find((i: { code: string }) => i.code === 'PT-XZ-07'), timeLimitWorkingDays: 6 }),
    );
    const published = await cli([...as(COORDINATOR.code), 'assist', 'publish-item', '--file', file]);
    expect(published.err).toBe('');
    const fields = '{"enterprise":"52310107TDYP14T8M0","since":"2024-01-01"}';
    const ids: string[] = [];
    for (const caseId of ['GH-1', 'GH-2']) {
      const made = await cli([
        ...as(PLANNING),
        '--json',
        'assist',
        'request',
        '--item',
        'PT-XZ-07',
        '--case',
        caseId,
        '--basis',
        '安全生产法',
        '--purpose',
        '核查',
        '--fields',
        fields,
      ]);
      expect(made.err).toBe('');
      ids.push(JSON.parse(made.out).id);
    }
    expect((await cli([...as(EMERGENCY), 'assist', 'accept', ids[0]!, '--expected-version', '1'])).code).toBe(0);
    expect(
      (
        await cli([
          ...as(EMERGENCY),
          'assist',
          'decline',
          ids[1]!,
          '--expected-version',
          '1',
          '--reasons',
          '不属于职责',
        ])
      ).code,
    ).toBe(0);
    // wait until a checkpoint covers the four events (the replay checks the log up to its latest checkpoint)
    let report:
      | { ok: boolean; projections: { name: string; keys: number; compared: number; divergences: number }[] }
      | undefined;
    for (let i = 0; i < 50; i++) {
      const run = await cli([
        ...as('auditor-1', 'auditor'),
        '--json',
        'audit',
        'replay',
        '--report',
        path.join(dir, 'replay'),
      ]);
      expect(run.code, run.err).toBe(0);
      report = JSON.parse(run.out);
      const assistance = report!.projections.find((p) => p.name === 'assistance-request-status');
      if (assistance && assistance.compared >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(report).toMatchObject({ ok: true });
    expect(report!.projections.find((p) => p.name === 'assistance-request-status')).toMatchObject({
      keys: 2,
      compared: 2,
      divergences: 0,
    });
  });
});
