/**
 * A Connect client in a browser (issue 15 item 1, ADR 032 and 036): `@connectrpc/connect-web` in Debian's Chromium
 * (driven by playwright-core) on a page served from ANOTHER origin than the hub, against a real hub on PostgreSQL and
 * Kafka. The page gets an OAuth 2.0 token from `/oauth2/token` and calls HubService.WhoAmI with `Authorization:
 * Bearer`, by POST and by GET (`useHttpGet`, WhoAmI is NO_SIDE_EFFECTS), and shows the answers. From an origin in
 * ONCEONLY_HTTP_CORS_ORIGINS it works; from one that is not, the browser refuses the calls (CORS) and the page shows
 * the failure. The page's script (`test/connect-web/page.ts`) is bundled here with the esbuild the hub pins. Without
 * Chromium the test is skipped with a message, except in CI, where its absence fails (`test/chromium.ts`).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descriptorSetPath } from '@onceonly/contracts';
import { createLogger } from '@onceonly/kit';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { build } from 'esbuild';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../test/chromium.js';
import { loadHubConfig } from './config.js';
import { HUB_SCHEMA } from './hub-events.js';
import { platformClients } from './oauth/index.js';
import { type RunningHub, startHub } from './start.js';

const hasChromium = chromiumAvailable('connect-web.e2e');

const PLATFORM = '91310107MA1G8K2D32';
const CLIENT = { clientId: 'pc_test_connect_web', secret: randomBytes(32).toString('base64url') };
const WHO_AM_I = '/onceonly.hub.v1.HubService/WhoAmI';

/** A page server on its own port (its own origin): the page, its bundled script, the descriptor set. */
interface PageSite {
  server: Server;
  origin: string;
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../test/connect-web/page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111'],
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

async function servePage(script: string, data: () => Record<string, string>): Promise<PageSite> {
  const descriptors = readFileSync(descriptorSetPath);
  const server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (req.url === '/descriptors.binpb') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(descriptors);
    } else if (req.url === '/') {
      const attributes = Object.entries(data())
        .map(([name, value]) => ` data-${name}="${value}"`)
        .join('');
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html><head><title>platform</title></head><body${attributes}>` +
            '<p id="token"></p><p id="post"></p><p id="get"></p><script type="module" src="/page.js"></script></body></html>',
        );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeSite = (site: PageSite | undefined) =>
  new Promise<void>((resolve) => (site ? site.server.close(() => resolve()) : resolve()));

interface Visit {
  steps: Record<'token' | 'post' | 'get', { state: string; text: string }>;
  /** The page's requests to the hub (method and path), as the browser made them. */
  requests: { method: string; path: string }[];
  /** What the page wrote to its console (the browser's CORS refusals among them). */
  logs: string[];
}

describe.skipIf(!hasChromium)('@connectrpc/connect-web in Chromium on another origin', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'onceonly-connect-web-'));
  let testDb: TestDatabase;
  let db: Database;
  let hub: RunningHub;
  let allowed: PageSite;
  let refused: PageSite;
  let browser: Browser;
  let fallbackToken = '';

  /** Opens a site's page in a fresh context and reads what each step wrote, and what the browser asked the hub. */
  async function visit(site: PageSite): Promise<Visit> {
    const context = await browser.newContext();
    const page: Page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const requests: Visit['requests'] = [];
    const logs: string[] = [];
    page.on('request', (request: Request) => {
      const url = new URL(request.url());
      if (url.origin === hub.httpUrl) requests.push({ method: request.method(), path: url.pathname });
    });
    page.on('console', (message) => logs.push(message.text()));
    await page.goto(`${site.origin}/`);
    await page.waitForSelector('body[data-ready="true"]');
    const step = async (id: string) => ({
      state: (await page.getAttribute(`#${id}`, 'data-state')) ?? '',
      text: (await page.textContent(`#${id}`)) ?? '',
    });
    const steps = { token: await step('token'), post: await step('post'), get: await step('get') };
    await context.close();
    return { steps, requests, logs };
  }

  beforeAll(async () => {
    const script = await bundlePage();
    const data = () => ({
      hub: hub.httpUrl ?? '',
      client: CLIENT.clientId,
      secret: CLIENT.secret,
      'fallback-token': fallbackToken,
    });
    allowed = await servePage(script, data);
    refused = await servePage(script, data);
    const keyFile = join(dir, 'oauth-signing.key.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    testDb = await freshDatabase('hub_connect_web');
    db = await openDatabase({ url: testDb.url });
    hub = await startHub({
      config: loadHubConfig({
        ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
        ONCEONLY_DATA_DIR: join(dir, 'hub'),
        DATABASE_URL: testDb.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        ONCEONLY_NAMESPACE: uniqueNamespace('cweb'),
        ONCEONLY_OAUTH_KEY: keyFile,
        ONCEONLY_HTTP_CORS_ORIGINS: allowed.origin,
      }),
      log: createLogger({ level: 'silent', service: 'hub' }),
      modules: [],
    });
    await platformClients(db, HUB_SCHEMA).add(
      { clientId: CLIENT.clientId, name: '示例外卖平台', platformCode: PLATFORM, scopes: ['certificate.verify'] },
      CLIENT.secret,
    );
    // the refused page cannot get a token (the browser refuses that answer too): it calls with one got here
    const answer = await fetch(`${hub.httpUrl}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.secret,
      }),
    });
    fallbackToken = ((await answer.json()) as { access_token: string }).access_token;
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await db?.close();
    await testDb?.drop();
    await closeSite(allowed);
    await closeSite(refused);
    rmSync(dir, { recursive: true, force: true });
  });

  it('from an allowed origin: a token, then WhoAmI by POST and by GET with the bearer token, shown in the page', async () => {
    const { steps, requests } = await visit(allowed);
    expect(steps.token).toEqual({ state: 'done', text: JSON.stringify({ scope: 'certificate.verify' }) });
    const me = { departmentCode: PLATFORM, role: 'platform', authenticatedBy: 'oauth' };
    expect(steps.post.state, steps.post.text).toBe('done');
    expect(JSON.parse(steps.post.text)).toMatchObject(me);
    expect(steps.get.state, steps.get.text).toBe('done');
    expect(JSON.parse(steps.get.text)).toMatchObject(me);
    expect(requests).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/oauth2/token' },
        { method: 'POST', path: WHO_AM_I },
        { method: 'GET', path: WHO_AM_I },
      ]),
    );
  });

  it('from an origin not allowed: the browser refuses the token and both calls (CORS), and the page shows it', async () => {
    const { steps, logs } = await visit(refused);
    expect(steps.token.state).toBe('failed');
    expect(steps.post.state, steps.post.text).toBe('failed');
    expect(steps.get.state, steps.get.text).toBe('failed');
    expect(JSON.parse(steps.post.text).message).toMatch(/Failed to fetch/);
    const blocked = logs.filter((line) => line.includes('blocked by CORS policy'));
    expect(blocked.some((line) => line.includes(WHO_AM_I) && line.includes(refused.origin))).toBe(true);
    // the same token outside a browser works: the refusal is the browser's, for the origin
    const direct = await fetch(`${hub.httpUrl}${WHO_AM_I}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fallbackToken}` },
      body: '{}',
    });
    expect(direct.status).toBe(200);
    const preflight = await fetch(`${hub.httpUrl}${WHO_AM_I}`, {
      method: 'OPTIONS',
      headers: {
        origin: refused.origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
