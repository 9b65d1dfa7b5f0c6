/**
 * The merchant-check page for a platform (`/platform`, ADR 037): sign in with the platform's client credentials
 * (`POST /oauth2/token`, ADR 036), read a CSV of credit codes, call CheckLicences over HTTP/JSON in batches with
 * progress, show each merchant's licences as far as their consents allow, and download the result as CSV. What a
 * platform may see, and the answers genuine / may operate, are the hub's: the page only lays them out.
 */
import { callHub, el, HubError, registerServiceWorker, setUpLang, t } from './hub-api.js';

const CHECK = 'onceonly.certificate.v1.PlatformService/CheckLicences';
/** Holders per CheckLicences call (the hub takes up to 100). */
const BATCH = 25;

interface ReasonJson {
  code: string;
  textZh: string;
  textEn: string;
}
interface LicenceJson {
  typeCode: string;
  typeName: string;
  number: string;
  validFrom: string;
  validTo: string;
  status: string;
  genuine?: boolean;
  mayOperate?: boolean;
  genuineReasons: ReasonJson[];
  mayOperateReasons: ReasonJson[];
}
interface HolderCheckJson {
  index: number;
  holderCodeMasked: string;
  licences: LicenceJson[];
  refused: { typeCode: string; reason: string }[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const TOKEN_PATH = '/oauth2/token';
const WHO = 'onceonly.hub.v1.HubService/WhoAmI';
/** A token is renewed this long before its end, so that no batch starts with a token about to run out. */
const RENEW_BEFORE_MS = 15_000;

/** The signed-in platform client: its credentials and its current token, in memory only (never stored). */
interface Session {
  readonly clientId: string;
  readonly secret: string;
  token: string;
  /** When the token runs out (this browser's clock: now + expires_in). */
  expires: number;
  scope: string;
  /** Who the hub says the token names (WhoAmI). */
  who?: { departmentName?: string; departmentCode?: string };
}
let session: Session | undefined;

/** The coded refusals a platform meets, in words (zh, en): the token endpoint's (RFC 6749) and the hub's. */
const REFUSALS: Record<string, readonly [string, string]> = {
  invalid_client: ['客户端 ID 或密钥不正确，或该客户端已停用', 'Unknown client id, wrong secret, or a disabled client'],
  invalid_request: ['登录请求不完整或格式错误', 'The sign-in request is incomplete or malformed'],
  invalid_scope: ['申请的权限超出该客户端的范围', 'The scope asked for is beyond this client'],
  unsupported_grant_type: ['不支持的授权方式', 'Grant type not supported'],
  TOKEN_EXPIRED: [
    '访问令牌已过期，续期失败，请重新登录',
    'The access token has expired and could not be renewed: sign in again',
  ],
  TOKEN_INVALID: ['访问令牌无效，请重新登录', 'The access token is not valid: sign in again'],
  SCOPE_MISSING: [
    '该平台客户端无权核验商家资质（缺少 certificate.check 权限）',
    'This platform client may not check licences (scope certificate.check missing)',
  ],
  unavailable: ['无法连接核验服务', 'The hub cannot be reached'],
  NOT_SIGNED_IN: ['请先登录', 'Sign in first'],
};

/** A refusal's words in the current language, with its code. */
export const refusalText = (code: string): string => {
  const words = REFUSALS[code];
  return words ? `${t(...words)} (${code})` : code;
};

/**
 * The OAuth 2.0 client-credentials grant (RFC 6749 §4.4) as ADR 036 serves it: a form-encoded POST with
 * client_secret_post, the JSON answer `{access_token, token_type: "Bearer", expires_in, scope}`, or `{error}`.
 */
async function requestToken(clientId: string, secret: string): Promise<Omit<Session, 'clientId' | 'secret'>> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
  let response: Response;
  try {
    response = await fetch(TOKEN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      cache: 'no-store',
      // invalid_client answers 401 with `WWW-Authenticate: Basic`: with credentials the browser would open its own
      // sign-in dialog over the page (and a headless one wait for it); without, the page reads the JSON error
      credentials: 'omit',
    });
  } catch (err) {
    throw new HubError('unavailable', err instanceof Error ? err.message : 'network error', 'unavailable');
  }
  const json = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    token_type?: string;
    expires_in?: number;
    scope?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || json.error) {
    const code = json.error ?? 'unknown';
    throw new HubError(code, json.error_description ?? `HTTP ${response.status}`, code);
  }
  if (!json.access_token || json.token_type?.toLowerCase() !== 'bearer' || typeof json.expires_in !== 'number') {
    throw new HubError('unknown', 'the token endpoint answered without a bearer token');
  }
  return { token: json.access_token, expires: Date.now() + json.expires_in * 1000, scope: json.scope ?? '' };
}

/** The signed-in note: who the hub says the token names, the scopes, and until when the token runs. */
function showSession(): void {
  if (!session?.who) return;
  const who = session.who;
  const note = $('signed-in');
  const until = new Date(session.expires).toLocaleTimeString(t('zh-CN', 'en-GB'));
  note.replaceChildren(
    t('已登录：', 'Signed in: '),
    el('strong', { id: 'platform-name' }, who.departmentName ?? ''),
    ` (${who.departmentCode ?? ''}) · ${session.clientId} · ${session.scope} · `,
    t('令牌有效至 ', 'token valid until '),
    el('time', { id: 'token-expires', datetime: new Date(session.expires).toISOString() }, until),
  );
  note.dataset.signedIn = 'true';
  delete note.dataset.code;
}

function showRefusal(target: HTMLElement, code: string): void {
  target.textContent = refusalText(code);
  target.dataset.code = code;
}

/** Signs in with the form's client id and secret, then asks the hub who the token names (WhoAmI). */
async function signIn(): Promise<void> {
  const clientId = $<HTMLInputElement>('client-id').value.trim();
  const secret = $<HTMLInputElement>('client-secret').value;
  const note = $('signed-in');
  if (clientId === '' || secret === '') return;
  session = undefined;
  try {
    session = { clientId, secret, ...(await requestToken(clientId, secret)) };
    session.who = await callHub(WHO, {}, { bearer: session.token });
    showSession();
  } catch (err) {
    session = undefined;
    showRefusal(note, err instanceof HubError ? (err.reason ?? err.code) : 'unknown');
    note.dataset.signedIn = 'false';
  }
}

/** The current token, renewed (a new client-credentials grant) when it has run out or is about to. */
async function bearer(force = false): Promise<string> {
  if (!session) throw new HubError('unauthenticated', 'not signed in', 'NOT_SIGNED_IN');
  if (force || session.expires - RENEW_BEFORE_MS <= Date.now()) {
    Object.assign(session, await requestToken(session.clientId, session.secret));
    session.who = await callHub(WHO, {}, { bearer: session.token });
    showSession();
  }
  return session.token;
}

/** CheckLicences with the token; a token the hub finds expired or invalid is renewed once and the call repeated. */
async function checkBatch(body: unknown): Promise<{ results: HolderCheckJson[] }> {
  try {
    return await callHub(CHECK, body, { bearer: await bearer() });
  } catch (err) {
    if (!(err instanceof HubError && (err.reason === 'TOKEN_EXPIRED' || err.reason === 'TOKEN_INVALID'))) throw err;
    return callHub(CHECK, body, { bearer: await bearer(true) });
  }
}

/** Refusals of the platform itself (its token, its scopes): every batch would meet them, so the check stops. */
const STOPS = new Set(Object.keys(REFUSALS));

/** The credit codes of a CSV text: the first column of each line; a header line (not a code) is skipped. */
export function codesOf(csv: string): string[] {
  const codes: string[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const first = (line.split(',')[0] ?? '').trim().replace(/^"|"$/g, '').toUpperCase();
    if (/^[0-9A-Z]{18}$/.test(first) && !codes.includes(first)) codes.push(first);
  }
  return codes;
}

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const yesNo = (value: boolean | undefined) => (value === undefined ? '' : value ? 'yes' : 'no');
const short = (enumValue: string, prefix: string) => enumValue.replace(prefix, '');
const reasonText = (reasons: ReasonJson[]) =>
  reasons.map((r) => `${short(r.code, 'VERIFICATION_REASON_')} ${t(r.textZh, r.textEn)}`).join('; ');

const CSV_HEADER = [
  'credit_code',
  'consent',
  'type_code',
  'licence',
  'number',
  'valid_from',
  'valid_to',
  'status',
  'genuine',
  'may_operate',
  'reasons',
];

/** One row per licence seen, one per merchant (or type) refused: what the CSV and the table show. */
function rowsOf(code: string, check: HolderCheckJson): string[][] {
  const rows: string[][] = check.licences.map((l) => [
    code,
    'granted',
    l.typeCode,
    l.typeName,
    l.number,
    l.validFrom,
    l.validTo,
    short(l.status, 'LICENCE_STATUS_'),
    yesNo(l.genuine),
    yesNo(l.mayOperate),
    reasonText([...l.genuineReasons, ...l.mayOperateReasons]),
  ]);
  for (const refusal of check.refused) {
    rows.push([code, short(refusal.reason, 'CONSENT_REFUSAL_'), refusal.typeCode, '', '', '', '', '', '', '', '']);
  }
  if (rows.length === 0) rows.push([code, 'granted', '', t('无证照', 'no licence'), '', '', '', '', '', '', '']);
  return rows;
}

let csvUrl: string | undefined;

async function check(): Promise<void> {
  const codes = codesOf($<HTMLTextAreaElement>('codes').value);
  const status = $('status');
  const progress = $<HTMLProgressElement>('progress');
  if (codes.length === 0) {
    status.textContent = t('没有统一社会信用代码', 'No credit codes');
    return;
  }
  delete status.dataset.done;
  delete status.dataset.code;
  if (!session) {
    showRefusal(status, 'NOT_SIGNED_IN');
    return;
  }
  progress.max = codes.length;
  progress.value = 0;
  const rows: string[][] = [];
  for (let start = 0; start < codes.length; start += BATCH) {
    const batch = codes.slice(start, start + BATCH);
    status.textContent = t(`核验中 ${start}/${codes.length}`, `Checking ${start}/${codes.length}`);
    try {
      const answer = await checkBatch({
        holders: batch.map((code) => ({ code, codeType: 'HOLDER_CODE_TYPE_USCC' })),
        purpose: $<HTMLInputElement>('purpose').value.trim(),
      });
      for (const result of answer.results) rows.push(...rowsOf(batch[result.index] ?? '', result));
    } catch (err) {
      const reason = err instanceof HubError ? err.reason : undefined;
      if (reason && STOPS.has(reason)) {
        showRefusal(status, reason);
        return;
      }
      const code = err instanceof HubError ? (reason ?? err.code) : 'unknown';
      for (const c of batch) rows.push([c, `error: ${code}`, '', '', '', '', '', '', '', '', '']);
    }
    progress.value = Math.min(codes.length, start + batch.length);
  }
  status.textContent = t(`已核验 ${codes.length} 家商家`, `${codes.length} merchants checked`);
  status.dataset.done = 'true';
  showTable(rows);
  const csv = `${[CSV_HEADER, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
  if (csvUrl) URL.revokeObjectURL(csvUrl);
  csvUrl = URL.createObjectURL(new Blob([`\ufeff${csv}`], { type: 'text/csv;charset=utf-8' }));
  const link = $<HTMLAnchorElement>('download');
  link.href = csvUrl;
  link.hidden = false;
}

function showTable(rows: string[][]): void {
  const table = $<HTMLTableElement>('results');
  table.replaceChildren(
    el('caption', {}, t('核验结果', 'Result')),
    el('tr', {}, ...CSV_HEADER.map((h) => el('th', { scope: 'col' }, h))),
    ...rows.map((r) => el('tr', { 'data-consent': r[1] ?? '' }, ...r.map((c) => el('td', {}, c)))),
  );
  table.hidden = false;
}

function main(): void {
  registerServiceWorker();
  setUpLang(showSession);
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn();
  });
  $('check-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void check();
  });
  $<HTMLInputElement>('csv-file').addEventListener('change', async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) $<HTMLTextAreaElement>('codes').value = await file.text();
  });
  document.body.dataset.ready = 'true';
}

main();
