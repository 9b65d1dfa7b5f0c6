import { YEAR_NOTICES } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { EXIT } from '../client.js';
import { noticeLine, noticeText } from './workdays.js';

const y2026 = YEAR_NOTICES.find((n) => n.year === 2026)!;

describe('onceonly workdays: formatters', () => {
  it('names each year, where it comes from and its notice', () => {
    expect(noticeLine(y2026, false)).toBe(
      '2026  shipped  国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号 (2025-11-04)',
    );
    expect(noticeLine(y2026, true)).toMatch(/^2026 {2}added {3}/);
  });

  it('lists every period and make-up day of a checked notice', () => {
    const lines = noticeText(y2026).split('\n');
    expect(lines).toHaveLength(1 + y2026.holidays.length + y2026.makeUpWorkdays.length);
    expect(lines).toContain('  2026-02-15 … 2026-02-23   9 days off  春节');
    expect(lines).toContain('  2026-02-28  worked instead   春节');
  });
});

describe('onceonly workdays add', () => {
  it('counts across the Spring Festival with its make-up Saturday', async () => {
    const run = await cli(['--json', 'workdays', 'add', '2026-02-12', '3']);
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.out)).toEqual({ from: '2026-02-12', workingDays: 3, due: '2026-02-24' });
  });

  it('refuses a period running into a year whose notice is not loaded, with its code', async () => {
    const run = await cli(['--json', 'workdays', 'add', '2026-12-04', '20']);
    expect(run.code).toBe(EXIT.failed);
    expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'CALENDAR_YEAR_NOT_LOADED' } });
  });

  it('refuses a count that is not a whole number', async () => {
    const run = await cli(['--json', 'workdays', 'add', '2026-12-04', 'ten']);
    expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'DATE_INVALID' } });
  });
});
