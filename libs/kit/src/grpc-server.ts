import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import { dirname } from 'node:path';
import {
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { descriptorSetPath, openapiPath, protoDir } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { HealthImplementation } from 'grpc-health-check';
import type { BearerAuth } from './bearer.js';
import { parseHostPort } from './config.js';
import { type ConnectFace, createConnectFace, type HttpEndpoint } from './connect.js';
import type { CorsOrigins } from './cors.js';
import { codedTransportErrors, wrapHandler } from './interceptors.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { HEALTH_SERVICE, loadReflectionDescriptors } from './reflection.js';
import { checkedDeserializer } from './wire-check.js';
import { loadRequestSchemas } from './wire-schema.js';

/** Default receive limit: grpc-js's own default, 4 MiB. */
export const DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;
/** Deadline applied to calls whose client set none. */
export const DEFAULT_DEADLINE_MS = 30_000;

/** PEM material for mutual TLS: the CA that issues client certificates, and the server's own certificate. */
export interface ServerTls {
  /** CA certificate(s) that client certificates must chain to (the hub's CA). */
  caCert: Buffer;
  /** The server's certificate chain. */
  cert: Buffer;
  /** The server's private key. */
  key: Buffer;
}

/** Options of {@link createGrpcServer}. */
export interface GrpcServerOptions {
  /** Where to listen: `host:port`; port 0 picks a free port (see {@link GrpcServer.start}). */
  address: string;
  log: Logger;
  /** Mutual TLS: clients must present a certificate from `caCert`; it names the caller. Without it: plaintext. */
  tls?: ServerTls;
  /**
   * Development identity: the caller is taken from `x-onceonly-caller` / `x-onceonly-role` metadata.
   * Allowed only when `address` is loopback (127.0.0.0/8, ::1, localhost); logged as a warning at start.
   */
  devIdentity?: boolean;
  /** `grpc.max_receive_message_length`; larger requests answer RESOURCE_EXHAUSTED. Default 4 MiB. */
  maxReceiveBytes?: number;
  /** Deadline for calls whose client set none. Default 30 s. */
  defaultDeadlineMs?: number;
  /** Folders of .proto files served by reflection. Default: the repository's `proto/` (from contracts). */
  protoDirs?: readonly string[];
  /** The process's metrics: every call is observed in `onceonly_grpc_server_handling_seconds` (ADR 035). */
  metrics?: Metrics;
  /**
   * The HTTP/JSON face (ADR 032): every RPC also served in the Connect protocol on this second listener, through the
   * same wrapped handlers; `/openapi.json` and a reference page at `/docs`. Same TLS (HTTPS with a required client
   * certificate) and the same loopback rule for the development identity as the gRPC listener. Off when undefined.
   */
  http?: HttpFaceOptions;
  /**
   * Accept OAuth 2.0 access tokens (`authorization: Bearer`, JWT per RFC 9068) signed by the hub, on gRPC and HTTP;
   * the token's scopes decide the methods its platform may call (ADR 036). With TLS, the HTTPS listener then lets
   * clients without a certificate finish the handshake (they identify by token); gRPC still requires one.
   */
  bearer?: BearerAuth;
}

/** Options of the HTTP/JSON face. */
export interface HttpFaceOptions {
  /** Where to listen: `host:port`; port 0 picks a free port. */
  address: string;
  /** Descriptor set of the served protos (default: the repository's, from contracts). */
  descriptorSetPath?: string;
  /** OpenAPI document served at `/openapi.json` (default: the generated one, from contracts); false for none. */
  openapiPath?: string | false;
  /** Serve the reference page at `/docs` (swagger-ui-dist from node_modules). Default true. */
  docs?: boolean;
  /** Endpoints beside the RPCs, by exact path (the OAuth 2.0 token endpoint and its metadata: ADR 036). */
  endpoints?: Readonly<Record<string, HttpEndpoint>>;
  /** Origins whose pages may call across origins (CORS; exact origins or `*`; see `parseCorsOrigins`). */
  corsOrigins?: CorsOrigins;
  /** Folder of the hub's pages, served at `/verify`, `/platform` and `/pages/` (ADR 037); none when undefined. */
  pagesDir?: string;
}

/** Options of {@link GrpcServer.addService}. */
export interface AddServiceOptions {
  /** Fully-qualified service name for health and reflection; default: taken from the method paths. */
  name?: string;
  /** Deadline for this service's calls whose client set none (long-lived streams); default the server's. */
  defaultDeadlineMs?: number;
  /**
   * Check the protobuf wire format of requests (field number 0 refused, truncated fields refused) before decoding.
   * Default true; false only for a service whose messages are not protobuf (a test's JSON service).
   */
  checkWireFormat?: boolean;
}

/** Where a started server listens. */
export interface BoundAddress {
  /** `host:port` with the real port. */
  address: string;
  port: number;
  /** `host:port` of the HTTP/JSON listener, when there is one. */
  httpAddress?: string;
}

/** A gRPC server with the kit's interceptors, health and reflection. */
export interface GrpcServer {
  /** Registers a service; every handler is wrapped (identity, deadline, errors, log). Before `start` only. */
  addService<I extends UntypedServiceImplementation>(
    definition: ServiceDefinition<I>,
    implementation: I,
    options?: AddServiceOptions,
  ): void;
  /** Binds, starts, and marks every service SERVING. Port 0 reports the port the system chose. */
  start(): Promise<BoundAddress>;
  /**
   * Marks every service NOT_SERVING, refuses new calls, lets in-flight calls finish for up to `graceMs`,
   * then cancels what remains. Idempotent.
   */
  shutdown(graceMs: number): Promise<void>;
  /** The grpc.health.v1 implementation: overall status `""` and one per registered service. */
  readonly health: HealthImplementation;
  /** Fully-qualified names of the registered services. */
  readonly services: readonly string[];
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0] as MethodDefinition<unknown, unknown> | undefined;
  const name = first?.path.split('/')[1];
  if (!name) throw new AppError('CONFIG_INVALID', 'service definition has no methods');
  return name;
}

function credentialsOf(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.caCert, [{ private_key: tls.key, cert_chain: tls.cert }], true);
}

function checkAddress(
  options: GrpcServerOptions,
  address = options.address,
  what = 'gRPC',
): { host: string; port: number } {
  const parsed = parseHostPort(address);
  if (!parsed) throw new AppError('CONFIG_INVALID', `${what} address: expected host:port, got "${address}"`);
  if (options.devIdentity && !isLoopbackHost(parsed.host)) {
    throw new AppError(
      'CONFIG_INVALID',
      `devIdentity is allowed only on a loopback address (127.0.0.0/8, ::1, localhost), not ${parsed.host}`,
    );
  }
  return parsed;
}

/**
 * Creates the gRPC server every service runs in. Every handler added with `addService` is wrapped:
 * caller identity from the client certificate (or development metadata on loopback), UNAUTHENTICATED without
 * one; the request's wire format checked (REQUEST_MALFORMED for field number 0 or bytes that do not decode;
 * REQUEST_TOO_LARGE, coded too, past the receive limit); the default deadline when the client set none;
 * AppError → its status with details, anything else → INTERNAL without its message; one info log line per call. Health and reflection are open to everyone.
 *
 * @throws AppError CONFIG_INVALID for a malformed address, or `devIdentity` on a non-loopback address.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const { host } = checkAddress(options);
  const httpAt = options.http ? checkAddress(options, options.http.address, 'HTTP') : undefined;
  const log = options.log;
  const maxReceiveBytes = options.maxReceiveBytes ?? DEFAULT_MAX_RECEIVE_BYTES;
  const face: ConnectFace | undefined = options.http
    ? createConnectFace({
        log,
        maxReceiveBytes,
        descriptorSetPath: options.http.descriptorSetPath ?? descriptorSetPath,
        ...(options.http.openapiPath === false ? {} : { openapiPath: options.http.openapiPath ?? openapiPath }),
        ...(options.http.docs === false ? {} : { docsAssets: swaggerUiFolder() }),
        ...(options.http.endpoints ? { endpoints: options.http.endpoints } : {}),
        ...(options.http.corsOrigins ? { corsOrigins: options.http.corsOrigins } : {}),
        ...(options.http.pagesDir === undefined ? {} : { pagesDir: options.http.pagesDir }),
      })
    : undefined;
  const server = new Server({
    'grpc.max_receive_message_length': maxReceiveBytes,
    interceptors: [codedTransportErrors(log)],
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  const services: string[] = [];
  let state: 'new' | 'starting' | 'serving' | 'draining' = 'new';
  let stopped: Promise<void> | undefined;
  const interceptorBase = {
    log,
    mtls: options.tls !== undefined,
    devIdentity: options.devIdentity === true,
    bearer: options.bearer,
    draining: () => state === 'draining',
    observe: options.metrics?.observeRpc,
  };

  const requestSchemas = () => loadRequestSchemas(options.protoDirs ?? [protoDir]);

  const setAll = (value: 'SERVING' | 'NOT_SERVING') => {
    for (const name of ['', ...services]) health.setStatus(name, value);
  };

  return {
    health,
    services,
    addService(definition, implementation, serviceOptions = {}) {
      if (state !== 'new') throw new AppError('INTERNAL', 'addService after start');
      const name = serviceOptions.name ?? serviceNameOf(definition);
      const interceptors = {
        ...interceptorBase,
        defaultDeadlineMs: serviceOptions.defaultDeadlineMs ?? options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS,
      };
      const wrapped: Record<string, UntypedHandleCall> = {};
      const checked: Record<string, MethodDefinition<unknown, unknown>> = {};
      const wire = serviceOptions.checkWireFormat ?? true;
      for (const [key, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
        // hostile bytes: a malformed request reaches the wrapper as a marker, answered with a coded error; nested
        // messages are walked too when the request type is in the served protos
        const schema = wire ? requestSchemas().forPath(method.path) : undefined;
        checked[key] = { ...method, requestDeserialize: checkedDeserializer(method.requestDeserialize, wire, schema) };
        const handler = implementation[key];
        if (!handler) continue;
        const one = wrapHandler(method, handler, interceptors);
        wrapped[key] = one;
        // the HTTP/JSON face calls the very same wrapped handler, with the same checked decoder
        face?.add(checked[key], one);
      }
      server.addService(checked as ServiceDefinition, wrapped);
      services.push(name);
      health.setStatus(name, 'NOT_SERVING');
    },

    async start() {
      if (state !== 'new') throw new AppError('INTERNAL', 'gRPC server already started');
      state = 'starting';
      health.addToServer(server);
      const descriptors = loadReflectionDescriptors(options.protoDirs ?? [protoDir]);
      new ReflectionService(descriptors, { services: [...services, HEALTH_SERVICE] }).addToServer(server);
      const port = await bind(server, options.address, credentialsOf(options.tls));
      let httpAddress: string | undefined;
      if (face && httpAt) {
        let httpPort: number;
        try {
          const tls = options.tls ? { ...options.tls, clientCertOptional: options.bearer !== undefined } : undefined;
          httpPort = await face.listen(httpAt.host, httpAt.port, tls);
        } catch (err) {
          server.forceShutdown(); // the gRPC port is bound: let it go, the start failed
          throw err;
        }
        const bare = httpAt.host.replace(/^\[(.*)\]$/, '$1');
        httpAddress = `${bare.includes(':') ? `[${bare}]` : bare}:${httpPort}`;
      }
      state = 'serving';
      setAll('SERVING');
      const address = `${host}:${port}`;
      if (options.devIdentity) {
        log.warn(
          { address },
          'DEVELOPMENT IDENTITY ENABLED: callers are taken from x-onceonly-caller metadata without proof. Never use this outside a developer machine.',
        );
      }
      log.info({ address, services, mtls: options.tls !== undefined }, 'gRPC server listening');
      if (httpAddress) {
        log.info(
          { address: httpAddress, methods: face?.paths.length, mtls: options.tls !== undefined },
          'HTTP/JSON (Connect) listening',
        );
      }
      return { address, port, ...(httpAddress ? { httpAddress } : {}) };
    },

    shutdown(graceMs) {
      stopped ??= Promise.all([
        drain(server, state, graceMs, log, () => {
          state = 'draining';
          setAll('NOT_SERVING');
        }),
        face?.close(graceMs),
      ]).then(() => undefined);
      return stopped;
    },
  };
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (err) reject(new AppError('CONFIG_INVALID', `cannot listen on ${address}: ${err.message}`, { cause: err }));
      else resolve(port);
    });
  });
}

async function drain(
  server: Server,
  state: string,
  graceMs: number,
  log: Logger,
  markDraining: () => void,
): Promise<void> {
  markDraining();
  if (state === 'new') return;
  log.info({ graceMs }, 'gRPC server draining');
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ graceMs }, 'gRPC grace period over: cancelling the calls still running');
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  log.info('gRPC server stopped');
}

/** The folder of swagger-ui-dist (the reference page's viewer, served from node_modules: no CDN). */
function swaggerUiFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}
