/**
 * The merchant-check page for a platform (`/platform`, ADR 037): sign in with the platform's client credentials
 * (`POST /oauth2/token`, ADR 036), read a CSV of credit codes, call CheckLicences over HTTP/JSON in batches with
 * progress, show each merchant's licences as far as their consents allow, and download the result as CSV. What a
 * platform may see, and the answers genuine / may operate, are the hub's: the page only lays them out.
 */
import { callHub, type DevCaller, el, HubError, registerServiceWorker, setUpLang, t } from './hub-api.js';

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

let token: { value: string; expires: number } | undefined;

/** The OAuth 2.0 client-credentials grant (RFC 6749 §4.4), client_secret_post. */
async function signIn(): Promise<void> {
  const id = $<HTMLInputElement>('client-id').value.trim();
  const secret = $<HTMLInputElement>('client-secret').value;
  const note = $('signed-in');
  if (id === '' || secret === '') return;
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
  try {
    const response = await fetch('/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      cache: 'no-store',
    });
    const json = (await response.json()) as { access_token?: string; expires_in?: number; error?: string };
    if (!response.ok || !json.access_token)
      throw new HubError(json.error ?? 'unauthenticated', `HTTP ${response.status}`);
    token = { value: json.access_token, expires: Date.now() + (json.expires_in ?? 300) * 1000 };
    note.textContent = t(`已登录：${id}`, `Signed in: ${id}`);
    note.dataset.signedIn = 'true';
  } catch (err) {
    token = undefined;
    note.textContent = t('登录失败', 'Sign-in failed') + (err instanceof HubError ? ` (${err.code})` : '');
    note.dataset.signedIn = 'false';
  }
}

const devCaller = (): DevCaller | undefined => {
  const code = $<HTMLInputElement>('dev-caller').value.trim();
  return code === '' ? undefined : { code, role: 'platform' };
};

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
  if (token && token.expires < Date.now()) await signIn();
  const auth = token ? { bearer: token.value } : { caller: devCaller() };
  progress.max = codes.length;
  progress.value = 0;
  const rows: string[][] = [];
  for (let start = 0; start < codes.length; start += BATCH) {
    const batch = codes.slice(start, start + BATCH);
    status.textContent = t(`核验中 ${start}/${codes.length}`, `Checking ${start}/${codes.length}`);
    try {
      const answer = await callHub<{ results: HolderCheckJson[] }>(
        CHECK,
        {
          holders: batch.map((code) => ({ code, codeType: 'HOLDER_CODE_TYPE_USCC' })),
          purpose: $<HTMLInputElement>('purpose').value.trim(),
        },
        auth,
      );
      for (const result of answer.results) rows.push(...rowsOf(batch[result.index] ?? '', result));
    } catch (err) {
      const code = err instanceof HubError ? err.code : 'unknown';
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
  setUpLang(() => undefined);
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
