import { readFileSync } from 'node:fs';
import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  credentials,
  status as grpcStatus,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { HubServiceClient } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { fromServiceError } from '@onceonly/errors/grpc';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import type { Command } from 'commander';
import { service as healthService } from 'grpc-health-check';

/** How the CLI reaches a running hub. */
export interface ClientOptions {
  addr: string;
  /** Development identity (metadata), for hubs in development mode on loopback. */
  as?: string;
  role?: string;
  /** mTLS: PEM files of the hub's CA, the client certificate and its key. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Deadline of each call. */
  timeoutMs: number;
}

export { EXIT, errorJson } from './cli-exit.js';

/** What a subcommand knows of the global options: how to reach the hub, and whether to print JSON. */
export type CliOptions = ClientOptions & { json: boolean };

/** The CLI's global options, as commander parses them (see `buildCli`). */
interface GlobalOptions {
  addr?: string;
  as?: string;
  role?: string;
  ca?: string;
  cert?: string;
  key?: string;
  timeout: string;
  json?: boolean;
}

/** The default address of a hub: the default of ONCEONLY_GRPC_ADDR, where `onceonly start` listens. */
export const DEFAULT_HUB_ADDRESS = '127.0.0.1:50051';

/**
 * Where the hub is, when `--addr` is not given: ONCEONLY_GRPC_ADDR, the variable the hub listens on, so that a CLI
 * run in the hub's environment asks that hub. The old ONCEONLY_ADDR still works with a warning; set beside a
 * different ONCEONLY_GRPC_ADDR it is refused (the CLI would otherwise silently ask another hub).
 * A wildcard host (0.0.0.0, ::) is where a hub listens, not where a client connects: it is asked on loopback.
 * @throws AppError CONFIG_INVALID when the two variables disagree, or the port is 0 (a hub picks a free port).
 */
export function hubAddress(env: NodeJS.ProcessEnv, warn: (text: string) => void): string {
  const current = env.ONCEONLY_GRPC_ADDR?.trim() || undefined;
  const old = env.ONCEONLY_ADDR?.trim() || undefined;
  if (old !== undefined && current !== undefined && old !== current) {
    throw new AppError(
      'CONFIG_INVALID',
      `ONCEONLY_ADDR (${old}) and ONCEONLY_GRPC_ADDR (${current}) disagree: unset ONCEONLY_ADDR, ONCEONLY_GRPC_ADDR names the hub`,
    );
  }
  if (old !== undefined) warn('onceonly: ONCEONLY_ADDR is deprecated: set ONCEONLY_GRPC_ADDR (the hub reads it too)');
  const address = current ?? old ?? DEFAULT_HUB_ADDRESS;
  // a list of replicas (see parseHubTarget): each address as a client dials it
  return address.startsWith('dns:')
    ? address
    : address
        .split(',')
        .map((a) => clientAddress(a.trim()))
        .join(',');
}

/** A single address as a client dials it: a wildcard host (where a hub listens) becomes loopback; port 0 refused. */
function clientAddress(address: string): string {
  if (/:0$/.test(address)) {
    throw new AppError(
      'CONFIG_INVALID',
      `ONCEONLY_GRPC_ADDR=${address}: port 0 lets the hub pick a port; pass --addr with the port of its ready line`,
    );
  }
  return address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}

/** The grpc-js service config that spreads calls over every address of a target (client-side round robin). */
export const ROUND_ROBIN_SERVICE_CONFIG = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

/** What a client dials: a grpc-js target, and whether calls are spread over its addresses. */
export interface HubTarget {
  /** The grpc-js target: `host:port`, `ipv4:a:p,b:q`, `ipv6:[a]:p,[b]:q` or a `dns:` name. */
  target: string;
  /** True for several addresses or a `dns:` name: the channel round-robins over every address it resolves. */
  roundRobin: boolean;
}

const IPV4_ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;
const IPV6_ADDRESS = /^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;

/**
 * Where the CLI sends its calls (`--addr`, ONCEONLY_GRPC_ADDR): one `host:port` as before (one connection), or
 * several replicas of a service separated by commas (`10.0.0.5:50051,10.0.0.6:50051`), or one `dns:` name that
 * resolves to several (a Kubernetes headless Service: `dns:///certificate-headless.onceonly.svc.cluster.local:50051`).
 * With several, calls are spread over them by grpc-js's `round_robin` policy (one subchannel per address; a replica
 * that fails is skipped until it reconnects). Several addresses must all be IPv4 or all IPv6 with their ports
 * (grpc-js resolves a list of literal addresses only; names go through one `dns:` target).
 * @throws AppError CONFIG_INVALID naming the faulty address.
 */
export function parseHubTarget(addr: string): HubTarget {
  const parts = addr.split(',').map((part) => part.trim());
  const refuse = (why: string): never => {
    throw new AppError('CONFIG_INVALID', `--addr ${addr}: ${why}`);
  };
  if (parts.some((part) => part === '')) refuse('an empty address in the list');
  if (parts[0]!.startsWith('dns:')) {
    if (parts.length > 1) refuse('a dns: name resolves to every replica itself: name it alone');
    return { target: parts[0]!, roundRobin: true };
  }
  const addresses = parts.map(clientAddress);
  if (addresses.length === 1) return { target: addresses[0]!, roundRobin: false };
  if (new Set(addresses).size < addresses.length) refuse('an address is named twice');
  for (const address of addresses) {
    const v4 = IPV4_ADDRESS.exec(address);
    if (v4 ? v4.slice(1, 5).some((octet) => Number(octet) > 255) : !IPV6_ADDRESS.test(address)) {
      refuse(
        `${address} is not an IP address with its port: several replicas are named by IP (a name by one dns: target that resolves to every replica)`,
      );
    }
    if (Number(address.slice(address.lastIndexOf(':') + 1)) > 65_535) refuse(`${address}: no such port`);
  }
  const families = new Set(addresses.map((address) => (address.startsWith('[') ? 'ipv6' : 'ipv4')));
  if (families.size > 1) refuse('IPv4 and IPv6 addresses mixed: name replicas of one family');
  return { target: `${[...families][0]}:${addresses.join(',')}`, roundRobin: true };
}

/** The channel options of a target: round robin over its addresses when it has several. */
export function channelOptions(target: HubTarget): ChannelOptions {
  return target.roundRobin ? { 'grpc.service_config': ROUND_ROBIN_SERVICE_CONFIG } : {};
}

/** Client options of a subcommand, from the program's global options (`--addr`, `--as`, mTLS files, `--json`). */
export function cliOptions(cmd: Command): CliOptions {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  let addr = o.addr;
  const options = {
    as: o.as,
    role: o.role,
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    timeoutMs: Number(o.timeout),
    json: o.json === true,
  };
  // resolved when a command first connects: offline commands never read (nor warn about) the hub's address
  return Object.defineProperty(options, 'addr', {
    enumerable: true,
    get: () => {
      addr ??= hubAddress(process.env, (text) => process.stderr.write(`${text}\n`));
      return addr;
    },
  }) as CliOptions;
}

/** Insecure on loopback development hubs; mTLS when `--ca` is given (with `--cert`/`--key` for the client). */
export function channelCredentials(options: ClientOptions): ChannelCredentials {
  if (!options.ca) return credentials.createInsecure();
  const read = (path: string | undefined) => (path ? readFileSync(path) : null);
  return credentials.createSsl(readFileSync(options.ca), read(options.key), read(options.cert));
}

/**
 * A client of the hub at `options.addr` (any generated grpc-js client class): one channel, mTLS or insecure as
 * {@link channelCredentials} says, round robin over several replicas (see {@link parseHubTarget}).
 */
export function connect<C>(
  Client: new (address: string, credentials: ChannelCredentials, options?: Partial<ChannelOptions>) => C,
  options: ClientOptions,
): C {
  const target = parseHubTarget(options.addr);
  return new Client(target.target, channelCredentials(options), channelOptions(target));
}

function metadataOf(options: ClientOptions): Metadata {
  const metadata = new Metadata();
  if (options.as) metadata.set(DEV_CALLER_HEADER, options.as);
  if (options.role) metadata.set(DEV_ROLE_HEADER, options.role);
  return metadata;
}

function callOptions(options: ClientOptions): CallOptions {
  return { deadline: Date.now() + options.timeoutMs };
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

/** Calls one unary method and turns gRPC errors into AppErrors (with the server's code when it sent one). */
export function call<Req, Res>(method: Unary<Req, Res>, request: Req, options: ClientOptions): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadataOf(options), callOptions(options), (err, response) =>
      err ? reject(fromServiceError(err)) : resolve(response),
    );
  });
}

/** The deadline of a server stream: a whole log or bus may take hours (the hub's default deadline is 30 s). */
const STREAM_DEADLINE_MS = 12 * 60 * 60_000;

/**
 * Calls one server-streaming method: its messages, in order; gRPC errors as AppErrors. The deadline is
 * {@link STREAM_DEADLINE_MS}, not `--timeout`: a stream of a whole log runs as long as it needs (the caller cancels
 * it by leaving the loop).
 */
export async function* serverStream<Req, Res>(
  method: (request: Req, metadata: Metadata, options: Partial<CallOptions>) => ClientReadableStream<Res>,
  request: Req,
  options: ClientOptions,
): AsyncGenerator<Res> {
  const stream = method(request, metadataOf(options), { deadline: Date.now() + STREAM_DEADLINE_MS });
  let ended = false;
  try {
    for await (const message of stream) yield message as Res;
    ended = true;
  } catch (err) {
    ended = true;
    throw isServiceError(err) ? fromServiceError(err) : err;
  } finally {
    if (!ended) {
      stream.on('error', () => undefined); // the cancellation's own CANCELLED status
      stream.cancel();
    }
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Runs `fn` with a client of a running hub (any generated grpc-js client class), closed afterwards. */
export async function withClient<C extends { close(): void }, T>(
  Client: new (address: string, credentials: ChannelCredentials, options?: Partial<ChannelOptions>) => C,
  options: ClientOptions,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  const client = connect(Client, options);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Writes `text` to standard output as one or more whole lines. */
export function writeLine(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** JSON as the CLI prints it for `--json`. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Prints `value` as JSON under `--json`, else `text`. */
export function print(options: { json: boolean }, value: unknown, text: string): void {
  writeLine(options.json ? toJson(value) : text);
}

/** A HubService client. */
export function hubClient(options: ClientOptions): HubServiceClient {
  return connect(HubServiceClient, options);
}

const HealthClient = makeGenericClientConstructor(healthService, 'Health');

/**
 * grpc.health.v1 Check: the serving status of one service ("" for the whole hub); `SERVICE_UNKNOWN` for a service
 * the hub does not host. A hub that does not answer is an error (UNAVAILABLE, DEADLINE_EXCEEDED), not a status.
 */
export async function checkHealth(options: ClientOptions, serviceName = ''): Promise<string> {
  const client = connect(HealthClient, options);
  try {
    const check = (client as unknown as { check: Unary<{ service: string }, { status: string | number }> }).check.bind(
      client,
    );
    // grpc.health.v1 answers NOT_FOUND for a service it does not know: that is an answer, not a failure
    const checkOrUnknown: typeof check = (request, metadata, callOptions, callback) =>
      check(request, metadata, callOptions, (err, response) =>
        err?.code === grpcStatus.NOT_FOUND ? callback(null, { status: 'SERVICE_UNKNOWN' }) : callback(err, response),
      );
    const response = await call(checkOrUnknown, { service: serviceName }, { ...options, as: undefined });
    return typeof response.status === 'number'
      ? (['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][response.status] ?? 'UNKNOWN')
      : response.status;
  } finally {
    client.close();
  }
}
