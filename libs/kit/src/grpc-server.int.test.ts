import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  GetInfoResponse,
  HubServiceClient,
  type HubServiceServer,
  HubServiceService,
  WhoAmIResponse,
} from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { fromServiceError } from '@onceonly/errors/grpc';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { issueClient, issueServer, makeCa } from '../test/certs.js';
import { type MemoryLog, memoryLog } from '../test/memory-log.js';
import { callContext, callerOf, createGrpcServer, type GrpcServer, type GrpcServerOptions, unary } from './index.js';

// ---------------------------------------------------------------------------------------------------------------
// servers and clients

const running: GrpcServer[] = [];
const clients: grpc.Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(running.splice(0).map((server) => server.shutdown(0)));
});

const hub: HubServiceServer = {
  getInfo: unary(async () => GetInfoResponse.fromPartial({ version: 'test', services: ['hub'] })),
  whoAmI: (call, callback) => callback(null, WhoAmIResponse.fromPartial({ ...callerOf(call) })),
};

interface Started {
  server: GrpcServer;
  address: string;
  port: number;
  logs: MemoryLog;
}

async function start(options: Partial<GrpcServerOptions> = {}, impl: Partial<HubServiceServer> = {}): Promise<Started> {
  const logs = memoryLog();
  const server = createGrpcServer({ address: '127.0.0.1:0', log: logs.log, ...options });
  server.addService(HubServiceService, { ...hub, ...impl } as HubServiceServer);
  running.push(server);
  const bound = await server.start();
  return { server, ...bound, logs };
}

function hubClient(address: string, credentials = grpc.credentials.createInsecure()): HubServiceClient {
  // the test server certificate names localhost; connecting by IP would set an IP as TLS server name (deprecated)
  const client = new HubServiceClient(address, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
  clients.push(client);
  return client;
}

function dev(code = 'DEPT-A', role?: string, requestId?: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-onceonly-caller', code);
  if (role) metadata.set('x-onceonly-role', role);
  if (requestId) metadata.set('x-request-id', requestId);
  return metadata;
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;

/** Promisifies one callback-style client call. */
function rpc<T>(invoke: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}

function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: grpc.ServiceError) => err,
  );
}

function within(ms: number): grpc.CallOptions {
  return { deadline: Date.now() + ms };
}

// health and reflection clients, from the protos their packages ship

interface HealthClient extends grpc.Client {
  check(request: { service: string }, callback: Callback<{ status: string }>): void;
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

function healthClient(address: string): HealthClient {
  const pkg = grpc.loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
  clients.push(client);
  return client;
}

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
}

async function listServices(address: string): Promise<string[]> {
  const reflectionDir = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto');
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [reflectionDir] });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  clients.push(client);
  const stream = (
    client as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> }
  ).serverReflectionInfo();
  return new Promise((resolve, reject) => {
    stream.on('data', (response: ReflectionResponse) => {
      resolve((response.listServicesResponse?.service ?? []).map((s) => s.name));
      stream.end();
    });
    stream.on('error', reject);
    stream.write({ listServices: '' });
  });
}

// a server-streaming service without a proto: JSON on the wire

interface CountRequest {
  n: number;
  failAt?: number;
  sleepMs?: number;
}
interface CountItem {
  i: number;
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as never,
};

const CountService = {
  count: {
    path: '/onceonly.test.v1.CountService/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} satisfies grpc.ServiceDefinition;

const countImplementation = {
  count: async (call: grpc.ServerWritableStream<CountRequest, CountItem>) => {
    const { caller, signal } = callContext(call);
    for (let i = 0; i < call.request.n; i++) {
      if (i === call.request.failAt) throw new AppError('NOT_FOUND', `no item ${i} for ${caller.departmentCode}`);
      if (call.request.sleepMs) await sleep(call.request.sleepMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      call.write({ i });
    }
    call.end();
  },
};

function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<{ items: T[]; error?: grpc.ServiceError }> {
  const items: T[] = [];
  return new Promise((resolve) => {
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', (error: grpc.ServiceError) => resolve({ items, error }));
    stream.on('end', () => resolve({ items }));
  });
}

/** A valid GetInfoRequest of about `bytes` bytes: one unknown length-delimited field (number 15), skipped. */
function paddedRequest(bytes: number): Buffer {
  const length = bytes - 6;
  const varint: number[] = [];
  for (let v = length; ; v >>>= 7) {
    if (v < 0x80) {
      varint.push(v);
      break;
    }
    varint.push((v & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x7a, ...varint]), Buffer.alloc(length)]);
}

function rawGetInfo(address: string, request: Buffer): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  clients.push(client);
  return rpc<Buffer>((callback) =>
    client.makeUnaryRequest(
      '/onceonly.hub.v1.HubService/GetInfo',
      (b: Buffer) => b,
      (b: Buffer) => b,
      request,
      dev(),
      within(10_000),
      callback,
    ),
  );
}

function callLines(logs: MemoryLog) {
  return logs.entries().filter((entry) => entry.msg === 'grpc call');
}

// ---------------------------------------------------------------------------------------------------------------

describe('starting', () => {
  it('binds 127.0.0.1:0 and reports the port the system chose', async () => {
    const { address, port } = await start();
    expect(port).toBeGreaterThan(0);
    expect(address).toBe(`127.0.0.1:${port}`);
  });

  it('answers health checks with SERVING, overall and per service, without identity', async () => {
    const { address } = await start();
    const health = healthClient(address);
    expect(await rpc((cb) => health.check({ service: '' }, cb))).toEqual({ status: 'SERVING' });
    const hubHealth = await rpc((cb) => health.check({ service: 'onceonly.hub.v1.HubService' }, cb));
    expect(hubHealth).toEqual({ status: 'SERVING' });
  });

  it('lists the registered services and health through reflection, without identity', async () => {
    const { address } = await start();
    const names = await listServices(address);
    expect(names).toEqual(expect.arrayContaining(['onceonly.hub.v1.HubService', 'grpc.health.v1.Health']));
  });
});

describe('caller identity', () => {
  it('answers UNAUTHENTICATED when the call carries no identity', async () => {
    const { address } = await start();
    const err = await failure(rpc((cb) => hubClient(address).whoAmI({}, cb)));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(fromServiceError(err).code).toBe('UNAUTHENTICATED');
  });

  it('ignores development metadata unless devIdentity is on', async () => {
    const { address } = await start();
    const err = await failure(rpc((cb) => hubClient(address).whoAmI({}, dev(), cb)));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('takes a development identity from metadata on loopback and warns at start', async () => {
    const { address, logs } = await start({ devIdentity: true });
    const who = await rpc((cb) => hubClient(address).whoAmI({}, dev('DEPT-A', 'auditor'), cb));
    expect(who).toEqual({
      departmentCode: 'DEPT-A',
      departmentName: 'DEPT-A',
      role: 'auditor',
      authenticatedBy: 'dev-metadata',
    });
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/DEVELOPMENT IDENTITY/) }),
    );
  });

  it('rejects malformed development metadata', async () => {
    const { address } = await start({ devIdentity: true });
    const badRole = await failure(rpc((cb) => hubClient(address).whoAmI({}, dev('DEPT-A', 'root'), cb)));
    expect(badRole.code).toBe(grpc.status.UNAUTHENTICATED);
    const badCode = await failure(rpc((cb) => hubClient(address).whoAmI({}, dev('not a code!'), cb)));
    expect(badCode.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it.each(['0.0.0.0:0', '[::]:0', '10.1.2.3:50051', 'hub.example.org:50051'])(
    'refuses devIdentity on the non-loopback address %s',
    (address) => {
      const { log } = memoryLog();
      expect(() => createGrpcServer({ address, log, devIdentity: true })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    },
  );

  it.each(['127.0.0.1:0', '127.8.9.10:0', 'localhost:0', '[::1]:0'])('allows devIdentity on %s', (address) => {
    const { log } = memoryLog();
    expect(() => createGrpcServer({ address, log, devIdentity: true })).not.toThrow();
  });
});

describe('mutual TLS', () => {
  const ca = makeCa('OnceOnly test CA');
  const serverPem = issueServer(ca);
  const department = { code: '11310000MB2F07012K', name: '上海市市场监督管理局', role: 'department' };
  const tls = { caCert: ca.cert, cert: serverPem.cert, key: serverPem.key };

  function tlsClient(address: string, pem?: { cert: Buffer; key: Buffer }): HubServiceClient {
    return hubClient(address, grpc.credentials.createSsl(ca.cert, pem?.key ?? null, pem?.cert ?? null));
  }

  it('names the caller from the client certificate subject', async () => {
    const { port } = await start({ tls });
    const client = tlsClient(`127.0.0.1:${port}`, issueClient(ca, department));
    const who = await rpc((cb) => client.whoAmI({}, cb));
    expect(who).toEqual({
      departmentCode: department.code,
      departmentName: department.name,
      role: 'department',
      authenticatedBy: 'mtls',
    });
  });

  it('rejects a client certificate from another CA at the handshake', async () => {
    const { port } = await start({ tls });
    const rogue = issueClient(makeCa('Rogue CA'), department);
    const err = await failure(
      rpc((cb) => tlsClient(`127.0.0.1:${port}`, rogue).whoAmI({}, new grpc.Metadata(), within(5_000), cb)),
    );
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('rejects a client without a certificate', async () => {
    const { port } = await start({ tls });
    const err = await failure(
      rpc((cb) => tlsClient(`127.0.0.1:${port}`).whoAmI({}, new grpc.Metadata(), within(5_000), cb)),
    );
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('answers UNAUTHENTICATED for a certificate that names no known role', async () => {
    const { port } = await start({ tls });
    const client = tlsClient(`127.0.0.1:${port}`, issueClient(ca, { ...department, role: 'admin' }));
    const err = await failure(rpc((cb) => client.whoAmI({}, cb)));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('prefers the certificate over development metadata', async () => {
    const { port } = await start({ tls, devIdentity: true });
    const client = tlsClient(`127.0.0.1:${port}`, issueClient(ca, department));
    const who = await rpc<WhoAmIResponse>((cb) => client.whoAmI({}, dev('SPOOFED'), cb));
    expect(who.departmentCode).toBe(department.code);
  });
});

describe('error mapping', () => {
  it('sends an AppError with its status and a code that fromServiceError recovers', async () => {
    const { address } = await start(
      { devIdentity: true },
      {
        getInfo: () => {
          throw new AppError('NOT_FOUND', 'no such certificate', { details: { meta: { certificateId: 'c-1' } } });
        },
      },
    );
    const err = await failure(rpc((cb) => hubClient(address).getInfo({}, dev(), cb)));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(fromServiceError(err)).toMatchObject({ code: 'NOT_FOUND', details: { meta: { certificateId: 'c-1' } } });
  });

  it('maps AppErrors from async handlers and from the callback', async () => {
    const { address } = await start(
      { devIdentity: true },
      {
        getInfo: unary(async () => {
          throw new AppError('FAILED_PRECONDITION', 'not yet');
        }),
        whoAmI: (_call, callback) => callback(new AppError('PERMISSION_DENIED', 'no') as unknown as grpc.ServiceError),
      },
    );
    const client = hubClient(address);
    const first = await failure(rpc((cb) => client.getInfo({}, dev(), cb)));
    expect(fromServiceError(first).code).toBe('FAILED_PRECONDITION');
    const second = await failure(rpc((cb) => client.whoAmI({}, dev(), cb)));
    expect(second.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('sends any other error as INTERNAL without its message, and logs the original', async () => {
    const { address, logs } = await start(
      { devIdentity: true },
      {
        getInfo: () => {
          throw new TypeError('connection to db:5432 failed, password hunter2');
        },
      },
    );
    const err = await failure(rpc((cb) => hubClient(address).getInfo({}, dev(), cb)));
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(fromServiceError(err).code).toBe('INTERNAL');
    expect(err.details).not.toContain('hunter2');
    expect(JSON.stringify(err.metadata.getMap())).not.toContain('hunter2');
    expect(logs.text()).toContain('connection to db:5432 failed');
  });
});

describe('request log', () => {
  it('writes one info line per call with method, caller, status, duration and request id', async () => {
    const { address, logs } = await start({ devIdentity: true });
    const client = hubClient(address);
    await rpc((cb) => client.whoAmI({}, dev('DEPT-A', undefined, 'req-123'), cb));
    await failure(rpc((cb) => client.whoAmI({}, cb)));
    const [ok, denied] = callLines(logs);
    expect(ok).toMatchObject({
      level: 30,
      method: '/onceonly.hub.v1.HubService/WhoAmI',
      caller: 'DEPT-A',
      status: 'OK',
      requestId: 'req-123',
      durationMs: expect.any(Number),
    });
    expect(denied).toMatchObject({ status: 'UNAUTHENTICATED', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(denied).not.toHaveProperty('caller');
  });

  it('replaces a malformed request id with a generated one', async () => {
    const { address, logs } = await start({ devIdentity: true });
    await rpc((cb) => hubClient(address).whoAmI({}, dev('DEPT-A', undefined, 'a b c {"x":1}'), cb));
    expect(callLines(logs)[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('deadlines', () => {
  const slow = (ms: number, seen?: AbortSignal[]): Partial<HubServiceServer> => ({
    getInfo: unary(async (_request, { signal }) => {
      seen?.push(signal);
      await sleep(ms);
      return GetInfoResponse.fromPartial({ version: 'slow' });
    }),
  });

  it("answers DEADLINE_EXCEEDED when a handler outlives the client's deadline", async () => {
    const { address, logs } = await start({ devIdentity: true }, slow(1_500));
    const err = await failure(rpc((cb) => hubClient(address).getInfo({}, dev(), within(200), cb)));
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await vi.waitFor(() => expect(callLines(logs)[0]).toMatchObject({ status: 'DEADLINE_EXCEEDED' }));
  });

  it('applies the default deadline when the client set none, and aborts the handler signal', async () => {
    const seen: AbortSignal[] = [];
    const { address } = await start({ devIdentity: true, defaultDeadlineMs: 200 }, slow(1_500, seen));
    const started = Date.now();
    const err = await failure(rpc((cb) => hubClient(address).getInfo({}, dev(), cb)));
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(fromServiceError(err).code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(seen[0]?.aborted).toBe(true);
  });
});

describe('cancellation', () => {
  it('aborts the handler signal and logs CANCELLED when the client cancels', async () => {
    const seen: AbortSignal[] = [];
    const { address, logs } = await start(
      { devIdentity: true },
      {
        getInfo: unary(async (_request, { signal }) => {
          seen.push(signal);
          await sleep(1_000);
          return GetInfoResponse.fromPartial({});
        }),
      },
    );
    const call = hubClient(address).getInfo({}, dev(), () => undefined);
    await sleep(100);
    call.cancel();
    await vi.waitFor(() => expect(callLines(logs)[0]).toMatchObject({ status: 'CANCELLED' }));
    expect(seen[0]?.aborted).toBe(true);
  });
});

describe('receive limit', () => {
  it('answers RESOURCE_EXHAUSTED for a request over the default 4 MiB', async () => {
    const { address } = await start({ devIdentity: true });
    const err = await failure(rawGetInfo(address, paddedRequest(4 * 1024 * 1024 + 64)));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('takes maxReceiveBytes, accepting requests up to it', async () => {
    const { address } = await start({ devIdentity: true, maxReceiveBytes: 1024 });
    await expect(rawGetInfo(address, paddedRequest(1000))).resolves.toBeInstanceOf(Buffer);
    const err = await failure(rawGetInfo(address, paddedRequest(2048)));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('gives a request over the limit the coded details of every other error (REQUEST_TOO_LARGE)', async () => {
    const { address } = await start({ devIdentity: true, maxReceiveBytes: 1024 });
    const err = await failure(rawGetInfo(address, paddedRequest(2048)));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(fromServiceError(err)).toMatchObject({
      code: 'REQUEST_TOO_LARGE',
      details: { fields: [expect.objectContaining({ field: 'request', reason: 'TOO_LARGE' })] },
    });
  });
});

describe('malformed requests', () => {
  it.each([
    ['field number 0', Buffer.from([0x00, 0x01]), 'FIELD_NUMBER_ZERO'],
    ['field number 0 after a valid field', Buffer.from([0x7a, 0x01, 0x61, 0x02, 0x00]), 'FIELD_NUMBER_ZERO'],
    ['a length past the end of the message', Buffer.from([0x7a, 0x10, 0x61]), 'TRUNCATED'],
    ['a wire type that does not exist', Buffer.from([0x7f]), 'WIRE_TYPE'],
  ])('answers %s with INVALID_ARGUMENT REQUEST_MALFORMED, before the handler runs', async (_case, bytes, reason) => {
    let ran = false;
    const { address, logs } = await start(
      { devIdentity: true },
      {
        getInfo: (_call, cb) => {
          ran = true;
          cb(null, GetInfoResponse.fromPartial({}));
        },
      },
    );
    const err = await failure(rawGetInfo(address, bytes));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fromServiceError(err)).toMatchObject({
      code: 'REQUEST_MALFORMED',
      details: { fields: [expect.objectContaining({ field: 'request', reason })] },
    });
    expect(ran).toBe(false);
    expect(callLines(logs)).toEqual([expect.objectContaining({ status: 'INVALID_ARGUMENT' })]);
  });
});

describe('server streaming', () => {
  async function countClient(options: Partial<GrpcServerOptions> = {}) {
    const logs = memoryLog();
    const server = createGrpcServer({ address: '127.0.0.1:0', log: logs.log, devIdentity: true, ...options });
    server.addService(CountService, countImplementation, { checkWireFormat: false }); // JSON messages
    server.addService(HubServiceService, hub);
    running.push(server);
    const { address } = await server.start();
    const Client = grpc.makeGenericClientConstructor(CountService, 'CountService');
    const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      count(
        request: CountRequest,
        metadata?: grpc.Metadata,
        options?: grpc.CallOptions,
      ): grpc.ClientReadableStream<CountItem>;
    };
    clients.push(client);
    return { client, logs, address };
  }

  it('streams to an identified caller and logs the call', async () => {
    const { client, logs } = await countClient();
    const result = await collect(client.count({ n: 3 }, dev()));
    expect(result).toEqual({ items: [{ i: 0 }, { i: 1 }, { i: 2 }] });
    expect(callLines(logs)[0]).toMatchObject({ method: '/onceonly.test.v1.CountService/Count', status: 'OK' });
  });

  it('answers UNAUTHENTICATED without identity', async () => {
    const { client } = await countClient();
    const result = await collect(client.count({ n: 3 }));
    expect(result.items).toEqual([]);
    expect(result.error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('maps an AppError thrown mid-stream', async () => {
    const { client, logs } = await countClient();
    const result = await collect(client.count({ n: 5, failAt: 2 }, dev()));
    expect(result.items).toEqual([{ i: 0 }, { i: 1 }]);
    expect(result.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(fromServiceError(result.error!).code).toBe('NOT_FOUND');
    expect(callLines(logs)[0]).toMatchObject({ status: 'NOT_FOUND' });
  });

  it('ends a stream that outlives the default deadline', async () => {
    const { client } = await countClient({ defaultDeadlineMs: 250 });
    const result = await collect(client.count({ n: 100, sleepMs: 50 }, dev()));
    expect(result.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(result.items.length).toBeGreaterThan(0);
    expect(result.items.length).toBeLessThan(100);
  });

  it('shares a server with a unary service, each with its own health status', async () => {
    const { address } = await countClient();
    expect(await rpc((cb) => hubClient(address).getInfo({}, dev(), cb))).toMatchObject({ version: 'test' });
    const health = healthClient(address);
    const status = await rpc((cb) => health.check({ service: 'onceonly.test.v1.CountService' }, cb));
    expect(status).toEqual({ status: 'SERVING' });
  });
});

describe('shutdown', () => {
  it('lets an in-flight call complete, then refuses new calls', async () => {
    const { server, address } = await start(
      { devIdentity: true },
      {
        getInfo: unary(async () => {
          await sleep(400);
          return GetInfoResponse.fromPartial({ version: 'drained' });
        }),
      },
    );
    const client = hubClient(address);
    const inFlight = rpc<GetInfoResponse>((cb) => client.getInfo({}, dev(), cb));
    await sleep(100);
    const stopping = server.shutdown(5_000);
    expect((await inFlight).version).toBe('drained');
    await stopping;
    const err = await failure(rpc((cb) => hubClient(address).whoAmI({}, dev(), within(2_000), cb)));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('reports NOT_SERVING to health watchers while draining', async () => {
    const { server, address } = await start();
    const watch = healthClient(address).watch({ service: '' });
    const statuses: string[] = [];
    const notServing = new Promise<void>((resolve) => {
      watch.on('data', (update: { status: string }) => {
        statuses.push(update.status);
        if (update.status === 'NOT_SERVING') resolve();
      });
      watch.on('error', () => undefined);
    });
    await sleep(100);
    const stopping = server.shutdown(300);
    await notServing;
    await stopping;
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
  });

  it('cancels calls that outlive the grace period', async () => {
    const { server, address } = await start({ devIdentity: true }, { getInfo: () => undefined });
    const inFlight = failure(rpc((cb) => hubClient(address).getInfo({}, dev(), cb)));
    await sleep(100);
    const started = Date.now();
    await server.shutdown(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await inFlight).code).not.toBe(grpc.status.OK);
  });

  it('is idempotent', async () => {
    const { server } = await start();
    const first = server.shutdown(100);
    expect(server.shutdown(100)).toBe(first);
    await first;
  });
});
