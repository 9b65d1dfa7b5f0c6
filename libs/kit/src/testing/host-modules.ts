import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { type EventTransport, TopicRegistry, withNamespace } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import { watchEventMetrics } from '../event-metrics.js';
import { createGrpcServer, type ServerTls } from '../grpc-server.js';
import { createLifecycle, type StopReport } from '../lifecycle.js';
import { createLogger, type Logger, type LogLevel } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import type { ServiceContext, ServiceModule } from '../service-module.js';

/** Options of {@link hostModules}: the infrastructure comes from the test, everything else has a test default. */
export interface HostModulesOptions {
  readonly db: Database;
  readonly transport: EventTransport;
  /**
   * The hub's namespace (ONCEONLY_NAMESPACE, ADR 023): the modules get `transport` in it, so their topics and consumer
   * groups on the test broker are `<namespace>.<name>` and no other test file sees their events (see
   * {@link uniqueNamespace}). Default: none (today's names, shared with every other test on the broker).
   */
  readonly namespace?: string;
  /** Started in order, like the hub does (a module that reads others' topics comes last). */
  readonly modules: readonly ServiceModule[];
  /** Default: the real clock. */
  readonly clock?: () => Date;
  /** Default `external` (no development keys or seeds). */
  readonly mode?: 'embedded' | 'external';
  /** Default: a path that does not exist (external mode writes nothing there). */
  readonly dataDir?: string;
  /** The modules' configuration; default: none (each variable's default). */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: a fresh registry. */
  readonly topics?: TopicRegistry;
  /** Default: a JSON logger into memory (see {@link HostedModules.logText}). */
  readonly log?: Logger;
  /** Level of the memory logger (default `info`). */
  readonly logLevel?: LogLevel;
  /** The logger's `service` (default `test`). */
  readonly service?: string;
  /** Grace of the stop hooks (default 1 s). */
  readonly graceMs?: number;
  /** Default: false, to start the server after the modules. True when a test adds services or starts it itself. */
  readonly deferServer?: boolean;
  /** Default: fresh metrics (without Node's process metrics), with the event metrics of `db` (ADR 035). */
  readonly metrics?: Metrics;
  /** Also serve the HTTP/JSON face (ADR 032) on `127.0.0.1:0` (see {@link HostedModules.httpAddress}). Default false. */
  readonly http?: boolean;
  /**
   * Serve mutual TLS (callers named by their client certificates) and no development identity, as a hub with
   * `ONCEONLY_TLS_*` set does by default. Default: plaintext with the development identity.
   */
  readonly tls?: ServerTls;
}

/** Modules running in a test host: their context, the gRPC address, what they logged, and one way to stop. */
export interface HostedModules {
  readonly context: ServiceContext;
  /** The namespace the modules run in ('' for none); `namespacedName(namespace, topic)` is a topic's name on the broker. */
  readonly namespace: string;
  /** `127.0.0.1:<port>`; empty until the server is started (with `deferServer`, by {@link HostedModules.listen}). */
  readonly address: string;
  /** `127.0.0.1:<port>` of the HTTP/JSON face with `http: true`, once started; empty otherwise. */
  readonly httpAddress: string;
  /** Starts the gRPC server (done by {@link hostModules} unless `deferServer`); returns its address. */
  listen(): Promise<string>;
  /** Every line the memory logger wrote (empty when the test passed its own logger). */
  logText(): string;
  /** The memory log's lines, parsed. */
  logLines(): Record<string, unknown>[];
  /** Runs every stop hook (relays flush, consumers stop, the server drains), in reverse order, once. */
  stop(reason?: string): Promise<StopReport>;
}

/**
 * Hosts service modules for a test or a benchmark the way the hub does: one {@link ServiceContext} (a gRPC server
 * on 127.0.0.1:0 with the development identity, a lifecycle, a registry, a logger), each module's `start` in
 * order, then the server. The one place tests build a context, so that a new field of the context is filled once.
 * The database and the transport stay the test's: it closes them after `stop`.
 * @example
 * const host = await hostModules({ db, transport, modules: [certificateModule], mode: 'embedded', dataDir });
 * // ... call host.address ...
 * await host.stop();
 */
export async function hostModules(options: HostModulesOptions): Promise<HostedModules> {
  const memory = memoryLogger({ level: options.logLevel ?? 'info', service: options.service ?? 'test' });
  const log = options.log ?? memory.log;
  const lifecycle = createLifecycle({ log, graceMs: options.graceMs ?? 1_000 });
  const metrics = options.metrics ?? createMetrics({ processMetrics: false });
  if (options.metrics === undefined) watchEventMetrics(metrics, options.db);
  const server = createGrpcServer({
    address: '127.0.0.1:0',
    log,
    ...(options.tls ? { tls: options.tls } : {}),
    devIdentity: options.tls === undefined,
    metrics,
    ...(options.http ? { http: { address: '127.0.0.1:0', docs: false } } : {}),
  });
  const namespace = options.namespace ?? '';
  const context: ServiceContext = {
    db: options.db,
    transport: withNamespace(options.transport, namespace),
    topics: options.topics ?? new TopicRegistry(),
    server,
    lifecycle,
    log,
    metrics,
    clock: options.clock ?? (() => new Date()),
    mode: options.mode ?? 'external',
    dataDir: options.dataDir ?? '/nonexistent',
    env: options.env ?? {},
    grpcAddress: () => address || undefined,
  };
  let address = '';
  let httpAddress = '';
  const listen = async () => {
    const bound = await server.start();
    address = bound.address;
    httpAddress = bound.httpAddress ?? '';
    lifecycle.onStop('grpc server', ({ graceMs }) => server.shutdown(graceMs));
    return address;
  };
  try {
    for (const module of options.modules) await module.start(context);
    if (!options.deferServer) await listen();
  } catch (err) {
    await lifecycle.stop('start failed');
    throw err;
  }
  return {
    context,
    namespace,
    get address() {
      return address;
    },
    get httpAddress() {
      return httpAddress;
    },
    listen,
    logText: memory.text,
    logLines: () => memory.lines(),
    stop: (reason = 'test over') => lifecycle.stop(reason),
  };
}

/**
 * A namespace no other test uses (`<prefix>-<12 hex digits>`, random), for {@link HostModulesOptions.namespace}: the
 * modules' topics and consumer groups are then the test's own on the shared broker. `prefix`: a lowercase letter and
 * at most 6 more letters or digits (default `t`).
 */
export function uniqueNamespace(prefix = 't'): string {
  if (!/^[a-z][a-z0-9]{0,6}$/.test(prefix))
    throw new Error(`uniqueNamespace: prefix ${prefix} is not [a-z][a-z0-9]{0,6}`);
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A JSON logger that keeps every line in memory. */
export interface MemoryLogger {
  readonly log: Logger;
  /** Everything written, as text. */
  text(): string;
  /** Every line, parsed. */
  lines(): Record<string, unknown>[];
}

/**
 * A logger into memory, for tests that assert on what was (or was not) logged; share it with the transport so that
 * its lines land in the same place.
 */
export function memoryLogger(options: { level?: LogLevel; service?: string } = {}): MemoryLogger {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger({ level: options.level ?? 'info', service: options.service ?? 'test', destination: stream });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, text, lines };
}
