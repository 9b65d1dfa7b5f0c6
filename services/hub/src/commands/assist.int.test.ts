/**
 * `onceonly assist …` against a hub running in this process on its embedded defaults (PGlite, the embedded log):
 * the catalogue, a request from the justice bureau to civil affairs through accept, answer and close, the inbox and
 * outbox, a stale version refused with its code, and the indicators. Errors go to standard error as one coded line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ASSISTANCE_DEPARTMENTS, assistanceModule, COORDINATOR } from '@onceonly/assistance';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

const codeOf = (nameZh: string) => ASSISTANCE_DEPARTMENTS.find((d) => d.nameZh === nameZh)!.code;
const JUSTICE = codeOf('上海市普陀区司法局');
const CIVIL_AFFAIRS = codeOf('上海市普陀区民政局');
/** A citizen ID with a valid check character (GB 11643). */
const CITIZEN_ID = '11010519491231002X';

const cli = runInProcess;

describe('onceonly assist', () => {
  let hub: RunningHub;
  let dataDir = '';
  const as = (code: string) => ['--addr', hub.address, '--as', code];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-assist-cli-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = await startHub({
      config,
      log: createLogger({ level: 'silent', service: 'hub' }),
      modules: [assistanceModule],
    });
  });
  afterAll(async () => {
    await hub?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the seven items of the catalogue', async () => {
    const { out, code } = await cli([...as(JUSTICE), '--json', 'assist', 'items']);
    expect(code).toBe(0);
    const items = JSON.parse(out).items as { code: string }[];
    expect(items.map((i) => i.code)).toEqual([
      'PT-XZ-01',
      'PT-XZ-02',
      'PT-XZ-03',
      'PT-XZ-04',
      'PT-XZ-05',
      'PT-XZ-06',
      'PT-XZ-07',
    ]);
    expect((await cli([...as(JUSTICE), 'assist', 'items'])).out).toContain('法律援助申请人经济状况核查');
  });

  it('runs a request from the justice bureau to civil affairs: request, inbox, accept, answer, close', async () => {
    const made = await cli([
      ...as(JUSTICE),
      '--json',
      'assist',
      'request',
      '--item',
      'PT-XZ-04',
      '--case',
      'PTFY-2026-9',
      '--basis',
      '法律援助法第四十一条',
      '--purpose',
      '核查经济困难状况',
      '--about-person',
      CITIZEN_ID,
      '--fields',
      '{"aid_case_no":"PTFY20269"}',
    ]);
    expect(made.err).toBe('');
    const request = JSON.parse(made.out) as { id: string; version: number; subject: { maskedCitizenId: string } };
    expect(request.version).toBe(1);
    expect(made.out).not.toContain(CITIZEN_ID);
    const inbox = await cli([...as(CIVIL_AFFAIRS), 'assist', 'inbox']);
    expect(inbox.out).toContain(request.id);
    expect(
      (await cli([...as(CIVIL_AFFAIRS), 'assist', 'accept', request.id, '--expected-version', '1'])).out,
    ).toContain('accepted');
    // a stale version: one coded line on standard error, exit 1, nothing changed
    const stale = await cli([...as(CIVIL_AFFAIRS), 'assist', 'accept', request.id, '--expected-version', '1']);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/^onceonly: ASSIST_VERSION_CONFLICT: /);
    const answered = await cli([
      ...as(CIVIL_AFFAIRS),
      'assist',
      'answer',
      request.id,
      '--expected-version',
      '2',
      '--fields',
      '{"economic_difficulty":"是","basis":"低保"}',
    ]);
    expect(answered.out).toContain('economic_difficulty');
    const closed = await cli([
      ...as(JUSTICE),
      '--json',
      'assist',
      'close',
      request.id,
      '--expected-version',
      '3',
      '--timeliness',
      '5',
      '--effort',
      '4',
    ]);
    expect(JSON.parse(closed.out)).toMatchObject({ status: 'REQUEST_STATUS_CLOSED', version: 4 });
    expect((await cli([...as(JUSTICE), 'assist', 'outbox', '--status', 'closed'])).out).toContain(request.id);
    // the coordinator sees the request, not the answer's fields
    const seen = await cli([...as(COORDINATOR.code), '--json', 'assist', 'show', request.id]);
    expect(JSON.parse(seen.out).answer.fields ?? {}).toEqual({});
    const stats = await cli([...as(COORDINATOR.code), 'assist', 'stats', '--by', 'item']);
    expect(stats.out).toContain('PT-XZ-04');
  });

  it('refuses bad input with one coded line: an unknown item, a citizen ID in free text, a bad status', async () => {
    const unknown = await cli([
      ...as(JUSTICE),
      '--json',
      'assist',
      'request',
      '--item',
      'PT-XZ-99',
      '--case',
      'c',
      '--basis',
      'b',
      '--purpose',
      'p',
    ]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.err).error.code).toBe('ASSIST_ITEM_UNKNOWN');
    const personal = await cli([
      ...as(JUSTICE),
      'assist',
      'request',
      '--item',
      'PT-XZ-07',
      '--case',
      'c',
      '--basis',
      'b',
      '--purpose',
      `查 ${CITIZEN_ID}`,
      '--fields',
      '{"enterprise":"91310000MA1FL8XQ37","since":"2023-01-01"}',
    ]);
    expect(personal.err).toMatch(/^onceonly: PERSONAL_DATA_IN_TEXT: /);
    expect(personal.err).not.toContain(CITIZEN_ID);
    const status = await cli([...as(JUSTICE), 'assist', 'outbox', '--status', 'lost']);
    expect(status.err).toMatch(/INVALID_ARGUMENT: --status/);
  });

  it('publishes an item edited from `assist items --json` as the coordinator, then its next version', async () => {
    const PLANNING = codeOf('上海市普陀区规划和自然资源局');
    const URBAN = codeOf('上海市普陀区城市管理行政执法局');
    const listed = JSON.parse((await cli([...as(JUSTICE), '--json', 'assist', 'items'])).out) as {
      items: Record<string, unknown>[];
    };
    // an illustrative execute item (not Putuo's catalogue), edited from the pipeline opinion's JSON
    const edited = {
      ...listed.items.find((i) => i.code === 'PT-XZ-06')!,
      code: 'PT-XZ-08',
      nameZh: '协助查封施工现场',
      nameEn: 'Seal up a construction site',
      kind: 'ASSISTANCE_KIND_EXECUTE',
      providerCodes: [URBAN],
      requesterCodes: [PLANNING],
      legalBasis: { law: '中华人民共和国城乡规划法', article: '第六十八条' },
      timeLimitWorkingDays: 5,
    };
    const file = path.join(dataDir, 'item.json');
    await writeFile(file, JSON.stringify(edited));
    // a department is not the catalogue keeper
    const refused = await cli([...as(PLANNING), 'assist', 'publish-item', '--file', file, '--expected-version', '0']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^onceonly: ASSIST_NOT_COORDINATOR: /);
    // the file still says version 1 (the pipeline item's): a new code needs --expected-version 0
    expect((await cli([...as(COORDINATOR.code), 'assist', 'publish-item', '--file', file])).err).toMatch(
      /ASSIST_VERSION_CONFLICT/,
    );
    const first = await cli([
      ...as(COORDINATOR.code),
      'assist',
      'publish-item',
      '--file',
      file,
      '--expected-version',
      '0',
    ]);
    expect(first.err).toBe('');
    expect(first.out).toMatch(/^published PT-XZ-08 v1 \(a new item\)\nPT-XZ-08 v1 {2}协助查封施工现场/);
    // what `assist items --json` shows of it, edited again, is the next version (its version is the one read)
    const shown = JSON.parse((await cli([...as(JUSTICE), '--json', 'assist', 'items'])).out).items.find(
      (i: { code: string }) => i.code === 'PT-XZ-08',
    );
    await writeFile(file, JSON.stringify({ ...shown, timeLimitWorkingDays: 10 }));
    const second = await cli([...as(COORDINATOR.code), '--json', 'assist', 'publish-item', '--file', file]);
    expect(second.err).toBe('');
    expect(JSON.parse(second.out)).toMatchObject({ code: 'PT-XZ-08', version: 2, timeLimitWorkingDays: 10 });
    // a misspelt key is refused before anything is sent
    await writeFile(file, JSON.stringify({ ...shown, timeLimitWorkingDay: 10 }));
    const typo = await cli([...as(COORDINATOR.code), 'assist', 'publish-item', '--file', file]);
    expect(typo.err).toMatch(/INVALID_ARGUMENT.*timeLimitWorkingDay/);
  });
});
