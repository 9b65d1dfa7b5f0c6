import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  type Lifecycle,
  type Logger,
  type ServerTls,
  type ServiceModule,
} from '@onceonly/kit';
import { type Database, migrate, openDatabase } from '@onceonly/store';
import type { HubConfig } from './config.js';
import { openHealthPort } from './health-port.js';
import { HUB_SCHEMA, HUB_TOPIC, HubStarted, HubStopped } from './hub-events.js';
import { hubService } from './hub-service.js';
import { HUB_MODULES } from './modules.js';
import { checkPeers, selectModules, topicsOfOthers } from './select-modules.js';
import { HUB_VERSION } from './version.js';

/** A running hub. */
export interface RunningHub {
  /** `host:port` with the real port (ONCEONLY_GRPC_ADDR may ask for port 0). */
  address: string;
  /** The one line printed when the hub is ready. */
  readyLine: string;
  mode: 'embedded' | 'external';
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
  const tls = loadTls(config);
  const devIdentity = config.ONCEONLY_DEV_IDENTITY ?? tls === undefined;
  const lifecycle = createLifecycle({ log, graceMs: config.ONCEONLY_SHUTDOWN_GRACE_MS });
  // hooks run in reverse order: the database closes last, the gRPC server drains first
  try {
    const db = await openStore(config, log);
    lifecycle.onStop('database', () => db.close());
    const transport = await openTransport(config, db, log);
    lifecycle.onStop('event transport', () => transport.close());
    const registry = new TopicRegistry();
    registry.register(HUB_TOPIC);
    // the services run elsewhere (one process per service) still publish on the bus this log must read
    for (const topic of topicsOfOthers(modules, HUB_MODULES)) registry.register(topic);
    await ensureTopics(transport, registry);
    await migrate(db, {
      schema: HUB_SCHEMA,
      migrations: withEventTables(HUB_SCHEMA, [], { outbox: true }),
      log: (msg, fields) => log.info(fields ?? {}, msg),
    });
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
    const server = createGrpcServer({ address: config.ONCEONLY_GRPC_ADDR, log, ...(tls ? { tls } : {}), devIdentity });
    const startedAt = new Date().toISOString();
    const mode = config.DATABASE_URL || config.KAFKA_BROKERS ? 'external' : 'embedded';
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
        clock: options.clock ?? (() => new Date()),
        mode,
        dataDir: config.ONCEONLY_DATA_DIR,
        env: process.env,
        grpcAddress: () => listening,
      });
    }
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
    lifecycle.onStop('grpc server', (ctx) => server.shutdown(ctx.graceMs));
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
      `version=${HUB_VERSION}`,
    ].join(' ');
    return {
      address: bound.address,
      readyLine,
      mode,
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

/**
 * How the hub identifies callers, as the ready line says it: `mtls`, `dev-metadata`, both (`mtls+dev-metadata`),
 * or `none` when neither is on (TLS not configured and ONCEONLY_DEV_IDENTITY=false): then every call is refused
 * as UNAUTHENTICATED, and the ready line must not pretend otherwise.
 */
export function identityMode(mtls: boolean, devIdentity: boolean): string {
  const modes = [...(mtls ? ['mtls'] : []), ...(devIdentity ? ['dev-metadata'] : [])];
  return modes.length === 0 ? 'none' : modes.join('+');
}

async function recordHubEvent(db: Database, event: typeof HubStarted, instanceId: string): Promise<void> {
  const draft = event.make({
    subject: instanceId,
    data: { instanceId, sentAt: new Date().toISOString(), counter: '0', padding: Buffer.alloc(0) },
  });
  await db.transaction((tx) => appendToOutbox(tx, HUB_SCHEMA, [{ topic: HUB_TOPIC, event: draft }]));
}

async function openStore(config: HubConfig, log: Logger): Promise<Database> {
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

function loadTls(config: HubConfig): ServerTls | undefined {
  const files = [config.ONCEONLY_TLS_CA, config.ONCEONLY_TLS_CERT, config.ONCEONLY_TLS_KEY];
  const given = files.filter((f) => f !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3) {
    throw new AppError(
      'CONFIG_MISSING',
      'ONCEONLY_TLS_CA, ONCEONLY_TLS_CERT and ONCEONLY_TLS_KEY go together: set all three or none',
    );
  }
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `${name}: cannot read ${path}`, { cause });
    }
  };
  return {
    caCert: read('ONCEONLY_TLS_CA', config.ONCEONLY_TLS_CA!),
    cert: read('ONCEONLY_TLS_CERT', config.ONCEONLY_TLS_CERT!),
    key: read('ONCEONLY_TLS_KEY', config.ONCEONLY_TLS_KEY!),
  };
}

function pretty(config: HubConfig): boolean {
  return config.ONCEONLY_LOG_PRETTY ?? process.stdout.isTTY === true;
}
