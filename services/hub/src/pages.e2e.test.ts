/**
 * The hub's pages in a real browser (issue 15 items 4, 5 and 8; ADR 037): Debian's Chromium driven by
 * playwright-core, against the built hub in a child process on real PostgreSQL and Kafka. `/verify` verifies in the
 * browser (WebCrypto, the cached trust list and status lists) and confirms online; `/platform` checks merchants
 * through CheckLicences and gives a CSV. Without Chromium the tests are skipped with a message, except in CI (the
 * `CI` variable set), where its absence fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../test/chromium.js';
import { HUB_SCHEMA } from './hub-events.js';
import { devTokenKeyPath, platformClients } from './oauth/index.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** Where the README's screenshots are written when asked (`ONCEONLY_SCREENSHOTS=docs/screenshots`). */
const SHOTS = process.env.ONCEONLY_SCREENSHOTS;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const hasChromium = chromiumAvailable('pages.e2e');

const MARKET = '11310107MB2F03587N';
const HEALTH = '11310107MB2F01231F';
const CULTURE = '11310107MB2F048115';
const CENTRE = '12310107MB2F05636F';
const PLATFORM = '91310107MA1G8K2D32';
const PORTAL = '12310000MB2F09912L';
const CAFE = '91310107MA1H2B3C44';
const CINEMA = '91310107MA1J5K6L7A';
const NO_CONSENT = '91310107MA1K9P8Q78';
const PREMISES = '上海市普陀区长寿路100号';
/** Platform clients registered as `onceonly platform-client add` does: one that may check, one that may only verify. */
const CHECKER = { clientId: 'pc_pages_marketplace', secret: 'pages-test-checker-secret-0123456789' };
const VERIFIER = { clientId: 'pc_pages_verifier', secret: 'pages-test-verifier-secret-0123456789' };

interface Hub {
  child: ChildProcess;
  http: string;
  readyLine: string;
}

function runHub(env: NodeJS.ProcessEnv): Promise<Hub> {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { PATH: process.env.PATH, ONCEONLY_LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('onceonly ready:'));
      if (line) resolve({ child, readyLine: line, http: /http=(\S+)/.exec(line)?.[1] ?? '' });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`hub exited with ${code} before ready:\n${out}`)));
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', () => resolve())));

describe.skipIf(!hasChromium)('the verification and merchant-check pages in Chromium', { timeout: 240_000 }, () => {
  const keysDir = mkdtempSync(join(tmpdir(), 'onceonly-pages-'));
  const secrets = {
    ONCEONLY_KEY_PASSPHRASE: 'pages-test-passphrase-0123456789',
    ONCEONLY_HOLDER_HASH_KEY: 'pages-test-holder-hash-key-0123456789',
    ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 2).toString('base64'),
  };
  let db: TestDatabase;
  let hub: Hub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** One RPC over the hub's HTTP/JSON face with the development identity. */
  async function rpc<T>(method: string, body: unknown, as: string, role?: string): Promise<T> {
    const response = await fetch(`${hub.http}/onceonly.certificate.v1.${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-onceonly-caller': as,
        ...(role ? { 'x-onceonly-role': role } : {}),
      },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method}: ${JSON.stringify(json)}`);
    return json;
  }

  interface Issued {
    certificate: { id: string; qrPayload: string; jws: string };
  }
  const holder = (code: string, name: string) => ({ code, codeType: 'HOLDER_CODE_TYPE_USCC', name });
  let types: { typeCode: string; nameZh: string }[] = [];
  const typeCode = (name: string) => types.find((t) => t.nameZh === name)?.typeCode ?? name;

  const issue = (as: string, type: string, code: string, name: string, fields: Record<string, string>) =>
    rpc<Issued>(
      'CertificateService/IssueCertificate',
      { typeCode: typeCode(type), holder: holder(code, name), fields },
      as,
    );

  const foodFields = {
    legal_representative: '王明',
    premises: '上海市普陀区长寿路1号',
    main_format: '餐饮服务经营者',
    business_items: '热食类食品制售',
  };

  let cafe: Issued;
  let second: Issued;
  let cinema: Issued;

  beforeAll(async () => {
    // an embedded start makes the CA and keys; the hub under test runs on PostgreSQL and Kafka with them
    const embedded = await runHub({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: keysDir, ...secrets });
    embedded.child.kill('SIGTERM');
    await exitOf(embedded.child);
    db = await freshDatabase('pages');
    const auditKey = join(keysDir, 'keys', 'audit-note.key');
    hub = await runHub({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      ONCEONLY_NAMESPACE: uniqueNamespace('pages'),
      ONCEONLY_CA_CERT: join(keysDir, 'keys', 'ca.pem'),
      ONCEONLY_CA_KEY: join(keysDir, 'keys', 'ca.key.pem'),
      ONCEONLY_OAUTH_KEY: devTokenKeyPath(keysDir),
      ...secrets,
      ...(existsSync(auditKey) ? { ONCEONLY_AUDIT_NOTE_KEY: readFileSync(auditKey, 'utf8').trim() } : {}),
    });
    const database = await openDatabase({ url: db.url });
    const clients = platformClients(database, HUB_SCHEMA);
    const marketplace = { name: '示例外卖平台', platformCode: PLATFORM };
    await clients.add({ ...marketplace, clientId: CHECKER.clientId, scopes: ['certificate.check'] }, CHECKER.secret);
    await clients.add({ ...marketplace, clientId: VERIFIER.clientId, scopes: ['certificate.verify'] }, VERIFIER.secret);
    await database.close();
    // external mode seeds nothing: each issuing department creates its seal
    for (const [department, kind] of [
      [MARKET, 'SEAL_KIND_LICENSING'],
      [HEALTH, 'SEAL_KIND_LICENSING'],
      [CULTURE, 'SEAL_KIND_LICENSING'],
      [CENTRE, 'SEAL_KIND_INDUSTRY_LICENCE'],
    ] as const) {
      await rpc('SealService/CreateSeal', { departmentCode: department, kind }, department);
    }
    types = (
      await rpc<{ types: { typeCode: string; nameZh: string }[] }>(
        'CertificateService/ListCertificateTypes',
        {},
        MARKET,
      )
    ).types;
    cafe = await issue(MARKET, '11100000000013338W002', CAFE, '上海示例咖啡有限公司', foodFields);
    second = await issue(MARKET, '11100000000013338W002', CAFE, '上海示例咖啡有限公司', {
      ...foodFields,
      premises: '上海市普陀区长寿路2号',
    });
    const film = await issue(CULTURE, '电影放映经营许可证', CINEMA, '上海长寿影城有限公司', {
      legal_representative: '王芳',
      premises: PREMISES,
      screens: '6',
      seats: '820',
    });
    const hygiene = await issue(HEALTH, '公共场所卫生许可证', CINEMA, '上海长寿影城有限公司', {
      legal_representative: '王芳',
      premises: PREMISES,
      venue_category: '影剧院',
      licensed_items: '影剧院',
    });
    cinema = await rpc<Issued>(
      'CertificateService/IssueIndustryLicence',
      {
        holder: holder(CINEMA, '上海长寿影城有限公司'),
        industryCode: 'cinema',
        componentCertificateIds: [film.certificate.id, hygiene.certificate.id],
        fields: { legal_representative: '王芳', premises: PREMISES },
      },
      CENTRE,
    );
    await rpc(
      'ConsentService/GrantConsent',
      {
        holder: holder(CINEMA, '上海长寿影城有限公司'),
        platformCode: PLATFORM,
        typeCodes: types.map((t) => t.typeCode),
        purpose: 'merchant-onboarding',
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
      PORTAL,
      'portal',
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
  }, 1_500_000);

  afterAll(async () => {
    await browser?.close();
    hub?.child.kill('SIGTERM');
    if (hub) await exitOf(hub.child);
    await db?.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  async function openVerify(): Promise<void> {
    await page.goto(`${hub.http}/verify`);
    await page.waitForSelector('body[data-ready="true"]');
  }

  /** Pastes a text, verifies, and waits for the online answer (or its failure). */
  async function verifyText(text: string): Promise<{ verdict: string; headline: string; answers: string }> {
    await page.fill('#qr-text', text);
    await page.click('#verify');
    await page.waitForSelector('#status[data-state="done"]');
    // the result is shown: its text read below (textContent, the DOM's) is what the user sees; none of it is hidden
    expect(await page.isVisible('#result')).toBe(true);
    return {
      verdict: (await page.getAttribute('#headline', 'data-verdict')) ?? '',
      headline: (await page.textContent('#headline')) ?? '',
      answers: (await page.textContent('#answers')) ?? '',
    };
  }

  it('the ready line names both pages', () => {
    expect(hub.readyLine).toContain(`verify=${hub.http}/verify platform=${hub.http}/platform`);
  });

  it('VALID for a fresh licence, offline in the browser and confirmed online; the QR drawn', async () => {
    await openVerify();
    await page.click('#verify-form summary');
    await page.fill('#caller', 'inspector-1');
    await page.click('#refresh');
    await page.waitForSelector('#cache-note[data-lists]:not([data-lists="0"])');
    const result = await verifyText(cafe.certificate.qrPayload);
    expect(result.verdict).toBe('VALID');
    expect(result.headline).toContain('有效');
    expect(result.answers).toContain('离线核验');
    expect(result.answers).toContain('联网核验');
    expect(await page.textContent('#face')).toContain('上海示例咖啡有限公司');
    expect(await page.isVisible('#qr')).toBe(true);
  });

  it('NOT VALID with the reason in words for a tampered text', async () => {
    const [h, p, s] = cafe.certificate.jws.split('.');
    const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, holderName: '冒名顶替有限公司' })).toString('base64url');
    const result = await verifyText(`${h}.${forged}.${s}`);
    expect(result.verdict).toBe('NOT VALID');
    expect(result.headline).toContain('SIGNATURE_INVALID');
    expect(await page.locator('#answers li[data-code="SIGNATURE_INVALID"]').first().textContent()).toMatch(/签/);
  });

  it('shows every component of an industry licence with its own status', async () => {
    const result = await verifyText(cinema.certificate.qrPayload);
    expect(result.verdict).toBe('VALID');
    const rows = page.locator('#components tr[data-status]');
    expect(await rows.count()).toBe(2);
    expect(await page.textContent('#components')).toContain('电影放映经营许可证');
    expect(await page.textContent('#components')).toContain('公共场所卫生许可证');
    expect(await page.locator('#components tr[data-status="LICENCE_STATUS_VALID"]').count()).toBe(2);
    if (SHOTS) await page.screenshot({ path: join(REPO, SHOTS, 'verify.png'), fullPage: true });
  });

  it('REVOKED after a revocation, once the status list is refreshed (offline and online)', async () => {
    await rpc(
      'CertificateService/RevokeCertificate',
      {
        id: cafe.certificate.id,
        kind: 'REVOCATION_KIND_REVOKED',
        reason: '虚假承诺',
        legalBasis: '行政许可法第六十九条',
      },
      MARKET,
    );
    const result = await verifyText(cafe.certificate.qrPayload);
    expect(result.verdict).toBe('NOT VALID');
    expect(result.headline).toContain('REVOKED');
    const offline = await page.locator('#answers li[data-code="REVOKED"]').count();
    expect(offline).toBeGreaterThanOrEqual(2); // the browser's own verdict from the refreshed list, and the hub's
  });

  /** Opens /platform and signs in with a client id and secret; resolves when the page says whether it worked. */
  async function signIn(client: { clientId: string; secret: string }): Promise<{ page: Page; note: string }> {
    const check = await context.newPage();
    await check.goto(`${hub.http}/platform`);
    await check.waitForSelector('body[data-ready="true"]');
    await check.fill('#client-id', client.clientId);
    await check.fill('#client-secret', client.secret);
    await check.click('#sign-in button[type="submit"]');
    await check.waitForSelector('#signed-in[data-signed-in]');
    return { page: check, note: (await check.textContent('#signed-in')) ?? '' };
  }

  async function runCheck(check: Page, csv: string): Promise<void> {
    await check.fill('#codes', csv);
    await check.fill('#purpose', 'merchant-onboarding');
    await check.click('#check');
    await check.waitForSelector('#status[data-done="true"], #status[data-code]', { timeout: 60_000 });
  }

  it('a registered platform client signs in (client credentials) and gets each merchant’s licences as far as consents allow, as CSV', async () => {
    const tokenRequests: string[] = [];
    const { page: check, note } = await signIn(CHECKER);
    check.on('request', (r) => {
      if (r.url().endsWith('/oauth2/token')) tokenRequests.push(r.postData() ?? '');
    });
    expect(await check.getAttribute('#signed-in', 'data-signed-in'), note).toBe('true');
    expect(note).toContain('已登录');
    expect(await check.textContent('#platform-name')).toBe('示例外卖平台');
    expect(note).toContain(PLATFORM);
    expect(note).toContain('certificate.check');
    const expires = Date.parse((await check.getAttribute('#token-expires', 'datetime')) ?? '');
    expect(expires - Date.now()).toBeGreaterThan(200_000); // the hub's default lifetime, 300 s
    expect(expires - Date.now()).toBeLessThanOrEqual(300_000);
    await runCheck(check, `credit_code\n${CINEMA}\n${NO_CONSENT}\n`);
    expect(await check.getAttribute('#status', 'data-done')).toBe('true');
    expect(await check.getAttribute('#progress', 'value')).toBe('2');
    const [download] = await Promise.all([check.waitForEvent('download'), check.click('#download')]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8').replace(/^\ufeff/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'credit_code,consent,type_code,licence,number,valid_from,valid_to,status,genuine,may_operate,reasons',
    );
    const cinemaRows = lines.filter((l) => l.startsWith(`${CINEMA},granted,`));
    expect(cinemaRows.map((l) => l.split(',')[3]).sort(), csv).toEqual(
      ['公共场所卫生许可证', '电影放映经营许可证', '行业综合许可证'].sort(),
    );
    for (const row of cinemaRows) expect(row.split(',').slice(7, 10)).toEqual(['VALID', 'yes', 'yes']);
    expect(lines.filter((l) => l.startsWith(`${NO_CONSENT},`))).toEqual([`${NO_CONSENT},NO_CONSENT,,,,,,,,,`]);
    if (SHOTS) await check.screenshot({ path: join(REPO, SHOTS, 'platform.png'), fullPage: true });
    expect(tokenRequests).toEqual([]); // the token from the sign-in was still good

    // the page's clock past the token's end: the next check renews it (a new grant) before calling
    await check.clock.install();
    await check.clock.fastForward('05:00');
    await runCheck(check, CINEMA);
    expect(await check.getAttribute('#status', 'data-done')).toBe('true');
    expect(tokenRequests).toHaveLength(1);
    expect(new URLSearchParams(tokenRequests[0])).toEqual(
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CHECKER.clientId,
        client_secret: CHECKER.secret,
      }),
    );
    expect(Date.parse((await check.getAttribute('#token-expires', 'datetime')) ?? '')).toBeGreaterThan(expires);
    await check.close();
  });

  it('a wrong secret is refused with invalid_client, in words', async () => {
    const { page: check, note } = await signIn({ clientId: CHECKER.clientId, secret: 'not-the-secret' });
    expect(await check.getAttribute('#signed-in', 'data-signed-in')).toBe('false');
    expect(await check.getAttribute('#signed-in', 'data-code')).toBe('invalid_client');
    expect(note).toContain('客户端 ID 或密钥不正确');
    await check.click('#lang');
    await runCheck(check, CINEMA);
    expect(await check.textContent('#status')).toBe('Sign in first (NOT_SIGNED_IN)');
    await check.click('#lang');
    await check.close();
  });

  it('a client with only certificate.verify signs in but is refused CheckLicences with SCOPE_MISSING, in words', async () => {
    const { page: check } = await signIn(VERIFIER);
    expect(await check.getAttribute('#signed-in', 'data-signed-in')).toBe('true');
    await runCheck(check, CINEMA);
    expect(await check.getAttribute('#status', 'data-code')).toBe('SCOPE_MISSING');
    expect(await check.textContent('#status')).toBe(
      '该平台客户端无权核验商家资质（缺少 certificate.check 权限） (SCOPE_MISSING)',
    );
    expect(await check.isHidden('#results')).toBe(true);
    await check.click('#lang'); // English: the signed-in note follows at once, the next refusal is in English
    expect(await check.textContent('#signed-in')).toMatch(/^Signed in: 示例外卖平台 .* token valid until /);
    await runCheck(check, CINEMA);
    expect(await check.textContent('#status')).toBe(
      'This platform client may not check licences (scope certificate.check missing) (SCOPE_MISSING)',
    );
    await check.click('#lang');
    await check.close();
  });

  it('VALID while the hub is stopped, after one online visit (offline)', async () => {
    await openVerify();
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    expect((await verifyText(second.certificate.qrPayload)).verdict).toBe('VALID'); // online: lists refreshed
    hub.child.kill('SIGTERM');
    await exitOf(hub.child);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const result = await verifyText(second.certificate.qrPayload);
    expect(result.verdict).toBe('VALID');
    expect(result.headline).toContain('离线核验');
    expect(result.answers).toContain('无法联网确认');
  });
});

if (SHOTS) mkdirSync(join(REPO, SHOTS), { recursive: true });
