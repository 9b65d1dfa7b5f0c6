import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CERTIFICATE_STATUS,
  certificateStatusCheck,
  PROJECTION_NAMES,
  PROJECTIONS,
  type ProjectionCheck,
  type ProjectionName,
  type ReplayProgress,
} from '@onceonly/audit/client';
import { certificateV1 } from '@onceonly/certificate/client';
import { AppError, isAppError, toAppError } from '@onceonly/errors';
import { createEmbeddedTransport, createKafkaTransport, type EventTransport } from '@onceonly/events';
import { type Database, openDatabase } from '@onceonly/store';
import cliProgress from 'cli-progress';
import { type ClientOptions, call, channelCredentials, checkHealth } from '../client.js';

// What `onceonly audit replay` opens besides the hub: the stored log (PostgreSQL or the embedded folder), the bus
// (Kafka or the embedded log), the services its projections compare with, and a progress display.

/** The projections of a replay, and how to close what they opened. */
export interface OpenedProjections {
  checks: ProjectionCheck<unknown, unknown>[];
  skipped: { name: string; reason: string }[];
  close(): void;
}

/**
 * The projections of a replay. By name (`--projection`): compared with their service, which must answer. By default:
 * compared when the service answers on `--addr` (grpc.health.v1), else still rebuilt and their events checked, and
 * the comparison reported as skipped. `--no-projection`: none. The service is read as the caller the global options
 * name (`--as`/`--role` or the mTLS certificate); GetCertificate answers any caller but a platform.
 */
export async function openProjections(
  choice: ProjectionName | false | undefined,
  o: ClientOptions,
): Promise<OpenedProjections> {
  if (choice === false) {
    const reason = 'not asked for (--no-projection)';
    return { checks: [], skipped: PROJECTION_NAMES.map((name) => ({ name, reason })), close: () => undefined };
  }
  const name = choice ?? CERTIFICATE_STATUS;
  const { service } = PROJECTIONS[name];
  const status = await checkHealth(o, service).catch((err: unknown) => toAppError(err).message);
  if (status !== 'SERVING') {
    const why = `${service} at ${o.addr} is not serving (${status})`;
    if (choice !== undefined) throw new AppError('UNAVAILABLE', `--projection ${name}: ${why}`);
    return { checks: [certificateStatusCheck(undefined, { skipped: why })], skipped: [], close: () => undefined };
  }
  const c = new certificateV1.CertificateServiceClient(o.addr, channelCredentials(o));
  const lookup = async (id: string) => {
    try {
      const request = certificateV1.GetCertificateRequest.fromPartial({ ref: { $case: 'id', value: id } });
      return (await call(c.getCertificate.bind(c), request, o)).certificate;
    } catch (err) {
      if (isAppError(err, 'CERT_NOT_FOUND')) return undefined;
      throw err;
    }
  };
  return { checks: [certificateStatusCheck(lookup)], skipped: [], close: () => c.close() };
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

/** The bus: Kafka at `brokers`, else the embedded log in `db`. */
export async function openTransport(opts: { brokers?: string }, db: Database | undefined): Promise<EventTransport> {
  if (opts.brokers) return createKafkaTransport({ brokers: opts.brokers, clientId: 'onceonly-audit-replay' });
  if (!db) throw new AppError('CONFIG_MISSING', 'the embedded log needs --database-url or --data-dir');
  return createEmbeddedTransport({ db });
}

/** A progress bar with the rate on a terminal; plain lines (every 10 %) otherwise. */
export function progress(): ReplayProgress {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  let total = 0;
  let started = Date.now();
  let lastLine = -1;
  return {
    phase(name, size) {
      bar?.stop();
      phase = name;
      total = size;
      started = Date.now();
      lastLine = -1;
      if (tty && size > 0) {
        bar = new cliProgress.SingleBar(
          { format: `${name.padEnd(6)} [{bar}] {percentage}% {value}/{total} {rate}/s`, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(size, 0, { rate: 0 });
      } else if (!tty) process.stderr.write(`replay: ${name}: ${size} to read\n`);
    },
    advance(done) {
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
