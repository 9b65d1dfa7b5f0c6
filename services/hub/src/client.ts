import { readFileSync } from 'node:fs';
import {
  type CallOptions,
  type ChannelCredentials,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { HubServiceClient } from '@onceonly/contracts';
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

/** The CLI's global options, as commander parses them (see `buildCli`). */
interface GlobalOptions {
  addr: string;
  as?: string;
  role?: string;
  ca?: string;
  cert?: string;
  key?: string;
  timeout: string;
  json?: boolean;
}

/** Client options of a subcommand, from the program's global options (`--addr`, `--as`, mTLS files, `--json`). */
export function cliOptions(cmd: Command): ClientOptions & { json: boolean } {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return {
    addr: o.addr,
    as: o.as,
    role: o.role,
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    timeoutMs: Number(o.timeout),
    json: o.json === true,
  };
}

/** Insecure on loopback development hubs; mTLS when `--ca` is given (with `--cert`/`--key` for the client). */
export function channelCredentials(options: ClientOptions): ChannelCredentials {
  if (!options.ca) return credentials.createInsecure();
  const read = (path: string | undefined) => (path ? readFileSync(path) : null);
  return credentials.createSsl(readFileSync(options.ca), read(options.key), read(options.cert));
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

/** Runs `fn` with a client of a running hub (any generated grpc-js client class), closed afterwards. */
export async function withClient<C extends { close(): void }, T>(
  Client: new (address: string, credentials: ChannelCredentials) => C,
  options: ClientOptions,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  const client = new Client(options.addr, channelCredentials(options));
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

/** A HubService client. */
export function hubClient(options: ClientOptions): HubServiceClient {
  return new HubServiceClient(options.addr, channelCredentials(options));
}

const HealthClient = makeGenericClientConstructor(healthService, 'Health');

/** grpc.health.v1 Check: the serving status of one service ("" for the whole hub). */
export async function checkHealth(options: ClientOptions, serviceName = ''): Promise<string> {
  const client = new HealthClient(options.addr, channelCredentials(options));
  try {
    const check = (client as unknown as { check: Unary<{ service: string }, { status: string | number }> }).check.bind(
      client,
    );
    const response = await call(check, { service: serviceName }, { ...options, as: undefined });
    return typeof response.status === 'number'
      ? (['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][response.status] ?? 'UNKNOWN')
      : response.status;
  } finally {
    client.close();
  }
}
