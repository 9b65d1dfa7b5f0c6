/**
 * `onceonly credit …` against a hub running in this process on its embedded defaults (PGlite, the embedded log):
 * a penalty recorded, the profile and grade read, the public feed, a repair refused too early with its code on
 * standard error as one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { creditModule } from '@onceonly/credit';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const EMERGENCY = uscc('11310107MB2F10079');
const CAFE = uscc('91310107MA1G8K3D4');

describe('onceonly credit', () => {
  let hub: RunningHub;
  let dataDir = '';
  const as = (code: string, role = 'department') => ['--addr', hub.address, '--as', code, '--role', role];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-credit-cli-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = await startHub({
      config,
      log: createLogger({ level: 'silent', service: 'hub' }),
      modules: [creditModule],
      // 2026-03-04 10:00 in Shanghai: the decisions below are days old
      clock: () => new Date('2026-03-04T02:00:00Z'),
    });
  });
  afterAll(async () => {
    await hub?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const penalty = (number: string, date: string) => [
    'credit',
    'penalty',
    CAFE,
    '--party',
    '上海示范咖啡有限公司',
    '--number',
    number,
    '--name',
    '未按规定公示许可证',
    '--kinds',
    'fine',
    '--regime',
    'samr',
    '--facts',
    '当事人未在经营场所悬挂许可证',
    '--basis',
    '《中华人民共和国食品安全法》第一百二十六条',
    '--result',
    '罚款五万元',
    '--amount-fen',
    '5000000',
    '--date',
    date,
  ];

  it('records penalties, then shows the grade with its reasons, the profile and the public feed', async () => {
    const first = await cli([...as(MARKET_REGULATION), '--json', ...penalty('沪市监普处〔2026〕C1号', '2026-03-02')]);
    expect(first.err).toBe('');
    const recorded = JSON.parse(first.out) as { record: { id: string; version: number }; grade: { grade: string } };
    expect(recorded.record.version).toBe(1);
    expect(recorded.grade.grade).toBe('GRADE_LETTER_B');
    const second = await cli([...as(MARKET_REGULATION), ...penalty('沪市监普处〔2026〕C2号', '2026-03-03')]);
    expect(second.code).toBe(0);
    expect(second.out).toContain('grade       C');
    expect(second.out).toContain('12个月内受到2次非轻微行政处罚');

    const grade = await cli([...as(EMERGENCY), 'credit', 'grade', CAFE, '--purpose', '联合检查前核查']);
    expect(grade.code).toBe(0);
    expect(grade.out).toMatch(/^grade {7}C {2}\(grades\/2026-3/);
    const profile = await cli([...as(EMERGENCY), '--json', 'credit', 'profile', CAFE, '--purpose', '联合检查前核查']);
    const parsed = JSON.parse(profile.out) as { records: unknown[]; history: unknown[] };
    expect(parsed.records).toHaveLength(2);
    expect(parsed.history).toHaveLength(2);

    const feed = await cli([...as(uscc('91310107MA1G8K2D3'), 'platform'), 'credit', 'feed', '--code', CAFE]);
    expect(feed.code).toBe(0);
    expect(feed.out.split('\n').filter((l) => l.includes('penalty'))).toHaveLength(2);
  });

  it('records an entry on the serious-dishonesty list (D) and its exit', async () => {
    const shop = uscc('91310107MA1G8K5F6');
    const entry = await cli([
      ...as(MARKET_REGULATION),
      '--json',
      'credit',
      'record',
      shop,
      '--kind',
      'listing-entry',
      '--party',
      '上海示范超市有限公司',
      '--number',
      '沪市监普列〔2026〕1号',
      '--basis',
      '《市场监督管理严重违法失信名单管理办法》',
      '--reasons',
      '一年内三次较重行政处罚',
      '--date',
      '2026-03-03',
    ]);
    expect(entry.err).toBe('');
    const listed = JSON.parse(entry.out) as { record: { id: string }; grade: { grade: string } };
    expect(listed.grade.grade).toBe('GRADE_LETTER_D');
    const exit = await cli([
      ...as(MARKET_REGULATION),
      'credit',
      'record',
      shop,
      '--kind',
      'listing-exit',
      '--entry',
      listed.record.id,
      '--party',
      '上海示范超市有限公司',
      '--number',
      '沪市监普移〔2026〕1号',
      '--basis',
      '《市场监督管理严重违法失信名单管理办法》',
      '--reasons',
      '提前移出',
      '--date',
      '2026-03-04',
    ]);
    expect(exit.code).toBe(0);
    expect(exit.out).toContain('grade       B');
  });

  it('answers a refusal as one coded JSON line on standard error', async () => {
    const { record } = JSON.parse(
      (await cli([...as(MARKET_REGULATION), '--json', ...penalty('沪市监普处〔2026〕C3号', '2026-03-03')])).out,
    ) as { record: { id: string } };
    const early = await cli([
      ...as(MARKET_REGULATION),
      '--json',
      'credit',
      'repair',
      record.id,
      '--expected-version',
      '1',
      '--conditions',
      'obligations-fulfilled,harm-removed,not-repeated,not-listed',
      '--statement',
      '已整改',
    ]);
    expect(early.code).toBe(1);
    expect(JSON.parse(early.err).error.code).toBe('CREDIT_REPAIR_TOO_EARLY');
    const noPurpose = await cli([...as(EMERGENCY), '--json', 'credit', 'profile', CAFE]);
    expect(JSON.parse(noPurpose.err).error.code).toBe('INVALID_ARGUMENT');
  });
});
