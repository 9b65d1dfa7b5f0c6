/**
 * OAuth 2.0 client-credentials tokens for platforms without a client certificate (issue 15 item 2, ADR 036), on a
 * real hub with PostgreSQL, Kafka and mutual TLS on its HTTPS listener: the token endpoint with both client
 * authentication methods, calls with the token, every refusal (expired, another audience, another issuer, a key the
 * hub does not have, a scope that does not cover the method, a disabled client, a bad secret), and mTLS still
 * naming departments on the same listener.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certificateModule } from '@onceonly/certificate';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger } from '@onceonly/kit';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClient, issueServer, makeCa, type Pem, type TestCa } from '../../../libs/kit/test/certs.js';
import { loadHubConfig } from './config.js';
import { HUB_SCHEMA } from './hub-events.js';
import { devTokenKeyPath, platformClients } from './oauth/index.js';
import { type RunningHub, startHub } from './start.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const PLATFORM = uscc('91310107MA1G8K2D3');
const SHOP = uscc('91310107MA1H7Q2W3');
const WHO = '/onceonly.hub.v1.HubService/WhoAmI';
const CHECK = '/onceonly.certificate.v1.PlatformService/CheckLicences';
const CREDENTIALS = { clientId: 'pc_test_marketplace', secret: randomBytes(32).toString('base64url') };
const VERIFY_ONLY = { clientId: 'pc_test_verifier', secret: randomBytes(32).toString('base64url') };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('OAuth 2.0 client-credentials tokens on a hub with PostgreSQL, Kafka and mTLS', () => {
  let dir = '';
  let testDb: TestDatabase;
  let db: Database;
  let hub: RunningHub;
  let ca: TestCa;
  let base = '';
  let hubKey: KeyObject;
  let kid = '';

  /** One HTTPS exchange with the hub (trusting its CA), optionally with a client certificate. */
  const send = (
    pathname: string,
    options: { method?: string; headers?: Record<string, string>; body?: string; client?: Pem } = {},
  ) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest(
        `${base}${pathname}`,
        {
          method: options.method ?? 'POST',
          headers: options.headers ?? {},
          ca: ca.cert,
          servername: 'localhost',
          ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });

  const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    send('/oauth2/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const basic = (clientId: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
  });
  const tokenFor = async (who: { clientId: string; secret: string }, scope?: string) => {
    const answer = await form(
      { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
      basic(who.clientId, who.secret),
    );
    expect(answer.status, answer.body).toBe(200);
    return JSON.parse(answer.body).access_token as string;
  };
  const call = (pathname: string, token: string, body: unknown = {}) =>
    send(pathname, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const checkRequest = { holders: [{ code: SHOP, codeType: 'HOLDER_CODE_TYPE_USCC' }], purpose: 'merchant-onboarding' };
  const checksRecorded = async () => {
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM certificate.outbox WHERE type = 'certificate.licences-checked'",
    );
    return Number(rows[0]?.n);
  };
  /** A token as the hub would sign it, with some claims changed. */
  const forged = (claims: Record<string, unknown>, key: KeyObject = hubKey, keyId = kid) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      client_id: CREDENTIALS.clientId,
      scope: 'certificate.check',
      platform_code: PLATFORM,
      platform_name: '示例外卖平台',
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: keyId })
      .setIssuer((claims.iss as string | undefined) ?? base)
      .setAudience((claims.aud as string | undefined) ?? base)
      .setSubject(CREDENTIALS.clientId)
      .setIssuedAt((claims.iat as number | undefined) ?? now)
      .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
      .setJti('forged-1')
      .sign(key);
  };
  const refusalOf = (answer: Answer) => {
    const body = JSON.parse(answer.body) as { code: string; details: { type: string; debug: { reason: string } }[] };
    return { status: answer.status, code: body.code, reason: body.details[0]?.debug.reason };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-oauth-'));
    Object.assign(process.env, {
      ONCEONLY_KEY_PASSPHRASE: 'oauth-test-passphrase-0123456789',
      ONCEONLY_HOLDER_HASH_KEY: randomBytes(32).toString('base64url'),
    });
    const log = createLogger({ level: 'silent', process: 'hub' });
    // an embedded start generates the hub CA and the token signing key that the PostgreSQL start then names
    const keysDir = path.join(dir, 'embedded');
    const first = await startHub({
      config: loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: keysDir }),
      log,
      modules: [certificateModule],
    });
    await first.stop();
    Object.assign(process.env, {
      ONCEONLY_CA_CERT: path.join(keysDir, 'keys', 'ca.pem'),
      ONCEONLY_CA_KEY: path.join(keysDir, 'keys', 'ca.key.pem'),
    });
    hubKey = createPrivateKey(readFileSync(devTokenKeyPath(keysDir)));

    ca = makeCa('OnceOnly OAuth test CA');
    const server = issueServer(ca);
    const files = {
      ca: path.join(dir, 'ca.pem'),
      cert: path.join(dir, 'server.pem'),
      key: path.join(dir, 'server.key'),
    };
    writeFileSync(files.ca, ca.cert);
    writeFileSync(files.cert, server.cert);
    writeFileSync(files.key, server.key);

    testDb = await freshDatabase('hub_oauth');
    db = await openDatabase({ url: testDb.url });
    hub = await startHub({
      config: loadHubConfig({
        ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
        ONCEONLY_DATA_DIR: path.join(dir, 'hub'),
        DATABASE_URL: testDb.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        ONCEONLY_NAMESPACE: uniqueNamespace('oauth'),
        ONCEONLY_TLS_CA: files.ca,
        ONCEONLY_TLS_CERT: files.cert,
        ONCEONLY_TLS_KEY: files.key,
        ONCEONLY_OAUTH_KEY: devTokenKeyPath(keysDir),
      }),
      log,
      modules: [certificateModule],
    });
    base = hub.httpUrl ?? '';
    const clients = platformClients(db, HUB_SCHEMA);
    const marketplace = { name: '示例外卖平台', platformCode: PLATFORM };
    await clients.add(
      { ...marketplace, clientId: CREDENTIALS.clientId, scopes: ['certificate.verify', 'certificate.check'] },
      CREDENTIALS.secret,
    );
    await clients.add(
      { ...marketplace, clientId: VERIFY_ONLY.clientId, scopes: ['certificate.verify'] },
      VERIFY_ONLY.secret,
    );
    kid = JSON.parse((await send('/.well-known/jwks.json', { method: 'GET' })).body).keys[0].kid;
  });

  afterAll(async () => {
    await hub?.stop();
    await db?.close();
    await testDb?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes its metadata (RFC 8414) and its public key, and names the token endpoint in the ready line', async () => {
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.readyLine).toContain(` oauth=${base}/oauth2/token `);
    const metadata = JSON.parse((await send('/.well-known/oauth-authorization-server', { method: 'GET' })).body);
    expect(metadata).toMatchObject({
      issuer: base,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['certificate.verify', 'certificate.check'],
    });
    const jwks = JSON.parse((await send('/.well-known/jwks.json', { method: 'GET' })).body);
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid })]);
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('issues an RFC 9068 access token to a client authenticated by HTTP Basic (client_secret_basic)', async () => {
    const answer = await form({ grant_type: 'client_credentials' }, basic(CREDENTIALS.clientId, CREDENTIALS.secret));
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(answer.body);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'certificate.verify certificate.check',
    });
    expect(decodeProtectedHeader(body.access_token)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid });
    // anyone holding the published key verifies it (jose, independently of the hub's own check)
    const jwks = JSON.parse((await send('/.well-known/jwks.json', { method: 'GET' })).body);
    const { payload } = await jwtVerify(body.access_token, await importJWK(jwks.keys[0], 'ES256'), {
      issuer: base,
      audience: base,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      sub: CREDENTIALS.clientId,
      client_id: CREDENTIALS.clientId,
      platform_code: PLATFORM,
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('issues a token to a client authenticated in the form (client_secret_post), with the scope asked for', async () => {
    const answer = await form({
      grant_type: 'client_credentials',
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.secret,
      scope: 'certificate.check',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).scope).toBe('certificate.check');
  });

  it('lets a token call the RPCs of its scopes over HTTPS without a client certificate', async () => {
    const token = await tokenFor(CREDENTIALS, 'certificate.check');
    const me = await call(WHO, token);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toEqual({
      departmentCode: PLATFORM,
      departmentName: '示例外卖平台',
      role: 'platform',
      authenticatedBy: 'oauth',
    });
    const before = await checksRecorded();
    const checked = await call(CHECK, token, checkRequest);
    expect(checked.status, checked.body).toBe(200);
    expect(JSON.parse(checked.body).results).toHaveLength(1);
    expect(await checksRecorded()).toBe(before + 1);
  });

  it('refuses a token whose scopes do not cover the method: permission_denied SCOPE_MISSING, nothing recorded', async () => {
    const before = await checksRecorded();
    const answer = await call(CHECK, await tokenFor(VERIFY_ONLY));
    expect(refusalOf(answer)).toEqual({ status: 403, code: 'permission_denied', reason: 'SCOPE_MISSING' });
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="onceonly", error="insufficient_scope"');
    expect(await checksRecorded()).toBe(before);
  });

  it('refuses expired tokens, another audience, another issuer and keys it does not have: unauthenticated', async () => {
    const before = await checksRecorded();
    const now = Math.floor(Date.now() / 1000);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const cases: [string, string, string][] = [
      ['expired', await forged({ iat: now - 900, exp: now - 600 }), 'TOKEN_EXPIRED'],
      ['another audience', await forged({ aud: 'https://another-hub.example' }), 'TOKEN_INVALID'],
      ['another issuer', await forged({ iss: 'https://another-hub.example' }), 'TOKEN_INVALID'],
      ['signed by another key under our kid', await forged({}, stranger), 'TOKEN_INVALID'],
      ['signed by another key', await forged({}, stranger, 'another-kid'), 'TOKEN_INVALID'],
      ['not a JWT', 'not-a-token', 'TOKEN_INVALID'],
    ];
    for (const [what, token, reason] of cases) {
      const answer = await call(CHECK, token, checkRequest);
      expect(refusalOf(answer), what).toEqual({ status: 401, code: 'unauthenticated', reason });
      expect(answer.headers['www-authenticate'], what).toBe('Bearer realm="onceonly", error="invalid_token"');
    }
    // the hub's own key with the claims it writes is accepted: the refusals above are the changed claims
    expect((await call(CHECK, await forged({}), checkRequest)).status).toBe(200);
    expect(await checksRecorded()).toBe(before + 1);
  });

  it('answers RFC 6749 errors: bad secret, unknown client, disabled client, grant type, scope, request', async () => {
    const wrong = await form({ grant_type: 'client_credentials' }, basic(CREDENTIALS.clientId, 'not-the-secret'));
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error).toBe('invalid_client');
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm="onceonly"/);
    const unknown = await form({ grant_type: 'client_credentials', client_id: 'pc_nobody', client_secret: 'x' });
    expect([unknown.status, JSON.parse(unknown.body).error]).toEqual([401, 'invalid_client']);

    const grant = await form({ grant_type: 'password' }, basic(CREDENTIALS.clientId, CREDENTIALS.secret));
    expect([grant.status, JSON.parse(grant.body).error]).toEqual([400, 'unsupported_grant_type']);
    const scope = await form(
      { grant_type: 'client_credentials', scope: 'certificate.check' },
      basic(VERIFY_ONLY.clientId, VERIFY_ONLY.secret),
    );
    expect([scope.status, JSON.parse(scope.body).error]).toEqual([400, 'invalid_scope']);
    const unknownScope = await form(
      { grant_type: 'client_credentials', scope: 'admin' },
      basic(CREDENTIALS.clientId, CREDENTIALS.secret),
    );
    expect(JSON.parse(unknownScope.body).error).toBe('invalid_scope');
    const both = await form(
      { grant_type: 'client_credentials', client_id: CREDENTIALS.clientId, client_secret: CREDENTIALS.secret },
      basic(CREDENTIALS.clientId, CREDENTIALS.secret),
    );
    expect([both.status, JSON.parse(both.body).error]).toEqual([400, 'invalid_request']);
    const asJson = await send('/oauth2/token', {
      headers: { 'content-type': 'application/json', ...basic(CREDENTIALS.clientId, CREDENTIALS.secret) },
      body: '{"grant_type":"client_credentials"}',
    });
    expect([asJson.status, JSON.parse(asJson.body).error]).toEqual([400, 'invalid_request']);
    const twice = await send('/oauth2/token', {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...basic(CREDENTIALS.clientId, CREDENTIALS.secret),
      },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(JSON.parse(twice.body).error).toBe('invalid_request');
    expect((await send('/oauth2/token', { method: 'GET' })).status).toBe(405);

    const disabled = { clientId: 'pc_test_disabled', secret: randomBytes(32).toString('base64url') };
    const clients = platformClients(db, HUB_SCHEMA);
    await clients.add(
      { clientId: disabled.clientId, name: '停用平台', platformCode: PLATFORM, scopes: ['certificate.check'] },
      disabled.secret,
    );
    await tokenFor(disabled);
    await clients.disable(disabled.clientId);
    const refused = await form({ grant_type: 'client_credentials' }, basic(disabled.clientId, disabled.secret));
    expect([refused.status, JSON.parse(refused.body).error]).toEqual([401, 'invalid_client']);
  });

  it('still names departments by their client certificate on the same listener; a foreign one names nobody', async () => {
    const department = { code: uscc('11310107MB2F03587'), name: '普陀区市场监督管理局', role: 'department' };
    const mtls = await send(WHO, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
      client: issueClient(ca, department),
    });
    expect(mtls.status).toBe(200);
    expect(JSON.parse(mtls.body)).toMatchObject({ departmentCode: department.code, authenticatedBy: 'mtls' });
    const rogue = await send(WHO, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
      client: issueClient(makeCa('Rogue CA'), department),
    });
    expect(refusalOf(rogue)).toMatchObject({ status: 401, code: 'unauthenticated' });
    const nobody = await send(WHO, { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refusalOf(nobody)).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});
