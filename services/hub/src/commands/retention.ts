import { findEventTables, TopicRegistry } from '@onceonly/events';
import {
  type RetentionPass,
  type RetentionProgress,
  type RetentionStatus,
  retentionStatus,
  runRetentionPass,
  showDuration,
} from '@onceonly/kit';
import { type Command, Option } from 'commander';
import { EXIT, print } from '../client.js';
import { type HubConfig, loadHubConfig } from '../config.js';
import { HUB_TOPIC } from '../hub-events.js';
import { HUB_MODULES } from '../modules.js';
import { withHubDatabase } from './hub-database.js';

/**
 * `onceonly retention status` and `onceonly retention run [--dry-run]` (ADR 051): the outbox and inbox retention of
 * ADR 047, which the hub runs on its timer, looked at and run by hand. The command opens the hub's database itself
 * (DATABASE_URL or --database-url, else the embedded data folder: stop the embedded hub first), as `platform-client`
 * does: whoever may connect to the database as the role owning the services' schemas may run a pass; `status` only
 * reads (in a read-only transaction), so a read-only role will do. The settings are the hub's own variables
 * (ONCEONLY_OUTBOX_RETENTION, ONCEONLY_INBOX_RETENTION), so a pass by hand deletes what the hub's timer would. Every
 * outbox and inbox of the database is covered, found from its catalog; an inbox row's topic is kept as long as the
 * hub's registry of every service's topics says (a topic it does not know: for ever).
 */

/** The retention settings in force, as `status` and `run` show them. */
export interface RetentionSettings {
  readonly outboxMs: number;
  readonly inboxMs: number;
  readonly intervalMs: number;
}

const count = (n: number) => n.toLocaleString('en');

/** How long ago `then` was, in the largest unit that leaves a whole number of it (`16d`, `5h`, `12m`, `40s`). */
export function ageText(then: Date, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 1000));
  if (s >= 2 * 86_400) return `${Math.floor(s / 86_400)}d`;
  if (s >= 2 * 3600) return `${Math.floor(s / 3600)}h`;
  if (s >= 120) return `${Math.floor(s / 60)}m`;
  return `${s}s`;
}

/** One line of the settings in force. */
export function settingsText(settings: RetentionSettings): string {
  const outbox = settings.outboxMs > 0 ? `published rows older than ${showDuration(settings.outboxMs)}` : 'off';
  const inbox =
    settings.inboxMs > 0
      ? `rows older than ${showDuration(settings.inboxMs)} and than their topic's retention + 8d (topics kept for ever: never)`
      : 'off';
  const timer = settings.intervalMs > 0 ? `every ${showDuration(settings.intervalMs)}` : 'off';
  return `settings: outbox ${outbox}; inbox ${inbox}; the hub's pass ${timer}`;
}

/** `status` for people: the settings, then each outbox by source and each inbox by topic, then the totals. */
export function statusText(status: RetentionStatus, settings: RetentionSettings, now: Date): string {
  const lines = [settingsText(settings)];
  if (status.outboxes.length === 0 && status.inboxes.length === 0) lines.push('no outbox nor inbox in this database');
  for (const { schema, sources } of status.outboxes) {
    lines.push(`outbox ${schema}${sources.length === 0 ? ': empty' : ''}`);
    for (const s of sources) {
      lines.push(
        `  ${s.source}  ${count(s.rows)} rows (${count(s.published)} published, ${count(s.rows - s.published)} not), oldest ${ageText(s.oldest, now)} ago; a pass deletes ${count(s.deletable)}`,
      );
    }
  }
  for (const { schema, topics } of status.inboxes) {
    lines.push(`inbox ${schema}${topics.length === 0 ? ': empty' : ''}`);
    for (const t of topics) {
      const keep =
        settings.inboxMs === 0
          ? 'retention off'
          : t.keepMs === undefined
            ? 'kept for ever'
            : `kept ${showDuration(t.keepMs)}; a pass deletes ${count(t.deletable)}`;
      lines.push(`  ${t.topic}  ${count(t.rows)} rows, oldest ${ageText(t.oldest, now)} ago; ${keep}`);
    }
  }
  const totals = deletable(status);
  lines.push(`a pass now deletes ${count(totals.outbox)} outbox rows and ${count(totals.inbox)} inbox rows`);
  return lines.join('\n');
}

/** What a pass would delete now, per table, summed over the schemas. */
export function deletable(status: RetentionStatus): { outbox: number; inbox: number } {
  const sum = (xs: { deletable: number }[]) => xs.reduce((n, x) => n + x.deletable, 0);
  return {
    outbox: status.outboxes.reduce((n, o) => n + sum(o.sources), 0),
    inbox: status.inboxes.reduce((n, i) => n + sum(i.topics), 0),
  };
}

/** The one-line summary of a pass (`interrupted`: it stopped after a batch, on Ctrl-C). */
export function passText(pass: RetentionPass, interrupted: boolean): string {
  const part = (table: string, counts: Record<string, number>) => {
    const n = Object.values(counts).reduce((a, b) => a + b, 0);
    const each = Object.entries(counts).filter(([, c]) => c > 0);
    return `${count(n)} ${table} rows${each.length > 0 ? ` (${each.map(([s, c]) => `${s} ${count(c)}`).join(', ')})` : ''}`;
  };
  const head = interrupted ? 'interrupted after its current batch: deleted' : 'deleted';
  const tail = interrupted ? '; run it again to go on' : '';
  return `${head} ${part('outbox', pass.outbox)} and ${part('inbox', pass.inbox)} in ${(pass.ms / 1000).toFixed(1)} s${tail}`;
}

/** One line of progress: the rows a pass has deleted so far from one table. */
export function progressText(p: RetentionProgress): string {
  return `retention: ${p.table} ${p.schema}: ${count(p.deleted)} rows deleted so far`;
}

/** Every topic of every service the hub hosts or reads: an inbox row's topic not among them is kept for ever. */
function hubTopics(): TopicRegistry {
  return new TopicRegistry([HUB_TOPIC, ...HUB_MODULES.flatMap((m) => m.topics ?? [])]);
}

interface RetentionOptions {
  databaseUrl?: string;
  dataDir: string;
  json?: boolean;
}

function configOf(opts: RetentionOptions): { config: HubConfig; settings: RetentionSettings } {
  const config = loadHubConfig({
    ...process.env,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ONCEONLY_DATA_DIR: opts.dataDir,
  });
  return {
    config,
    settings: {
      outboxMs: config.ONCEONLY_OUTBOX_RETENTION,
      inboxMs: config.ONCEONLY_INBOX_RETENTION,
      intervalMs: config.ONCEONLY_RETENTION_INTERVAL,
    },
  };
}

/** What a pass with `settings` would find now, read in one read-only transaction (it cannot write). */
async function readStatus(config: HubConfig, settings: RetentionSettings, topics: TopicRegistry) {
  return withHubDatabase(config, (db) =>
    db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      const schemas = await findEventTables(tx);
      return retentionStatus(tx, { ...settings, topics, schemas });
    }),
  );
}

/** Adds `onceonly retention status` and `onceonly retention run [--dry-run]`. */
export function registerRetentionCommands(program: Command): void {
  const group = program
    .command('retention')
    .description(
      "the outbox and inbox retention (ADR 047, 051) in the hub's database: what a pass finds, and one pass by hand",
    );
  const common = (cmd: Command) =>
    cmd
      .addOption(
        new Option('--database-url <url>', "the hub's PostgreSQL (default: the embedded data folder)").env(
          'DATABASE_URL',
        ),
      )
      .addOption(
        new Option('--data-dir <dir>', 'embedded data folder (the embedded hub must be stopped: it locks it)')
          .env('ONCEONLY_DATA_DIR')
          .default('.onceonly'),
      );
  const json = (cmd: Command) => cmd.optsWithGlobals<{ json?: boolean }>().json === true;

  common(group.command('status'))
    .description(
      'per outbox and source: rows published and not, the oldest, what a pass deletes; per inbox and topic: rows, the oldest, how long they are kept, what a pass deletes; the settings in force. Reads only (one read of each table)',
    )
    .action(async (opts: RetentionOptions, cmd: Command) => {
      const { config, settings } = configOf(opts);
      const status = await readStatus(config, settings, hubTopics());
      print(
        { json: json(cmd) },
        { settings, ...status, deletable: deletable(status) },
        statusText(status, settings, new Date()),
      );
    });

  common(group.command('run'))
    .description(
      `one retention pass now, as the hub's timer runs it: batches of 1,000 rows, each its own statement; progress on standard error; Ctrl-C stops it after its current batch. Exit ${EXIT.ok}: done (or nothing to do); ${EXIT.failed}: failed or interrupted; ${EXIT.config}: a setting is invalid`,
    )
    .option('--dry-run', 'delete nothing: show what the pass would delete (as `status`)')
    .action(async (opts: RetentionOptions & { dryRun?: boolean }, cmd: Command) => {
      const { config, settings } = configOf(opts);
      const topics = hubTopics();
      const asJson = json(cmd);
      if (opts.dryRun) {
        const status = await readStatus(config, settings, topics);
        const totals = deletable(status);
        print(
          { json: asJson },
          { dryRun: true, settings, ...status, deletable: totals },
          `${statusText(status, settings, new Date())}\ndry run: nothing deleted`,
        );
        return;
      }
      const stop = new AbortController();
      const interrupt = () => stop.abort();
      process.once('SIGINT', interrupt);
      // at most one progress line a second (whichever table it is on): a pass over a backlog runs for minutes
      let shown = 0;
      const onProgress = (p: RetentionProgress) => {
        if (asJson || Date.now() - shown < 1000) return;
        shown = Date.now();
        process.stderr.write(`${progressText(p)}\n`);
      };
      try {
        const pass = await withHubDatabase(config, async (db) =>
          runRetentionPass({ db, topics, ...settings, schemas: await findEventTables(db), onProgress }, stop.signal),
        );
        const interrupted = stop.signal.aborted;
        print(
          { json: asJson },
          { ...pass, interrupted, settings },
          `${settingsText(settings)}\n${passText(pass, interrupted)}`,
        );
        if (interrupted) process.exitCode = EXIT.failed;
      } finally {
        process.off('SIGINT', interrupt);
      }
    });
}
