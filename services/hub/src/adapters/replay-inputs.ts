import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type auditV1,
  type ProjectionCheck,
  type ReplayInput,
  type ReplayInputs,
  type ReplayLogSource,
  type ReplayProgress,
  sameLog,
  sizeAndRoot,
} from '@onceonly/audit/client';
import { AppError, isAppError, toAppError } from '@onceonly/errors';
import {
  checkNamespace,
  createEmbeddedTransport,
  createKafkaTransport,
  type EventTransport,
  withNamespace,
} from '@onceonly/events';
import { type Database, openDatabase } from '@onceonly/store';
import cliProgress from 'cli-progress';
import { type ClientOptions, call, checkHealth } from '../client.js';
import { HUB_REPLAY_PROJECTIONS } from '../modules.js';
import type { HubProjection, ReplayTrust } from './replay-projections.js';

// What `onceonly audit replay` opens besides the hub: the stored log (PostgreSQL or the embedded folder), the bus
// (Kafka or the embedded log), the services its projections compare with, and a progress display. Which of them it
// opens is decided from the options alone (`planReplay`), said before anything is read, and never guessed from what
// happens to lie around: a leftover `./.onceonly` is read only when asked for with --from-database.

/** Where an option's value came from (commander's `getOptionValueSource`: cli, env, default, ...). */
export type OptionSource = string | undefined;

/** The options of `audit replay` that choose its sources. */
export interface ReplaySourceOptions {
  brokers?: string;
  /** The hub's namespace (ONCEONLY_NAMESPACE, ADR 023): the bus read is the one of its topics and groups. */
  namespace?: string;
  databaseUrl?: string;
  dataDir: string;
  fromDatabase?: boolean;
  bus: boolean;
  projection?: string | false;
}

/** Which source each input of a replay is read from. */
export interface ReplayPlan {
  readonly log: 'hub' | 'database';
  readonly bus: 'hub' | 'kafka' | 'database' | 'none';
  readonly inputs: ReplayInputs;
}

/**
 * Decides the sources of a replay. The log: the hub (StreamEntries) unless --from-database. The bus: Kafka when
 * --brokers/KAFKA_BROKERS names it, else the embedded log of the database read with --from-database, else the hub
 * itself (StreamBusEvents). Projections: compared with the hub at --addr. The bus read directly is read in the
 * hub's namespace (--namespace/ONCEONLY_NAMESPACE, ADR 023).
 * @throws AppError INVALID_ARGUMENT for a combination that names two sources for one input, or a source for nothing
 * (--namespace on the command line for a bus read through the hub); CONFIG_INVALID for an invalid namespace.
 */
export function planReplay(
  opts: ReplaySourceOptions,
  source: (option: string) => OptionSource,
  addr: () => string,
): ReplayPlan {
  const dataDirNamed = source('dataDir') === 'cli' || source('dataDir') === 'env';
  if (!opts.fromDatabase && (source('databaseUrl') === 'cli' || source('dataDir') === 'cli')) {
    throw new AppError(
      'INVALID_ARGUMENT',
      '--database-url and --data-dir name the database to read the log from: add --from-database, or leave them out to read the hub',
    );
  }
  if (opts.fromDatabase && opts.databaseUrl && dataDirNamed) {
    throw new AppError(
      'INVALID_ARGUMENT',
      'two databases: --database-url (or DATABASE_URL) and --data-dir (or ONCEONLY_DATA_DIR); name one',
    );
  }
  if (!opts.bus && source('brokers') === 'cli')
    throw new AppError('INVALID_ARGUMENT', '--brokers with --no-bus: the bus is not read');
  const log = opts.fromDatabase ? 'database' : 'hub';
  const bus = !opts.bus ? 'none' : opts.brokers ? 'kafka' : opts.fromDatabase ? 'database' : 'hub';
  checkNamespace(opts.namespace ?? '');
  if ((bus === 'hub' || bus === 'none') && source('namespace') === 'cli') {
    throw new AppError(
      'INVALID_ARGUMENT',
      "--namespace names the namespace of a bus the replay reads itself: add --brokers or --from-database (through the hub, the hub's own applies)",
    );
  }
  const hub: ReplayInput = { kind: 'hub', where: addr() };
  const database: ReplayInput = opts.databaseUrl
    ? { kind: 'database', where: withoutPassword(opts.databaseUrl) }
    : { kind: 'embedded-folder', where: opts.dataDir };
  const inNamespace = (where: string) => (opts.namespace ? `${where} (namespace ${opts.namespace})` : where);
  const inputs: ReplayInputs = {
    log: log === 'hub' ? hub : database,
    bus:
      bus === 'none'
        ? { kind: 'none', where: '' }
        : bus === 'kafka'
          ? { kind: 'kafka', where: inNamespace(opts.brokers!) }
          : bus === 'hub'
            ? hub
            : { ...database, where: inNamespace(database.where) },
    projections: opts.projection === false ? { kind: 'none', where: '' } : hub,
  };
  return { log, bus, inputs };
}

/** A log with no checkpoint yet: its first leaf must be the hub's first leaf. */
async function assertSameFirstLeaf(
  log: ReplayLogSource,
  size: number,
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
  mismatch: (why: string) => AppError,
): Promise<void> {
  if (size === 0) return;
  const ours = await log.entries(1)[Symbol.asyncIterator]().next();
  const request = {
    start: '0',
    end: '1',
    omitData: true,
    purpose: 'audit replay: is this hub the log of the database?',
  };
  const { entries } = await call(c.getEntries.bind(c), request, o);
  const theirs = entries[0]?.leafHash;
  if (ours.done || !theirs || !ours.value.leafHash || !Buffer.from(ours.value.leafHash).equals(theirs)) {
    throw mismatch('its first leaf is not the database’s');
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'a database URL';
  }
}

/**
 * Refuses to compare a log read from a database with a hub that keeps another log: the hub's origin and key must be
 * the database's, and the hub must hold the database's latest checkpoint (same size, same root).
 * @throws AppError AUDIT_SOURCE_MISMATCH.
 */
export async function assertHubKeepsLog(
  log: ReplayLogSource,
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
): Promise<void> {
  const [info, hub] = await Promise.all([log.info(), call(c.getLogInfo.bind(c), {}, o)]);
  const verdict = sameLog(info, { origin: hub.origin, verifierKeys: [hub.verifierKey] });
  const mismatch = (why: string) =>
    new AppError('AUDIT_SOURCE_MISMATCH', `the hub at ${o.addr} keeps another log than the database: ${why}`, {
      details: { meta: { origin: info.origin, hubOrigin: hub.origin } },
    });
  if (verdict.verdict === 'other') throw mismatch(verdict.why);
  const last = (await log.checkpoints()).at(-1);
  if (!last) return assertSameFirstLeaf(log, info.size, c, o, mismatch);
  const held = await call(c.getCheckpoint.bind(c), { size: String(last.size) }, o).catch((err: unknown) => {
    if (isAppError(err, 'AUDIT_CHECKPOINT_NOT_FOUND')) return undefined;
    throw err;
  });
  if (!held?.checkpoint || sizeAndRoot(held.checkpoint.signedNote) !== sizeAndRoot(last.signedNote)) {
    throw mismatch(`it has no checkpoint of size ${last.size} with the database's root`);
  }
}

/** The projections of a replay, and how to close what they opened. */
export interface OpenedProjections {
  checks: ProjectionCheck<unknown, unknown>[];
  skipped: { name: string; reason: string }[];
  close(): void;
}

/**
 * The projections of a replay, from the hub's list (modules.ts). By name (`--projection`): that one only, compared
 * with its service, which must answer. By default: every one, each compared when its service answers on `--addr`
 * (grpc.health.v1), else still rebuilt and its events checked, and the comparison reported as skipped.
 * `--no-projection`: none. The services are read as the caller the global options name.
 */
export async function openProjections(
  choice: string | false | undefined,
  o: ClientOptions,
  trust: ReplayTrust,
  list: readonly HubProjection[] = HUB_REPLAY_PROJECTIONS,
): Promise<OpenedProjections> {
  if (choice === false) {
    const reason = 'not asked for (--no-projection)';
    return { checks: [], skipped: list.map(({ name }) => ({ name, reason })), close: () => undefined };
  }
  const chosen = choice === undefined ? list : list.filter((p) => p.name === choice);
  const opened = await Promise.all(chosen.map((p) => openOne(p, choice !== undefined, o, trust)));
  return {
    checks: opened.map((x) => x.check),
    skipped: [],
    close: () => {
      for (const x of opened) x.close();
    },
  };
}

async function openOne(p: HubProjection, required: boolean, o: ClientOptions, trust: ReplayTrust) {
  const status = await checkHealth(o, p.service).catch((err: unknown) => toAppError(err).message);
  if (status === 'SERVING') return p.open(o, trust);
  const why = `${p.service} at ${o.addr} is not serving (${status})`;
  if (required) throw new AppError('UNAVAILABLE', `--projection ${p.name}: ${why}`);
  return { check: p.offline(why, trust), close: () => undefined };
}

/** The hub's database: PostgreSQL at `databaseUrl`, else the embedded one in `dataDir` (which must exist). */
export async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (opts.databaseUrl) return openDatabase({ url: opts.databaseUrl });
  const dataDir = join(opts.dataDir, 'pgdata');
  // never create an empty database here: a replay against nothing would find nothing wrong
  if (!existsSync(dataDir)) {
    throw new AppError('CONFIG_INVALID', `no embedded database in ${opts.dataDir} (set --data-dir or --database-url)`);
  }
  return openDatabase({ dataDir });
}

/** The bus: Kafka at `brokers`, else the embedded log in `db`; in the hub's `namespace` (ADR 023) when one is set. */
export async function openTransport(
  opts: { brokers?: string; namespace?: string },
  db: Database | undefined,
): Promise<EventTransport> {
  const namespace = checkNamespace(opts.namespace ?? '');
  if (opts.brokers) {
    return withNamespace(
      await createKafkaTransport({ brokers: opts.brokers, clientId: 'onceonly-audit-replay' }),
      namespace,
    );
  }
  if (!db) throw new AppError('CONFIG_MISSING', 'the embedded log needs --database-url or --data-dir');
  return withNamespace(await createEmbeddedTransport({ db }), namespace);
}

/**
 * A progress bar with the rate on a terminal; plain lines (every 10 %) otherwise. A phase shows once its first
 * records arrive, not when it is announced: the bus and the log are read together, and a read refused at once (a
 * caller who is not an auditor) leaves the coded refusal alone on standard error.
 */
export function progress(): ReplayProgress {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  let total = 0;
  let started = Date.now();
  let lastLine = -1;
  let shown = false;
  const show = () => {
    shown = true;
    if (tty && total > 0) {
      bar = new cliProgress.SingleBar(
        { format: `${phase.padEnd(6)} [{bar}] {percentage}% {value}/{total} {rate}/s`, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { rate: 0 });
    } else if (!tty) process.stderr.write(`replay: ${phase}: ${total} to read\n`);
  };
  return {
    phase(name, size) {
      bar?.stop();
      bar = undefined;
      phase = name;
      total = size;
      started = Date.now();
      lastLine = -1;
      shown = false;
    },
    advance(done) {
      if (!shown) show();
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = Math.round(done / seconds);
      if (bar) {
        bar.update(done, { rate });
        if (done >= total) bar.stop();
        return;
      }
      const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (tenth !== lastLine) {
        lastLine = tenth;
        process.stderr.write(`replay: ${phase}: ${done}/${total} (${rate}/s)\n`);
      }
    },
  };
}
