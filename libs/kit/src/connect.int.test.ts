/**
 * The HTTP/JSON face of the kit's server (ADR 032) on real sockets: mutual TLS names the caller as on gRPC, the
 * development identity keeps to loopback, the Connect deadline header, the receive limit, the proto codec, and one
 * request log line per call marked `transport: http`. Access tokens (ADR 036): a bearer token names a platform on
 * gRPC as on HTTP, a bad token is never passed over for the development identity, a server without token support
 * refuses tokens; CORS preflights are answered for the configured origins only.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import {
  GetInfoResponse,
  HubServiceClient,
  type HubServiceServer,
  HubServiceService,
  WhoAmIRequest,
  WhoAmIResponse,
} from '@onceonly/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { issueClient, issueServer, makeCa } from '../test/certs.js';
import { type MemoryLog, memoryLog } from '../test/memory-log.js';
import {
  type BearerAuth,
  callerOf,
  createGrpcServer,
  type GrpcServer,
  type GrpcServerOptions,
  unary,
} from './index.js';

const running: GrpcServer[] = [];
const grpcClients: grpc.Client[] = [];
afterEach(async () => {
  for (const client of grpcClients.splice(0)) client.close();
  await Promise.all(running.splice(0).map((server) => server.shutdown(0)));
});

const hub: HubServiceServer = {
  getInfo: unary(async () => GetInfoResponse.fromPartial({ version: 'test', services: ['hub'] })),
  whoAmI: (call, callback) => callback(null, WhoAmIResponse.fromPartial({ ...callerOf(call) })),
};

async function start(
  options: Partial<GrpcServerOptions> = {},
  impl: Partial<HubServiceServer> = {},
): Promise<{ url: string; grpc: string; logs: MemoryLog }> {
  const logs = memoryLog();
  const server = createGrpcServer({
    address: '127.0.0.1:0',
    log: logs.log,
    http: { address: '127.0.0.1:0' },
    ...options,
  });
  server.addService(HubServiceService, { ...hub, ...impl } as HubServiceServer);
  running.push(server);
  const bound = await server.start();
  return { url: `${options.tls ? 'https' : 'http'}://${bound.httpAddress}`, grpc: bound.address, logs };
}

const WHO = '/onceonly.hub.v1.HubService/WhoAmI';
const json = { 'content-type': 'application/json' };

describe('the HTTP/JSON face', () => {
  it('serves a unary call with the proto codec too, and logs one line per call with transport http', async () => {
    const { url, logs } = await start({ devIdentity: true });
    const answer = await fetch(`${url}${WHO}`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto', 'x-onceonly-caller': 'DEPT-A', 'x-request-id': 'req-http-1' },
      body: Buffer.from(WhoAmIRequest.encode({}).finish()),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/proto');
    const who = WhoAmIResponse.decode(new Uint8Array(await answer.arrayBuffer()));
    expect(who).toMatchObject({ departmentCode: 'DEPT-A', authenticatedBy: 'dev-metadata' });
    const lines = logs.entries().filter((e) => e.msg === 'http call');
    expect(lines).toEqual([
      expect.objectContaining({
        method: WHO,
        caller: 'DEPT-A',
        status: 'OK',
        requestId: 'req-http-1',
        transport: 'http',
      }),
    ]);
  });

  it('answers deadline_exceeded (504) when Connect-Timeout-Ms passes', async () => {
    const slow = unary(async () => {
      await sleep(2_000);
      return GetInfoResponse.fromPartial({});
    });
    const { url } = await start({ devIdentity: true }, { getInfo: slow });
    const answer = await fetch(`${url}/onceonly.hub.v1.HubService/GetInfo`, {
      method: 'POST',
      headers: { ...json, 'x-onceonly-caller': 'DEPT-A', 'connect-timeout-ms': '50' },
      body: '{}',
    });
    expect(answer.status).toBe(504);
    expect(await answer.json()).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('refuses a body over the receive limit as resource_exhausted REQUEST_TOO_LARGE (429)', async () => {
    const { url } = await start({ devIdentity: true, maxReceiveBytes: 1024 });
    const answer = await fetch(`${url}${WHO}`, {
      method: 'POST',
      headers: { ...json, 'x-onceonly-caller': 'DEPT-A' },
      body: JSON.stringify({ padding: 'x'.repeat(4096) }),
    });
    expect(answer.status).toBe(429);
    const body = (await answer.json()) as { code: string; details: { debug: { reason: string } }[] };
    expect(body.code).toBe('resource_exhausted');
    expect(body.details[0]?.debug.reason).toBe('REQUEST_TOO_LARGE');
  });

  it('answers 404 for an unknown method and serves the OpenAPI of the registered services only', async () => {
    const { url } = await start({ devIdentity: true });
    const missing = await fetch(`${url}/onceonly.hub.v1.HubService/Nope`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
    expect(missing.status).toBe(404);
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).sort()).toEqual([
      '/onceonly.hub.v1.HubService/GetInfo',
      '/onceonly.hub.v1.HubService/WhoAmI',
    ]);
    const page = await fetch(`${url}/docs`);
    expect(await page.text()).toContain('/docs/swagger-ui-bundle.js');
    expect((await fetch(`${url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });

  it('reads a gzip body, and a GET message in base64url', async () => {
    const { url } = await start({ devIdentity: true });
    const zipped = await fetch(`${url}${WHO}`, {
      method: 'POST',
      headers: { ...json, 'content-encoding': 'gzip', 'x-onceonly-caller': 'DEPT-A' },
      body: gzipSync(Buffer.from('{}')),
    });
    expect(zipped.status).toBe(200);
    const message = Buffer.from('{}').toString('base64url');
    const got = await fetch(`${url}${WHO}?connect=v1&encoding=json&base64=1&message=${message}`, {
      headers: { 'x-onceonly-caller': 'DEPT-A' },
    });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toMatch(/^"/);
    expect(await got.json()).toMatchObject({ departmentCode: 'DEPT-A' });
  });

  it('keeps the development identity to loopback on the HTTP address too', () => {
    const { log } = memoryLog();
    expect(() =>
      createGrpcServer({ address: '127.0.0.1:0', log, devIdentity: true, http: { address: '0.0.0.0:0' } }),
    ).toThrow(/loopback/);
  });
});

describe('the HTTP/JSON face with mutual TLS', () => {
  const ca = makeCa('OnceOnly test CA');
  const serverPem = issueServer(ca);
  const department = { code: '11310000MB2F07012K', name: '上海市市场监督管理局', role: 'department' };
  const tls = { caCert: ca.cert, cert: serverPem.cert, key: serverPem.key };

  function post(url: string, client?: { cert: Buffer; key: Buffer }, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        `${url}${WHO}`,
        {
          method: 'POST',
          headers: { ...json, ...headers },
          ca: ca.cert,
          servername: 'localhost',
          ...(client ? { cert: client.cert, key: client.key } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  }

  it('names the caller from the client certificate, as gRPC does', async () => {
    const { url } = await start({ tls });
    const answer = await post(url, issueClient(ca, department));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      departmentCode: department.code,
      departmentName: department.name,
      role: 'department',
      authenticatedBy: 'mtls',
    });
  });

  it('refuses a client without a certificate, or with one from another CA, at the handshake', async () => {
    const { url } = await start({ tls });
    await expect(post(url)).rejects.toThrow();
    await expect(post(url, issueClient(makeCa('Rogue CA'), department))).rejects.toThrow();
  });

  it('ignores development headers when the development identity is off', async () => {
    const { url } = await start({ tls });
    const answer = await post(url, issueClient(ca, department), { 'x-onceonly-caller': 'SOMEONE-ELSE' });
    expect(JSON.parse(answer.body).departmentCode).toBe(department.code);
  });
});

describe('the HTTP/JSON listener on a taken port', () => {
  it('fails the start with CONFIG_INVALID and lets the gRPC port go', async () => {
    const { log } = memoryLog();
    const first = createGrpcServer({ address: '127.0.0.1:0', log, http: { address: '127.0.0.1:0' } });
    running.push(first);
    const taken = (await first.start()).httpAddress!;
    const second = createGrpcServer({ address: '127.0.0.1:0', log, http: { address: taken } });
    await expect(second.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

// Access tokens and CORS (ADR 036)

const ISSUER = 'http://127.0.0.1';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const BEARER: BearerAuth = {
  policy: () => ({ keys: [{ kid: 'k1', key: publicKey }], issuer: ISSUER, audience: ISSUER, clockSkewSeconds: 30 }),
  scopes: { 'certificate.check': [WHO] },
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function token(claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const body = {
    iss: ISSUER,
    aud: ISSUER,
    sub: 'pc_1',
    client_id: 'pc_1',
    iat: now,
    exp: now + 300,
    jti: 'j1',
    scope: 'certificate.check',
    platform_code: '91310107MA1G8K2D32',
    platform_name: 'Marketplace',
    ...claims,
  };
  const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })}.${b64(body)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function whoAmI(address: string, metadata: grpc.Metadata): Promise<WhoAmIResponse> {
  const client = new HubServiceClient(address, grpc.credentials.createInsecure());
  grpcClients.push(client);
  return new Promise((resolve, reject) => {
    client.whoAmI({}, metadata, (err, value) => (err ? reject(err) : resolve(value!)));
  });
}

const metadataOf = (headers: Record<string, string>) => {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return metadata;
};

describe('access tokens on the kit server', () => {
  it('name the platform on gRPC as on HTTP', async () => {
    const { grpc: address, url: http } = await start({ bearer: BEARER });
    const expected = { departmentCode: '91310107MA1G8K2D32', role: 'platform', authenticatedBy: 'oauth' };
    expect(await whoAmI(address, metadataOf({ authorization: `Bearer ${token()}` }))).toMatchObject(expected);
    const answer = await fetch(`${http}${WHO}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
      body: '{}',
    });
    expect(await answer.json()).toMatchObject(expected);
  });

  it('refuse a bad token even when development headers name someone, and record the refusal', async () => {
    const { grpc: address, url: http, logs } = await start({ bearer: BEARER, devIdentity: true });
    const headers = { authorization: `Bearer ${token({ aud: 'elsewhere' })}`, 'x-onceonly-caller': 'DEPT-A' };
    await expect(whoAmI(address, metadataOf(headers))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const answer = await fetch(`${http}${WHO}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{}',
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="onceonly", error="invalid_token"');
    const refusals = logs.entries().filter((e) => e.msg === 'access token refused');
    expect(refusals.map((e) => e.code)).toEqual(['TOKEN_INVALID', 'TOKEN_INVALID']);
    expect(logs.text()).not.toContain(headers.authorization.slice(7));
    // the development identity itself still works without a token
    expect(await whoAmI(address, metadataOf({ 'x-onceonly-caller': 'DEPT-A' }))).toMatchObject({
      authenticatedBy: 'dev-metadata',
    });
  });

  it('are refused by a server that accepts none', async () => {
    const { grpc: address } = await start({ devIdentity: true });
    const metadata = metadataOf({ authorization: `Bearer ${token()}`, 'x-onceonly-caller': 'DEPT-A' });
    await expect(whoAmI(address, metadata)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('leave the development identity loopback-only', () => {
    const { log } = memoryLog();
    for (const [grpcAt, httpAt] of [
      ['0.0.0.0:0', '127.0.0.1:0'],
      ['127.0.0.1:0', '0.0.0.0:0'],
    ] as const) {
      const options = { log, devIdentity: true, bearer: BEARER };
      expect(() => createGrpcServer({ ...options, address: grpcAt, http: { address: httpAt } })).toThrow(/loopback/);
    }
  });
});

describe('CORS on the HTTP listener', () => {
  const preflight = (url: string, origin: string) =>
    fetch(`${url}${WHO}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, connect-protocol-version',
      },
    });

  it('answers the preflight of a configured origin with the Connect headers, and refuses another origin', async () => {
    const { url: http } = await start({
      bearer: BEARER,
      http: { address: '127.0.0.1:0', corsOrigins: ['https://platform.example'] },
    });
    const allowed = await preflight(http, 'https://platform.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://platform.example');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, POST');
    const headers = allowed.headers.get('access-control-allow-headers')?.split(', ');
    expect(headers).toEqual(
      expect.arrayContaining(['Content-Type', 'Connect-Protocol-Version', 'Connect-Timeout-Ms', 'Authorization']),
    );
    expect(headers).not.toContain('X-Onceonly-Caller');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();

    const refused = await preflight(http, 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const call = await fetch(`${http}${WHO}`, {
      method: 'POST',
      headers: {
        origin: 'https://platform.example',
        'content-type': 'application/json',
        authorization: `Bearer ${token()}`,
      },
      body: '{}',
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe('https://platform.example');
    expect(call.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    expect(call.headers.get('vary')).toContain('Origin');
  });

  it('allows no origin by default', async () => {
    const { url: http } = await start({ bearer: BEARER });
    const answer = await preflight(http, 'https://platform.example');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
