import { readFile } from 'node:fs/promises';
import { CalendarError, parseYearNotice, type WorkCalendar, type YearNotice } from '@onceonly/workdays';
import { loadWorkCalendar } from '@onceonly/workdays/files';
import { type Command, Option } from 'commander';
import { cliOptions, print } from '../client.js';

/**
 * `onceonly workdays [check <file> | add <date> <days>]`: the working-day calendar the services count deadlines
 * with (the State Council's holiday notices shipped, plus those in ONCEONLY_WORKDAYS_DIR), offline: no hub needed.
 */

/** One line per loaded year: the year, where it comes from, and the notice it is transcribed from. */
export function noticeLine(notice: YearNotice, added: boolean): string {
  const from = added ? 'added  ' : 'shipped';
  return `${notice.year}  ${from}  ${notice.notice.title}, ${notice.notice.number} (${notice.notice.issued})`;
}

/** A notice in a few lines: its periods and make-up working days, as `workdays check` confirms them. */
export function noticeText(notice: YearNotice): string {
  return [
    noticeLine(notice, true),
    ...notice.holidays.map((h) => `  ${h.from} … ${h.to}  ${String(h.days).padStart(2)} days off  ${h.name}`),
    ...notice.makeUpWorkdays.map((m) => `  ${m.date}  worked instead   ${m.for}`),
  ].join('\n');
}

/** Adds `onceonly workdays`, `workdays check <file>` and `workdays add <date> <days>`. */
export function registerWorkdaysCommands(program: Command): void {
  const dirOption = () =>
    new Option('--dir <folder>', 'folder of <year>.json notices added to the shipped years')
      .env('ONCEONLY_WORKDAYS_DIR')
      .default('');
  const calendarOf = async (cmd: Command) => {
    const { dir } = cmd.opts<{ dir: string }>();
    return loadWorkCalendar(dir);
  };
  const workdays = program
    .command('workdays')
    .description('the working-day calendar deadlines are counted with: the years loaded and their notices (offline)')
    .addOption(dirOption())
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const { calendar, added } = await calendarOf(cmd);
      const isAdded = new Set(added.map((n) => n.year));
      print(
        options,
        { years: calendar.notices.map((n) => ({ ...n, added: isAdded.has(n.year) })) },
        calendar.notices.map((n) => noticeLine(n, isAdded.has(n.year))).join('\n'),
      );
    });
  workdays
    .command('check <file>')
    .description('check a notice file (<year>.json) before putting it in ONCEONLY_WORKDAYS_DIR')
    .action(async (file: string, _opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const notice = parseYearNotice(await readText(file), file);
      print(options, notice, noticeText(notice));
    });
  workdays
    .command('add <date> <days>')
    .description('the <days>-th working day after <date> (YYYY-MM-DD): the due date of a period of <days> working days')
    .addOption(dirOption())
    .action(async (date: string, days: string, _opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const { calendar } = await calendarOf(cmd);
      const due = addDays(calendar, date, days);
      print(options, { from: date, workingDays: Number(days), due }, due);
    });
}

function addDays(calendar: WorkCalendar, date: string, days: string): string {
  if (!/^\d{1,5}$/.test(days)) throw new CalendarError('DATE_INVALID', `days must be a whole number ≥ 0, got ${days}`);
  return calendar.addWorkingDays(date, Number(days));
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CalendarError('NOTICE_INVALID', `${file}: cannot read it (${(err as Error).message})`);
  }
}
