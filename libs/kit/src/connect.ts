import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  createServer as createPlainServer,
  type IncomingMessage,
  type Server as NodeHttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import {
  createFileRegistry,
  type DescMessage,
  type DescMethod,
  type FileRegistry,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { Metadata, type MethodDefinition, type StatusObject, status, type UntypedHandleCall } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import { type CorsOrigins, corsAnswer } from './cors.js';
import type { Logger } from './logger.js';
import { MalformedRequest } from './wire-check.js';

/**
 * The HTTP/JSON face of the kit's server (ADR 032): every RPC registered with `GrpcServer.addService` is also served
 * in the Connect protocol (connectrpc.com/docs/protocol) on a second, HTTP/1.1 listener, through the SAME wrapped
 * handler as gRPC: the request becomes the protobuf bytes gRPC would have received (JSON through the descriptors'
 * JSON mapping), goes through the same wire check and decoder, and the handler runs behind the same interceptors
 * (identity, deadline, error table, request log) on a call object that speaks grpc-js's server-call surface.
 */

/** Connect code and HTTP status of each gRPC status code (the Connect protocol's table). */
const CONNECT_CODES: Record<number, readonly [string, number]> = {
  [status.CANCELLED]: ['canceled', 499],
  [status.UNKNOWN]: ['unknown', 500],
  [status.INVALID_ARGUMENT]: ['invalid_argument', 400],
  [status.DEADLINE_EXCEEDED]: ['deadline_exceeded', 504],
  [status.NOT_FOUND]: ['not_found', 404],
  [status.ALREADY_EXISTS]: ['already_exists', 409],
  [status.PERMISSION_DENIED]: ['permission_denied', 403],
  [status.RESOURCE_EXHAUSTED]: ['resource_exhausted', 429],
  [status.FAILED_PRECONDITION]: ['failed_precondition', 400],
  [status.ABORTED]: ['aborted', 409],
  [status.OUT_OF_RANGE]: ['out_of_range', 400],
  [status.UNIMPLEMENTED]: ['unimplemented', 501],
  [status.INTERNAL]: ['internal', 500],
  [status.UNAVAILABLE]: ['unavailable', 503],
  [status.DATA_LOSS]: ['data_loss', 500],
  [status.UNAUTHENTICATED]: ['unauthenticated', 401],
};

/** The Connect code and HTTP status of a gRPC status code (unknown codes: `unknown`, 500). */
export function connectCodeOf(code: number): { code: string; httpStatus: number } {
  const [name, httpStatus] = CONNECT_CODES[code] ?? ['unknown', 500];
  return { code: name, httpStatus };
}

/** Request headers that are HTTP's or Connect's own, never handed to handlers as metadata. */
const NOT_METADATA = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'content-type',
  'content-length',
  'content-encoding',
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'cookie',
  'if-none-match',
  'origin',
  'referer',
]);

/** Headers an answer depends on (the caller, and the origin for CORS); GET answers name them in `Vary`. */
const VARY = 'Authorization, X-Onceonly-Caller, X-Onceonly-Role, X-Onceonly-Caller-Name, Origin';

/** The gRPC status details trailer (google.rpc.Status, binary). */
const DETAILS_KEY = 'grpc-status-details-bin';

type Codec = 'json' | 'proto';

/** One method served over HTTP. */
interface Route {
  definition: MethodDefinition<unknown, unknown>;
  /** The handler wrapped by the kit's interceptors: the very function grpc-js calls. */
  handler: UntypedHandleCall;
  desc: DescMethod;
  /** Marked `idempotency_level = NO_SIDE_EFFECTS`: also served by GET. */
  safe: boolean;
}

/** Options of {@link createConnectFace}. */
export interface ConnectFaceOptions {
  log: Logger;
  /** Largest request body accepted (the gRPC receive limit). */
  maxReceiveBytes: number;
  /** The descriptor set (FileDescriptorSet, binary) of the served protos. */
  descriptorSetPath: string;
  /** The OpenAPI document served at `/openapi.json` (filtered to the registered services); none when undefined. */
  openapiPath?: string;
  /** Folder of swagger-ui-dist, served under `/docs/`; no reference page when undefined. */
  docsAssets?: string;
  /**
   * Endpoints beside the RPCs, by exact path (the OAuth 2.0 token endpoint, its metadata and keys: ADR 036). They
   * answer the request themselves, with no caller identity: each authenticates what it needs.
   */
  endpoints?: Readonly<Record<string, HttpEndpoint>>;
  /** Origins whose pages may call across origins (CORS, ADR 036): exact origins, or `*`; none when empty. */
  corsOrigins?: CorsOrigins;
  /**
   * Folder of the hub's pages (ADR 037): `/verify` and `/platform` are its `verify.html` and `platform.html`,
   * `/sw.js` its service worker (served from the root, so that it may cache both pages), `/pages/<file>` the rest.
   * No pages when undefined.
   */
  pagesDir?: string;
}

/** An endpoint of the HTTP listener beside the RPCs; it answers `res` itself (any method). */
export type HttpEndpoint = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** TLS of the HTTP listener. */
export interface HttpTls {
  caCert: Buffer;
  cert: Buffer;
  key: Buffer;
  /**
   * Ask for a client certificate but let a client without one finish the handshake (platforms with an access token
   * instead, ADR 036); a certificate that does not chain to `caCert` still never names a caller. Default false:
   * the handshake requires one, as gRPC's does.
   */
  clientCertOptional?: boolean;
}

/** The router behind the HTTP listener. */
export interface ConnectFace {
  /** Adds a method; false when the descriptor set does not know it (then it is served by gRPC only). */
  add(definition: MethodDefinition<unknown, unknown>, handler: UntypedHandleCall): boolean;
  /** Paths served (`/<package>.<Service>/<Method>`). */
  readonly paths: readonly string[];
  /** Starts the listener (`tls`: HTTPS asking for a client certificate from `tls.caCert`). */
  listen(host: string, port: number, tls?: HttpTls): Promise<number>;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then closes every connection. */
  close(graceMs: number): Promise<void>;
}

/** Calls served over HTTP, for the request log line's `transport`. */
export const httpCalls = new WeakSet<object>();

/**
 * The grpc-js server-call surface a wrapped handler uses (request, metadata, deadline, auth context, cancellation,
 * and for server streams write/end/drain), over one HTTP exchange.
 */
class HttpCall extends EventEmitter {
  cancelled = false;
  constructor(
    public request: unknown,
    readonly metadata: Metadata,
    private readonly deadline: number,
    private readonly req: IncomingMessage,
    private readonly writer?: (message: unknown) => boolean,
    private readonly ender?: () => void,
  ) {
    super();
    httpCalls.add(this);
  }
  getDeadline(): number {
    return this.deadline;
  }
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: unknown } {
    const socket = this.req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function') return {};
    // with an optional client certificate the handshake lets an unverified one through: it names nobody
    if (!socket.authorized) return { transportSecurityType: 'ssl' };
    return { transportSecurityType: 'ssl', sslPeerCertificate: socket.getPeerCertificate() };
  }
  getPeer(): string {
    return `${this.req.socket.remoteAddress ?? 'unknown'}:${this.req.socket.remotePort ?? 0}`;
  }
  getHost(): string {
    return this.req.headers.host ?? '';
  }
  getPath(): string {
    return this.req.url ?? '';
  }
  sendMetadata(): void {}
  write(message: unknown): boolean {
    if (!this.writer) throw new AppError('INTERNAL', 'write on a unary call');
    return this.writer(message);
  }
  end(): void {
    this.ender?.();
  }
}

function metadataOf(req: IncomingMessage): Metadata {
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_METADATA.has(name) || name.startsWith('connect-') || name.startsWith(':')) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      try {
        if (name.endsWith('-bin')) metadata.add(name, Buffer.from(one, 'base64'));
        else metadata.add(name, one);
      } catch {
        // a header name grpc metadata refuses is not metadata
      }
    }
  }
  return metadata;
}

/** `Connect-Timeout-Ms`: at most 10 digits; anything else is no deadline (the server's default applies). */
function deadlineOf(req: IncomingMessage): number {
  const value = req.headers['connect-timeout-ms'];
  if (typeof value !== 'string' || !/^[0-9]{1,10}$/.test(value)) return Number.POSITIVE_INFINITY;
  return Date.now() + Number(value);
}

function malformed(description: string, reason = 'JSON'): MalformedRequest {
  const text = description.length > 200 ? `${description.slice(0, 200)}…` : description;
  return new MalformedRequest(
    new AppError('REQUEST_MALFORMED', `request: ${text}`, {
      details: { fields: [{ field: 'request', reason, description: text }] },
    }),
  );
}

function tooLarge(): MalformedRequest {
  const fields = [{ field: 'request', reason: 'TOO_LARGE', description: 'over the receive limit' }];
  return new MalformedRequest(
    new AppError('REQUEST_TOO_LARGE', 'request over the receive limit', { details: { fields } }),
  );
}

const ENVELOPE_END = 0b10;
const ENVELOPE_COMPRESSED = 0b01;

function envelope(flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Reads the body up to `max` bytes; `undefined` when it is larger (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * Creates the Connect router and listener. Unary methods: `POST /<package>.<Service>/<Method>` with
 * `application/json` (proto3 JSON mapping) or `application/proto`; side-effect-free methods also `GET
 * ?encoding=json&message=...` with `ETag` and `Cache-Control: private, no-cache`. Server-streaming methods: Connect's
 * streaming protocol (`application/connect+json`). Errors: `{ code, message, details }` with the Connect HTTP status.
 */
export function createConnectFace(options: ConnectFaceOptions): ConnectFace {
  const { log } = options;
  const routes = new Map<string, Route>();
  let registry: FileRegistry | undefined;
  const registryOf = (): FileRegistry => {
    registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(options.descriptorSetPath)));
    return registry;
  };
  let openapi: string | undefined;
  let server: NodeHttpServer | undefined;
  const inFlight = new Set<ServerResponse>();

  const statusMessage = (): DescMessage | undefined => registryOf().getMessage('google.rpc.Status');

  /** The Connect error body of a gRPC status: ErrorInfo and BadRequest from the details trailer, typed. */
  const errorBody = (wire: Partial<StatusObject>) => {
    const { code } = connectCodeOf(wire.code ?? status.UNKNOWN);
    const details: { type: string; value: string; debug?: unknown }[] = [];
    const raw = wire.metadata?.get(DETAILS_KEY)[0];
    const schema = statusMessage();
    if (Buffer.isBuffer(raw) && schema) {
      try {
        const decoded = fromBinary(schema, raw) as unknown as { details: { typeUrl: string; value: Uint8Array }[] };
        for (const any of decoded.details) {
          const type = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
          const value = Buffer.from(any.value).toString('base64').replace(/=+$/, '');
          const desc = registryOf().getMessage(type);
          const debug = desc ? toJson(desc, fromBinary(desc, any.value)) : undefined;
          details.push({ type, value, ...(debug === undefined ? {} : { debug }) });
        }
      } catch (err) {
        log.warn({ err }, 'status details not decodable: sent without details');
      }
    }
    return { code, message: wire.details ?? '', ...(details.length > 0 ? { details } : {}) };
  };

  const sendError = (res: ServerResponse, wire: Partial<StatusObject>, headers: Record<string, string> = {}) => {
    if (res.headersSent) return;
    const error = errorBody(wire);
    const challenge = bearerChallenge(error);
    res.writeHead(connectCodeOf(wire.code ?? status.UNKNOWN).httpStatus, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(challenge ? { 'www-authenticate': challenge } : {}),
      ...headers,
    });
    res.end(JSON.stringify(error));
  };

  const plainError = (res: ServerResponse, httpStatus: number, code: string, message: string, headers = {}) => {
    if (res.headersSent) return;
    res.writeHead(httpStatus, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify({ code, message }));
  };

  /** The request as gRPC would have received it: bytes, through the same checked decoder. */
  const decodeRequest = (route: Route, codec: Codec, body: Buffer): unknown => {
    let bytes: Buffer = body;
    if (codec === 'json') {
      let json: unknown;
      try {
        json = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
      } catch {
        return malformed('the body is not JSON');
      }
      try {
        const message = fromJson(route.desc.input, json as never, { registry: registryOf() });
        bytes = Buffer.from(toBinary(route.desc.input, message));
      } catch (err) {
        return malformed(err instanceof Error ? err.message : `not a ${route.desc.input.typeName}`);
      }
    }
    return route.definition.requestDeserialize(bytes);
  };

  const encodeResponse = (route: Route, codec: Codec, value: unknown): Buffer => {
    const bytes = route.definition.responseSerialize(value);
    if (codec === 'proto') return bytes;
    const message = fromBinary(route.desc.output, bytes);
    const json = toJson(route.desc.output, message, { alwaysEmitImplicit: true, registry: registryOf() });
    return Buffer.from(JSON.stringify(json));
  };

  const unary = (
    route: Route,
    req: IncomingMessage,
    res: ServerResponse,
    codec: Codec,
    request: unknown,
    get: boolean,
  ) => {
    const call = new HttpCall(request, metadataOf(req), deadlineOf(req), req);
    res.on('close', () => {
      if (!res.writableFinished) {
        call.cancelled = true;
        call.emit('cancelled');
      }
    });
    const handler = route.handler as unknown as (
      call: HttpCall,
      callback: (err: unknown, value?: unknown) => void,
    ) => void;
    handler(call, (err, value) => {
      if (err) return sendError(res, err as Partial<StatusObject>);
      let body: Buffer;
      try {
        body = encodeResponse(route, codec, value);
      } catch (cause) {
        log.error({ err: cause, method: route.definition.path }, 'response not encodable');
        return sendError(res, { code: status.INTERNAL, details: 'response not encodable' });
      }
      const type = codec === 'json' ? 'application/json' : 'application/proto';
      if (!get) {
        res.writeHead(200, { 'content-type': type });
        res.end(body);
        return;
      }
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const headers = { etag, 'cache-control': 'private, no-cache', vary: VARY };
      const match = req.headers['if-none-match'];
      if (typeof match === 'string' && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': type, ...headers });
      res.end(body);
    });
  };

  const serverStream = (route: Route, req: IncomingMessage, res: ServerResponse, codec: Codec, request: unknown) => {
    const type = codec === 'json' ? 'application/connect+json' : 'application/connect+proto';
    let ended = false;
    const head = () => {
      if (!res.headersSent) res.writeHead(200, { 'content-type': type });
    };
    const finish = (error?: Partial<StatusObject>) => {
      if (ended) return;
      ended = true;
      head();
      const end = error ? { error: errorBody(error) } : {};
      res.end(envelope(ENVELOPE_END, Buffer.from(JSON.stringify(end))));
      call.emit('finish');
    };
    const call = new HttpCall(
      request,
      metadataOf(req),
      deadlineOf(req),
      req,
      (message) => {
        if (ended) return false;
        head();
        return res.write(envelope(0, encodeResponse(route, codec, message)));
      },
      () => finish(),
    );
    res.on('drain', () => call.emit('drain'));
    res.on('close', () => {
      if (!ended) {
        call.cancelled = true;
        call.emit('cancelled');
      }
    });
    call.on('error', (wire: Partial<StatusObject>) => finish(wire));
    (route.handler as unknown as (call: HttpCall) => void)(call);
  };

  const serveDocs = (path: string, res: ServerResponse): boolean => {
    if (path === '/openapi.json' && options.openapiPath) {
      openapi ??= filteredOpenapi(options.openapiPath, [...routes.keys()]);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
      res.end(openapi);
      return true;
    }
    if (!options.docsAssets) return false;
    if (path === '/docs' || path === '/docs/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
      });
      res.end(DOCS_PAGE);
      return true;
    }
    const asset = DOCS_ASSETS[path];
    if (asset) {
      const body = asset.file ? readFileSync(`${options.docsAssets}/${asset.file}`) : Buffer.from(DOCS_INIT);
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
      res.end(body);
      return true;
    }
    return false;
  };

  const servePage = (path: string, res: ServerResponse): boolean => {
    if (!options.pagesDir) return false;
    const file =
      PAGE_ROUTES[path] ?? (/^\/pages\/[a-z0-9-]+\.(js|css|png|svg)$/.test(path) ? path.slice(7) : undefined);
    if (file === undefined) return false;
    let body: Buffer;
    try {
      body = readFileSync(`${options.pagesDir}/${file}`);
    } catch {
      return false;
    }
    const type = PAGE_TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      // revalidated every time (the service worker keeps its own copy for offline use)
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(file.endsWith('.html') ? { 'content-security-policy': PAGES_CSP } : {}),
    });
    res.end(body);
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cors = corsAnswer(options.corsOrigins ?? [], {
      method: req.method,
      origin: req.headers.origin,
      requestMethod: req.headers['access-control-request-method'],
    });
    for (const [name, value] of Object.entries(cors.headers)) res.setHeader(name, value);
    if (cors.preflight) {
      res.writeHead(cors.preflight.status);
      res.end();
      return;
    }
    const endpoint = options.endpoints?.[url.pathname];
    if (endpoint) return endpoint(req, res);
    if (req.method === 'GET' && (serveDocs(url.pathname, res) || servePage(url.pathname, res))) return;
    const route = routes.get(url.pathname);
    if (!route) return plainError(res, 404, 'unimplemented', `no method ${url.pathname}`);
    const streaming = route.definition.responseStream || route.definition.requestStream;
    if (route.definition.requestStream) {
      return plainError(res, 501, 'unimplemented', 'client streaming is served by gRPC only');
    }
    if (req.method === 'GET') {
      if (!route.safe || streaming) {
        return plainError(res, 405, 'unimplemented', 'this method has side effects: use POST', { allow: 'POST' });
      }
      const q = url.searchParams;
      const encoding = q.get('encoding');
      if (encoding !== 'json' && encoding !== 'proto') {
        return plainError(res, 415, 'unimplemented', 'GET needs encoding=json or encoding=proto');
      }
      const compression = q.get('compression');
      if (compression && compression !== 'identity') {
        return plainError(res, 400, 'unimplemented', `compression ${compression} is not supported`);
      }
      const text = q.get('message') ?? '';
      const body = q.get('base64') === '1' ? Buffer.from(text, 'base64url') : Buffer.from(text, 'utf8');
      const request = body.length > options.maxReceiveBytes ? tooLarge() : decodeRequest(route, encoding, body);
      return unary(route, req, res, encoding, request, true);
    }
    if (req.method !== 'POST') return plainError(res, 405, 'unimplemented', 'use POST', { allow: 'POST' });
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const codec = codecOf(contentType, streaming);
    if (!codec) {
      const expected = streaming ? 'application/connect+json' : 'application/json';
      return plainError(res, 415, 'unimplemented', `content-type must be ${expected} (or the proto codec)`, {
        'accept-post': streaming
          ? 'application/connect+json, application/connect+proto'
          : 'application/json, application/proto',
      });
    }
    const encoding = req.headers[streaming ? 'connect-content-encoding' : 'content-encoding'];
    if (encoding !== undefined && encoding !== 'identity' && encoding !== 'gzip') {
      return plainError(res, 501, 'unimplemented', `content-encoding ${encoding} is not supported`, {
        'accept-encoding': 'gzip, identity',
      });
    }
    const raw = await readBody(req, options.maxReceiveBytes);
    let request: unknown;
    if (raw === undefined) {
      request = tooLarge();
      res.setHeader('connection', 'close');
      res.on('finish', () => req.destroy());
    } else if (streaming) {
      request = fromEnvelope(raw, encoding === 'gzip', options.maxReceiveBytes, (body) =>
        decodeRequest(route, codec, body),
      );
    } else {
      let body: Buffer | MalformedRequest = raw;
      if (encoding === 'gzip') body = gunzip(raw, options.maxReceiveBytes);
      request = body instanceof MalformedRequest ? body : decodeRequest(route, codec, body);
    }
    if (streaming) serverStream(route, req, res, codec, request);
    else unary(route, req, res, codec, request, false);
  };

  return {
    get paths() {
      return [...routes.keys()];
    },
    add(definition, handler) {
      const [, serviceName, methodName] = definition.path.split('/');
      const service = serviceName ? registryOf().getService(serviceName) : undefined;
      const desc = service?.methods.find((m) => m.name === methodName);
      if (!desc) return false;
      const safe = desc.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
      routes.set(definition.path, { definition, handler, desc, safe });
      openapi = undefined;
      return true;
    },
    listen(host, port, tls) {
      const listener = (req: IncomingMessage, res: ServerResponse) => {
        inFlight.add(res);
        res.on('close', () => inFlight.delete(res));
        handle(req, res).catch((err: unknown) => {
          log.error({ err }, 'http request failed');
          sendError(res, { code: status.INTERNAL, details: 'internal error' });
        });
      };
      server = tls
        ? createTlsServer(
            {
              ca: tls.caCert,
              cert: tls.cert,
              key: tls.key,
              requestCert: true,
              rejectUnauthorized: tls.clientCertOptional !== true,
            },
            listener,
          )
        : createPlainServer(listener);
      const s = server;
      return new Promise((resolve, reject) => {
        s.once('error', (err) =>
          reject(new AppError('CONFIG_INVALID', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err })),
        );
        s.listen(port, host, () => {
          const address = s.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async close(graceMs) {
      const s = server;
      if (!s) return;
      server = undefined;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
      const drained = (async () => {
        while (inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));
      })();
      if ((await Promise.race([drained.then(() => 'done' as const), timer])) === 'late') {
        log.warn({ graceMs }, 'HTTP grace period over: closing the requests still running');
      }
      s.closeAllConnections();
      await closed;
    },
  };
}

/** Error codes of bearer tokens (ADR 036) and the RFC 6750 §3.1 error each one answers in `WWW-Authenticate`. */
const BEARER_ERRORS: Record<string, string> = {
  TOKEN_INVALID: 'invalid_token',
  TOKEN_EXPIRED: 'invalid_token',
  SCOPE_MISSING: 'insufficient_scope',
};

/** The `WWW-Authenticate` challenge of an error about an access token (RFC 6750 §3); undefined for any other. */
function bearerChallenge(error: { details?: { type: string; debug?: unknown }[] }): string | undefined {
  const info = error.details?.find((d) => d.type === 'google.rpc.ErrorInfo')?.debug as { reason?: string } | undefined;
  const code = info?.reason === undefined ? undefined : BEARER_ERRORS[info.reason];
  return code === undefined ? undefined : `Bearer realm="onceonly", error="${code}"`;
}

function codecOf(contentType: string | undefined, streaming: boolean): Codec | undefined {
  if (streaming) {
    if (contentType === 'application/connect+json') return 'json';
    if (contentType === 'application/connect+proto') return 'proto';
    return undefined;
  }
  if (contentType === 'application/json') return 'json';
  if (contentType === 'application/proto') return 'proto';
  return undefined;
}

function gunzip(raw: Buffer, max: number): Buffer | MalformedRequest {
  try {
    return gunzipSync(raw, { maxOutputLength: max });
  } catch (err) {
    if (err instanceof RangeError) return tooLarge();
    return malformed('the gzip body does not decompress', 'COMPRESSION');
  }
}

/** The one request message of a server stream, from its envelope. */
function fromEnvelope(raw: Buffer, gzip: boolean, max: number, decode: (body: Buffer) => unknown): unknown {
  if (raw.length < 5) return malformed('the stream has no request envelope', 'ENVELOPE');
  const flags = raw.readUInt8(0);
  const length = raw.readUInt32BE(1);
  if (raw.length !== 5 + length) return malformed('the request envelope length does not match', 'ENVELOPE');
  let body: Buffer | MalformedRequest = raw.subarray(5);
  if (flags & ENVELOPE_COMPRESSED) {
    if (!gzip) return malformed('a compressed envelope without Connect-Content-Encoding', 'ENVELOPE');
    body = gunzip(body, max);
  }
  return body instanceof MalformedRequest ? body : decode(body);
}

/** The generated document, with only the paths this server serves (a service hosted alone shows its own). */
function filteredOpenapi(path: string, served: readonly string[]): string {
  const document = JSON.parse(readFileSync(path, 'utf8')) as {
    paths: Record<string, unknown>;
    tags?: { name: string }[];
  };
  const keep = new Set(served);
  document.paths = Object.fromEntries(Object.entries(document.paths).filter(([p]) => keep.has(p)));
  const services = new Set(served.map((p) => p.split('/')[1]));
  document.tags = document.tags?.filter((t) => services.has(t.name));
  return JSON.stringify(document);
}

/** The pages' paths and their files (ADR 037). */
const PAGE_ROUTES: Record<string, string> = {
  '/verify': 'verify.html',
  '/platform': 'platform.html',
  '/sw.js': 'sw.js',
};

const PAGE_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml',
};

/** The pages call nothing but their own origin; the camera's frames stay in the page. */
const PAGES_CSP =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const DOCS_ASSETS: Record<string, { file?: string; type: string }> = {
  '/docs/swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css' },
  '/docs/swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript' },
  '/docs/init.js': { type: 'text/javascript' },
};

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OnceOnly hub API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#api',
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
});
`;
