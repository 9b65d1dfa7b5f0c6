import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubServiceService } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import {
  appendToOutbox,
  createEmbeddedTransport,
  createKafkaTransport,
  type EventTransport,
  ensureTopics,
  startOutboxRelay,
  TopicRegistry,
  withEventTables,
  withNamespace,
} from '@onceonly/events';
import {
  createGrpcServer,
  createLifecycle,
  createLogger,
  createMetrics,
  type HttpEndpoint,
  type Lifecycle,
  type Logger,
  type MetricsServer,
  parseCorsOrigins,
  readTlsFiles,
  type ServerTls,
  type ServiceModule,
  serveMetrics,
  startEventRetention,
  startTracing,
  watchEventMetrics,
} from '@onceonly/kit';
import { type Database, migrate, openDatabase } from '@onceonly/store';
import { type HubConfig, httpAddressOf } from './config.js';
import { openHealthPort } from './health-port.js';
import { HUB_SCHEMA, HUB_TOPIC, HubStarted, HubStopped } from './hub-events.js';
import { hubService } from './hub-service.js';
import { HUB_MODULES } from './modules.js';
import { platformClientMigrations, startOAuth } from './oauth/index.js';
import { checkPeers, selectModules, topicsOfOthers } from './select-modules.js';
import { HUB_VERSION } from './version.js';

/** A running hub. */
export interface RunningHub {
  /** `host:port` with the real port (ONCEONLY_GRPC_ADDR may ask for port 0). */
  address: string;
  /** Base URL of the HTTP/JSON face (`http://host:port`, `https://` with mTLS); undefined when it is off. */
  httpUrl?: string;
  /** The OAuth 2.0 token endpoint (ADR 036); undefined without a token signing key or an HTTP listener. */
  tokenUrl?: string;
  /** The one line printed when the hub is ready. */
  readyLine: string;
  mode: 'embedded' | 'external';
  /** Where Prometheus scrapes `/metrics` (`host:port`), or undefined with ONCEONLY_METRICS_ADDR=off. */
  metricsAddress: string | undefined;
  lifecycle: Lifecycle;
  /** Stops the hub: drains calls, flushes the outbox relay, closes the transport and the database. */
  stop(reason?: string): Promise<void>;
}

export interface StartOptions {
  config: HubConfig;
  log?: Logger;
  /** Install SIGTERM/SIGINT handlers (the CLI does; tests that host a hub in-process do not). */
  signals?: boolean;
  /**
   * The services to host, started in this order (default: those of ONCEONLY_SERVICES, else every service of the hub,
   * see modules.ts). The topics of the hub's other services are registered first, so that an audit log hosted here
   * reads them too (ADR 034).
   */
  modules?: readonly ServiceModule[];
  /**
   * Refuse to start when a hosted module calls a peer that is not hosted and its address variable is unset (always
   * done for the modules of ONCEONLY_SERVICES; `start --services` asks for it with the modules it chose).
   */
  checkPeers?: boolean;
  /** The clock handed to services (tests freeze it). */
  clock?: () => Date;
}

/**
 * Starts the hub: opens the database (PostgreSQL when DATABASE_URL is set, else PGlite in the data folder),
 * the event transport (Kafka when KAFKA_BROKERS is set, else the embedded log), migrates, starts the outbox relay
 * and the gRPC server with health and reflection, and registers the shutdown sequence.
 */
export async function startHub(options: StartOptions): Promise<RunningHub> {
  const { config } = options;
  const modules = options.modules ?? selectModules(config.ONCEONLY_SERVICES, HUB_MODULES);
  // a chosen subset calls its peers elsewhere: where must be said (tests that pass modules wire their peers themselves)
  if (options.modules === undefined || options.checkPeers) checkPeers(modules, process.env);
  const log = options.log ?? createLogger({ level: config.ONCEONLY_LOG_LEVEL, process: 'hub', pretty: pretty(config) });
  const tls: ServerTls | undefined = readTlsFiles('ONCEONLY_TLS', config);
  const devIdentity = config.ONCEONLY_DEV_IDENTITY ?? tls === undefined;
  const lifecycle = createLifecycle({ log, graceMs: config.ONCEONLY_SHUTDOWN_GRACE_MS });
  // hooks run in reverse order: the database closes last, the gRPC server drains first
  try {
    // before anything that may write an event: tracing is off (and loads nothing) without an OTLP endpoint
    const modules = options.modules ?? HUB_MODULES;
    const tracing = await startTracing({ env: tracingEnv(config), serviceName: serviceNameOf(modules), log });
    if (tracing) lifecycle.onStop('tracing', () => tracing.shutdown());
    const metrics = createMetrics();
    const db = await openStore(config, log);
    lifecycle.onStop('database', () => db.close());
    watchEventMetrics(metrics, db);
    const transport = await openTransport(config, db, log);
    lifecycle.onStop('event transport', () => transport.close());
    const registry = new TopicRegistry();
    registry.register(HUB_TOPIC);
    // the services run elsewhere (one process per service) still publish on the bus this log must read
    for (const topic of topicsOfOthers(modules, HUB_MODULES)) registry.register(topic);
    await ensureTopics(transport, registry);
    await migrateHubSchema(db, log);
    const instanceId = randomUUID();
    const relay = startOutboxRelay({
      db,
      schema: HUB_SCHEMA,
      transport,
      log,
      lifecycle,
      name: 'outbox relay',
      beforeStop: () => recordHubEvent(db, HubStopped, instanceId),
    });
    const httpAddress = httpAddressOf(config);
    const mode = config.DATABASE_URL || config.KAFKA_BROKERS ? 'external' : 'embedded';
    const oauth = await startOAuth({
      db,
      schema: HUB_SCHEMA,
      mode,
      dataDir: config.ONCEONLY_DATA_DIR,
      keyFile: config.ONCEONLY_OAUTH_KEY,
      passphrase: process.env.ONCEONLY_KEY_PASSPHRASE,
      issuer: config.ONCEONLY_OAUTH_ISSUER?.replace(/\/+$/, ''),
      audience: config.ONCEONLY_OAUTH_AUDIENCE,
      tokenSeconds: config.ONCEONLY_OAUTH_TOKEN_SECONDS,
      devClient: mode === 'embedded' && devIdentity,
      log,
    });
    const pagesDir = builtPagesDir();
    const server = createGrpcServer({
      address: config.ONCEONLY_GRPC_ADDR,
      log,
      ...(tls ? { tls } : {}),
      devIdentity,
      metrics,
      ...(oauth ? { bearer: oauth.bearer } : {}),
      ...(httpAddress ? { http: httpFace(httpAddress, config, oauth?.endpoints, pagesDir) } : {}),
    });
    const startedAt = new Date().toISOString();
    let listening: string | undefined;
    for (const module of modules) {
      log.info({ service: module.name }, `starting ${module.name}`);
      await module.start({
        db,
        transport,
        topics: registry,
        server,
        lifecycle,
        log: log.child({ service: module.name }),
        metrics,
        clock: options.clock ?? (() => new Date()),
        mode,
        dataDir: config.ONCEONLY_DATA_DIR,
        env: process.env,
        grpcAddress: () => listening,
      });
    }
    // after the modules: their relays and consumers are running, so the pass finds every outbox and inbox
    startEventRetention(
      { log, lifecycle },
      {
        db,
        topics: registry,
        outboxMs: config.ONCEONLY_OUTBOX_RETENTION,
        inboxMs: config.ONCEONLY_INBOX_RETENTION,
        intervalMs: config.ONCEONLY_RETENTION_INTERVAL,
        metrics,
      },
    );
    server.addService(
      HubServiceService,
      hubService({
        version: HUB_VERSION,
        mode,
        storage: db.kind,
        eventTransport: config.KAFKA_BROKERS ? 'kafka' : 'embedded',
        startedAt,
        services: () => server.services,
      }),
    );
    // opened before the main port (NOT_SERVING until it serves) and closed after its drain (hooks run in reverse):
    // probes see NOT_SERVING while calls finish
    const health = config.ONCEONLY_HEALTH_ADDR
      ? await openHealthPort(server, config.ONCEONLY_HEALTH_ADDR, log)
      : undefined;
    if (health) lifecycle.onStop('health port', () => health.close());
    const bound = await server.start();
    listening = bound.address;
    const httpUrl = bound.httpAddress ? `${tls ? 'https' : 'http'}://${bound.httpAddress}` : undefined;
    oauth?.bound(httpUrl);
    const tokenUrl = oauth?.tokenUrl();
    lifecycle.onStop('grpc server', (ctx) => server.shutdown(ctx.graceMs));
    const scrape = await openMetricsEndpoint(config, mode, metrics, log);
    if (scrape) lifecycle.onStop('metrics endpoint', () => scrape.close());
    await recordHubEvent(db, HubStarted, instanceId);
    relay.kick();
    if (options.signals) lifecycle.installSignalHandlers();
    if (!tls && !devIdentity) {
      log.warn('no caller identity: TLS is not configured and ONCEONLY_DEV_IDENTITY=false, so every call is refused');
    }
    const readyLine = [
      `onceonly ready: grpc=${bound.address}`,
      `mode=${mode}`,
      `storage=${db.kind}`,
      `events=${config.KAFKA_BROKERS ? 'kafka' : 'embedded'}`,
      ...(config.ONCEONLY_NAMESPACE ? [`namespace=${config.ONCEONLY_NAMESPACE}`] : []),
      ...(db.kind === 'pglite' ? [`data=${config.ONCEONLY_DATA_DIR}`] : []),
      `identity=${identityMode(tls !== undefined, devIdentity)}`,
      `services=${modules.map((m) => m.name).join(',')}`,
      ...(health ? [`health=${health.address}`] : []),
      ...(httpUrl ? [`http=${httpUrl}`, `openapi=${httpUrl}/openapi.json`, `docs=${httpUrl}/docs`] : []),
      ...(tokenUrl ? [`oauth=${tokenUrl}`] : []),
      ...(httpUrl && pagesDir ? [`verify=${httpUrl}/verify`, `platform=${httpUrl}/platform`] : []),
      ...(scrape ? [`metrics=${scrape.address}`] : []),
      `version=${HUB_VERSION}`,
    ].join(' ');
    return {
      address: bound.address,
      ...(httpUrl ? { httpUrl } : {}),
      ...(tokenUrl ? { tokenUrl } : {}),
      readyLine,
      mode,
      metricsAddress: scrape?.address,
      lifecycle,
      stop: async (reason = 'stop requested') => {
        await lifecycle.stop(reason);
      },
    };
  } catch (err) {
    // a failed start closes what it opened, in reverse order, and reports the first error
    await lifecycle.stop('start failed');
    throw err;
  }
}

/** The HTTP/JSON face's options: where, the OAuth 2.0 endpoints beside the RPCs, the CORS origins, the pages. */
function httpFace(
  address: string,
  config: HubConfig,
  endpoints: Record<string, HttpEndpoint> | undefined,
  pagesDir: string | undefined,
) {
  const corsOrigins = parseCorsOrigins(config.ONCEONLY_HTTP_CORS_ORIGINS ?? [], 'ONCEONLY_HTTP_CORS_ORIGINS');
  return { address, corsOrigins, ...(endpoints ? { endpoints } : {}), ...(pagesDir ? { pagesDir } : {}) };
}

/**
 * The pages' folder (`services/hub/dist/pages`, built by `scripts/build-pages.mjs` with the hub), or undefined when
 * they were not built (then the hub serves no pages and its ready line names none).
 */
export function builtPagesDir(): string | undefined {
  const dir = fileURLToPath(new URL('../dist/pages/', import.meta.url));
  return existsSync(`${dir}verify.html`) ? dir : undefined;
}

/**
 * How the hub identifies callers, as the ready line says it: `mtls`, `dev-metadata`, both (`mtls+dev-metadata`),
 * or `none` when neither is on (TLS not configured and ONCEONLY_DEV_IDENTITY=false): then every call is refused
 * as UNAUTHENTICATED, and the ready line must not pretend otherwise.
 */
export function identityMode(mtls: boolean, devIdentity: boolean): string {
  const modes = [...(mtls ? ['mtls'] : []), ...(devIdentity ? ['dev-metadata'] : [])];
  return modes.length === 0 ? 'none' : modes.join('+');
}

/**
 * Where /metrics is served when ONCEONLY_METRICS_ADDR is unset (ADR 035): on loopback, port 9464 (the Prometheus
 * exporters' usual port) at scale; a free port (printed in the ready line) in embedded mode, and for a hub whose gRPC
 * port is free too (tests and benchmarks start many), so that hubs side by side never collide.
 */
export function defaultMetricsAddress(mode: 'embedded' | 'external', grpcAddress: string): string {
  return mode === 'embedded' || grpcAddress.endsWith(':0') ? '127.0.0.1:0' : '127.0.0.1:9464';
}

/** Serves /metrics at ONCEONLY_METRICS_ADDR, or nowhere when it says `off`. */
async function openMetricsEndpoint(
  config: HubConfig,
  mode: 'embedded' | 'external',
  metrics: Parameters<typeof serveMetrics>[0],
  log: Logger,
): Promise<MetricsServer | undefined> {
  const configured = config.ONCEONLY_METRICS_ADDR;
  if (configured === 'off') return undefined;
  try {
    return await serveMetrics(metrics, configured ?? defaultMetricsAddress(mode, config.ONCEONLY_GRPC_ADDR), log);
  } catch (cause) {
    // several processes on one machine (replicas side by side) each need their own: name the variable that says so
    throw new AppError(
      'CONFIG_INVALID',
      `ONCEONLY_METRICS_ADDR: ${cause instanceof Error ? cause.message : String(cause)} (give each process its own address, or off)`,
      { cause },
    );
  }
}

/** The OTEL_* variables of the hub's configuration (checked there), as `startTracing` reads them. */
function tracingEnv(config: HubConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_PROTOCOL: config.OTEL_EXPORTER_OTLP_PROTOCOL };
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) env.OTEL_EXPORTER_OTLP_ENDPOINT = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  }
  if (config.OTEL_SERVICE_NAME) env.OTEL_SERVICE_NAME = config.OTEL_SERVICE_NAME;
  if (process.env.OTEL_SDK_DISABLED) env.OTEL_SDK_DISABLED = process.env.OTEL_SDK_DISABLED;
  return env;
}

/** `service.name` of the spans when OTEL_SERVICE_NAME is unset: `onceonly`, or `onceonly-<module>` for one module. */
function serviceNameOf(modules: readonly ServiceModule[]): string {
  return modules.length === 1 ? `onceonly-${modules[0]!.name}` : 'onceonly';
}

async function recordHubEvent(db: Database, event: typeof HubStarted, instanceId: string): Promise<void> {
  const draft = event.make({
    subject: instanceId,
    data: { instanceId, sentAt: new Date().toISOString(), counter: '0', padding: Buffer.alloc(0) },
  });
  await db.transaction((tx) => appendToOutbox(tx, HUB_SCHEMA, [{ topic: HUB_TOPIC, event: draft }]));
}

/** The hub's own tables (its outbox, the platform clients), brought up to date. */
export async function migrateHubSchema(db: Database, log: Logger): Promise<void> {
  await migrate(db, {
    schema: HUB_SCHEMA,
    migrations: withEventTables(HUB_SCHEMA, platformClientMigrations(HUB_SCHEMA), { outbox: true }),
    log: (msg, fields) => log.info(fields ?? {}, msg),
  });
}

/** The hub's database: PostgreSQL at DATABASE_URL, else PGlite in the data folder (one process at a time). */
export async function openStore(config: HubConfig, log: Logger): Promise<Database> {
  if (config.DATABASE_URL) return openDatabase({ url: config.DATABASE_URL });
  const dataDir = join(config.ONCEONLY_DATA_DIR, 'pgdata');
  log.info({ dataDir }, 'opening the embedded database (PGlite)');
  return openDatabase({ dataDir });
}

/**
 * The bus, in the hub's namespace (ONCEONLY_NAMESPACE, ADR 023): every topic and consumer group of every module is
 * prefixed there, once, so that no service names its topics by hand.
 */
async function openTransport(config: HubConfig, db: Database, log: Logger): Promise<EventTransport> {
  const transport = config.KAFKA_BROKERS
    ? await createKafkaTransport({ brokers: config.KAFKA_BROKERS, clientId: 'onceonly-hub', log })
    : await createEmbeddedTransport({ db, log });
  return withNamespace(transport, config.ONCEONLY_NAMESPACE);
}

function pretty(config: HubConfig): boolean {
  return config.ONCEONLY_LOG_PRETTY ?? process.stdout.isTTY === true;
}
