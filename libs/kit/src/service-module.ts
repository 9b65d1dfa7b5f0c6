import type { EventTransport, TopicRegistry, TopicSpec } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import type { ConfigSchema } from './config.js';
import type { GrpcServer } from './grpc-server.js';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** What a host process (the hub launcher, or a service's own main) hands to each service it runs. */
export interface ServiceContext {
  /** The database; each service keeps its tables in its own schema and migrates it in `start`. */
  readonly db: Database;
  /** The event transport (Kafka or the embedded log) shared by the process. */
  readonly transport: EventTransport;
  /**
   * The process's topic registry. A service registers the topics it owns (and creates them with
   * `ensureTopics`) in `start`; services started later (the audit log) can read every topic registered before them.
   */
  readonly topics: TopicRegistry;
  /** The gRPC server, not yet started: add services to it in `start`. */
  readonly server: GrpcServer;
  /** Stop hooks run in reverse order of registration: register relays and consumers here. */
  readonly lifecycle: Lifecycle;
  readonly log: Logger;
  /** The clock (tests freeze it). */
  readonly clock: () => Date;
  /** `embedded`: PGlite and the embedded log in `dataDir`; `external`: PostgreSQL and/or Kafka. */
  readonly mode: 'embedded' | 'external';
  /** The data folder (development keys and seeds live under it in embedded mode). */
  readonly dataDir: string;
  /**
   * The process's Prometheus metrics (ADR 035): a service adds what only it knows (`gaugeOnScrape` with one
   * statement, `counter`); RPCs, outboxes and consumers are measured by the host.
   */
  readonly metrics: Metrics;
  /** The environment, for a service's own configuration (`loadConfig(schema, ctx.env)`). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * The host's own gRPC address once it listens (undefined before): a service calls a sibling hosted in the same
   * process through its contracts, as it would call it elsewhere (the credit service asks the audit log for proofs).
   * Optional: a host that does not know it leaves it out.
   */
  readonly grpcAddress?: () => string | undefined;
}

/** A service a module calls over gRPC (see {@link ServiceModule.peers}). */
export interface ServicePeer {
  /** The peer module's name (`certificate`, `audit`). */
  readonly service: string;
  /** The variable naming its address (`ONCEONLY_MATERIALS_CERTIFICATE_ADDR`). */
  readonly addressVariable: string;
}

/** A service that a host can run: the hub runs every module in one process; at scale each runs alone. */
export interface ServiceModule {
  /** Short name, for logs and `onceonly info` (`certificate`, `audit`). */
  readonly name: string;
  /**
   * Every environment variable the module reads in `start` (its own and its parts'), so that a host can list them
   * (`onceonly config`) without starting it. Optional: a module that reads nothing leaves it out.
   */
  readonly config?: ConfigSchema;
  /**
   * The topics the module registers in `start` (the ones it owns), declared so that a host that does not run it can
   * still know them: a process hosting the audit log but not this module registers them, and the log reads them
   * (`onceonly start --services`, ADR 034). Optional: a module that publishes nothing leaves it out.
   */
  readonly topics?: readonly TopicSpec[];
  /**
   * The services this module calls over gRPC, and the variable that says where each is: when the peer is not hosted
   * in the same process, a host refuses to start without that variable (the default, its own address, would answer
   * UNIMPLEMENTED at the first call). Optional: a module that calls no other service leaves it out.
   */
  readonly peers?: readonly ServicePeer[];
  /** Migrates its schema, registers topics and gRPC services, starts relays and consumers, registers stop hooks. */
  start(context: ServiceContext): Promise<void>;
}
