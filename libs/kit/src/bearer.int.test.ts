/**
 * Access tokens and CORS on the kit's server over real sockets (ADR 036): a bearer token names a platform on gRPC
 * as on HTTP, a bad token is never passed over for the development identity, a server without token support refuses
 * tokens, the development identity keeps to loopback, and CORS preflights are answered for the configured origins
 * only.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  HubServiceClient,
  type HubServiceServer,
  HubServiceService,
  WhoAmIResponse as WhoAmI,
  type WhoAmIResponse,
} from '@onceonly/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type MemoryLog, memoryLog } from '../test/memory-log.js';
import {
  type BearerAuth,
  callerOf,
  createGrpcServer,
  type GrpcServer,
  type GrpcServerOptions,
  unary,
} from './index.js';

const ISSUER = 'http://127.0.0.1';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const WHO = '/onceonly.hub.v1.HubService/WhoAmI';
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

const running: GrpcServer[] = [];
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(running.splice(0).map((server) => server.shutdown(0)));
});

const hub: HubServiceServer = {
  getInfo: unary(async () => ({ version: 'test', services: [] }) as never),
  whoAmI: (call, callback) => callback(null, WhoAmI.fromPartial({ ...callerOf(call) })),
};

async function start(
  options: Partial<GrpcServerOptions> = {},
): Promise<{ grpc: string; http: string; logs: MemoryLog }> {
  const logs = memoryLog();
  const server = createGrpcServer({
    address: '127.0.0.1:0',
    log: logs.log,
    http: { address: '127.0.0.1:0' },
    ...options,
  });
  server.addService(HubServiceService, hub);
  running.push(server);
  const bound = await server.start();
  return { grpc: bound.address, http: `http://${bound.httpAddress}`, logs };
}

function whoAmI(address: string, metadata: grpc.Metadata): Promise<WhoAmIResponse> {
  const client = new HubServiceClient(address, grpc.credentials.createInsecure());
  clients.push(client);
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
    const { grpc: address, http } = await start({ bearer: BEARER });
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
    const { grpc: address, http, logs } = await start({ bearer: BEARER, devIdentity: true });
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
    expect(() =>
      createGrpcServer({
        address: '0.0.0.0:0',
        log,
        devIdentity: true,
        bearer: BEARER,
        http: { address: '127.0.0.1:0' },
      }),
    ).toThrow(/loopback/);
    expect(() =>
      createGrpcServer({
        address: '127.0.0.1:0',
        log,
        devIdentity: true,
        bearer: BEARER,
        http: { address: '0.0.0.0:0' },
      }),
    ).toThrow(/loopback/);
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
    const { http } = await start({
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
    const { http } = await start({ bearer: BEARER });
    const answer = await preflight(http, 'https://platform.example');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
