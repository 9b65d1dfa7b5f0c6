import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadServiceCalendar, loadWorkCalendar } from './files.js';
import { YEAR_2025 } from './years/2025.js';
import { YEAR_2026 } from './years/2026.js';
import { YEAR_NOTICES } from './years/index.js';

// The shipped years stand in as "2025 shipped, 2026 added by the operator", so the test needs no invented notice.
const shipped = [YEAR_2025];
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'workdays-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadWorkCalendar', () => {
  it('loads only the shipped years without a folder', async () => {
    const { calendar, added } = await loadWorkCalendar(undefined, shipped);
    expect(calendar.years).toEqual([2025]);
    expect(added).toEqual([]);
    expect(() => calendar.addWorkingDays('2025-12-24', 10)).toThrow(
      /no State Council holiday notice is loaded for 2026/,
    );
  });

  it("adds the operator's <year>.json, so deadlines run into that year", async () => {
    await writeFile(join(dir, '2026.json'), JSON.stringify(YEAR_2026));
    await writeFile(join(dir, 'README.txt'), 'not a notice: ignored');
    const { calendar, added } = await loadWorkCalendar(dir, shipped);
    expect(calendar.years).toEqual([2025, 2026]);
    expect(added.map((n) => n.notice.number)).toEqual(['国办发明电〔2025〕7号']);
    // 2025-12-24 + 10 working days: 12-25, 26, 29, 30, 31, 元旦 2026-01-01…03 off, Sun 01-04 worked, 05…08.
    expect(calendar.addWorkingDays('2025-12-24', 10)).toBe('2026-01-08');
  });

  it('refuses a file for a year shipped with the hub', async () => {
    await writeFile(join(dir, '2025.json'), JSON.stringify(YEAR_2025));
    await expect(loadWorkCalendar(dir, shipped)).rejects.toMatchObject({
      code: 'NOTICE_INVALID',
      message: expect.stringContaining('2025 is shipped with the hub'),
    });
  });

  it('refuses a file named for another year', async () => {
    await writeFile(join(dir, '2027.json'), JSON.stringify(YEAR_2026));
    await expect(loadWorkCalendar(dir, shipped)).rejects.toMatchObject({
      code: 'NOTICE_INVALID',
      message: expect.stringContaining('holds the notice of 2026; name it 2026.json'),
    });
  });

  it('refuses a notice that does not check, and a folder that cannot be read', async () => {
    await writeFile(
      join(dir, '2026.json'),
      JSON.stringify({ ...YEAR_2026, makeUpWorkdays: [{ date: '2026-02-13', for: '春节' }] }),
    );
    await expect(loadWorkCalendar(dir, shipped)).rejects.toMatchObject({ code: 'NOTICE_INVALID' });
    const missing = join(dir, 'missing');
    await expect(loadWorkCalendar(missing, shipped)).rejects.toMatchObject({
      code: 'NOTICE_INVALID',
      message: expect.stringContaining('cannot read the folder'),
    });
    await mkdir(missing);
    await expect(loadWorkCalendar(missing, shipped)).resolves.toMatchObject({ added: [] });
  });
});

describe('loadServiceCalendar', () => {
  const logged = () => {
    const lines: { level: string; fields: object; message: string }[] = [];
    const log = {
      info: (fields: object, message: string) => void lines.push({ level: 'info', fields, message }),
      warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields, message }),
    };
    return { lines, log };
  };
  const last = YEAR_NOTICES.at(-1)!.year;

  it('warns from October of the last loaded year that the next notice is missing, not before', async () => {
    const october = logged();
    await loadServiceCalendar(undefined, { now: new Date(`${last}-10-01T00:00:00+08:00`), log: october.log });
    expect(october.lines).toEqual([
      { level: 'warn', fields: { year: last + 1 }, message: expect.stringContaining('ONCEONLY_WORKDAYS_DIR') },
    ]);
    const september = logged();
    await loadServiceCalendar(undefined, { now: new Date(`${last}-09-30T23:00:00+08:00`), log: september.log });
    expect(september.lines).toEqual([]);
  });

  it('refuses a folder that repeats a shipped year before logging anything', async () => {
    await writeFile(join(dir, '2026.json'), JSON.stringify(YEAR_2026));
    const { lines, log } = logged();
    await expect(loadServiceCalendar(dir, { now: new Date('2026-01-05T00:00:00Z'), log })).rejects.toMatchObject({
      code: 'NOTICE_INVALID',
    });
    expect(lines).toEqual([]);
  });
});
