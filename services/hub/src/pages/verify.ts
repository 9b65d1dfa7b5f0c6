/**
 * The verification page (`/verify`, ADR 037): a QR text pasted or scanned, verified in the browser with the same
 * offline verifier as `onceonly cert verify --offline` (WebCrypto, the cached trust list and status lists), then
 * confirmed online by VerifyCertificate when the hub answers. The page decides nothing itself: the verdicts, their
 * reasons and their words come from `@onceonly/certificate/web` offline and from the hub online.
 */
import { createBrowserVerifier, type Finding, findingWords, type OfflineVerification } from '@onceonly/certificate/web';
import jsQRModule from 'jsqr';
import QRCode from 'qrcode';
import { callHub, currentLang, type DevCaller, el, HubError, registerServiceWorker, setUpLang, t } from './hub-api.js';

// jsqr is CommonJS with a default export: its function sits on `default` once bundled as ESM
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

const CERT = 'onceonly.certificate.v1.CertificateService';
const TRUST_KEY = 'onceonly.trust';
const LISTS_KEY = 'onceonly.statusLists';
const CALLER_KEY = 'onceonly.verifier';
const PURPOSES = ['revocation', 'suspension'] as const;

interface SealJson {
  kid: string;
  departmentCode: string;
  departmentName: string;
  name: string;
}
interface TrustJson {
  trustListPem: string;
  seals: SealJson[];
  generatedAt: string;
}
interface StoredTrust {
  pem: string;
  seals: SealJson[];
  fetchedAt: string;
}
interface StoredList {
  jws: string;
  updatedAt: string;
  fetchedAt: string;
}
interface VerdictReasonJson {
  code: string;
  warning: boolean;
  textZh: string;
  textEn: string;
}
interface ComponentJson {
  typeName: string;
  identifier: string;
  number: string;
  issuer: string;
  status: string;
  required: boolean;
}
interface OnlineJson {
  reasons: string[];
  status: string;
  genuine?: boolean;
  genuineReasons: VerdictReasonJson[];
  mayOperate?: boolean;
  mayOperateReasons: VerdictReasonJson[];
  checkedAt: string;
  industry?: { components: ComponentJson[] };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const readJson = <T>(key: string, fallback: T): T => {
  try {
    const text = localStorage.getItem(key);
    return text === null ? fallback : (JSON.parse(text) as T);
  } catch {
    return fallback;
  }
};

const caller = (): DevCaller | undefined => {
  const code = ($<HTMLInputElement>('caller').value ?? '').trim();
  return code === '' ? undefined : { code };
};

const listKey = (issuer: string, purpose: string, n: number) => `${issuer}/${purpose}/${n}`;

/** Fetches the trust list (GetTrustBundle) and keeps it. False when the hub does not answer. */
async function refreshTrust(): Promise<boolean> {
  try {
    const trust = await callHub<TrustJson>(
      'onceonly.certificate.v1.SealService/GetTrustBundle',
      {},
      { caller: caller() },
    );
    const stored: StoredTrust = { pem: trust.trustListPem, seals: trust.seals, fetchedAt: new Date().toISOString() };
    localStorage.setItem(TRUST_KEY, JSON.stringify(stored));
    verifier = undefined;
    return true;
  } catch {
    return false;
  }
}

/** Fetches an issuer's sealed status lists (both purposes) of one list number and keeps them. */
async function refreshLists(issuer: string, listNumber: number): Promise<boolean> {
  const lists = readJson<Record<string, StoredList>>(LISTS_KEY, {});
  try {
    for (const purpose of PURPOSES) {
      const answer = await callHub<{ jws: string; updatedAt: string }>(
        `${CERT}/GetStatusList`,
        { issuerCode: issuer, purpose: `STATUS_PURPOSE_${purpose.toUpperCase()}`, listNumber },
        { caller: caller() },
      );
      lists[listKey(issuer, purpose, listNumber)] = {
        jws: answer.jws,
        updatedAt: answer.updatedAt,
        fetchedAt: new Date().toISOString(),
      };
    }
  } catch {
    return false;
  }
  localStorage.setItem(LISTS_KEY, JSON.stringify(lists));
  return true;
}

/** When online: the trust list and list 0 of every department that has a seal, so that offline works later. */
async function refreshAll(): Promise<void> {
  setNote(t('正在更新信任列表和状态列表…', 'Updating the trust list and status lists…'));
  if (!(await refreshTrust())) {
    showCache();
    return;
  }
  const issuers = new Set(readJson<StoredTrust | null>(TRUST_KEY, null)?.seals.map((s) => s.departmentCode) ?? []);
  const lists = readJson<Record<string, StoredList>>(LISTS_KEY, {});
  const numbers = new Map<string, Set<number>>();
  for (const key of Object.keys(lists)) {
    const [issuer, , n] = key.split('/');
    if (issuer && n) numbers.set(issuer, (numbers.get(issuer) ?? new Set()).add(Number(n)));
  }
  for (const issuer of issuers) numbers.set(issuer, (numbers.get(issuer) ?? new Set()).add(0));
  for (const [issuer, ns] of numbers) for (const n of ns) await refreshLists(issuer, n);
  showCache();
}

let verifier: Awaited<ReturnType<typeof createBrowserVerifier>> | undefined;

async function offlineVerifier() {
  const trust = readJson<StoredTrust | null>(TRUST_KEY, null);
  if (!trust) return undefined;
  verifier ??= await createBrowserVerifier(trust.pem);
  return verifier;
}

function setNote(text: string): void {
  $('cache-note').textContent = text;
}

function showCache(): void {
  const trust = readJson<StoredTrust | null>(TRUST_KEY, null);
  const lists = Object.keys(readJson<Record<string, StoredList>>(LISTS_KEY, {})).length;
  $('cache-note').dataset.lists = String(lists);
  setNote(
    trust
      ? t(
          `信任列表获取于 ${new Date(trust.fetchedAt).toLocaleString('zh-CN')}；已缓存 ${lists} 份状态列表。断网时仍可核验。`,
          `Trust list fetched ${new Date(trust.fetchedAt).toLocaleString('en-GB')}; ${lists} status lists cached. Verification works offline.`,
        )
      : t('尚无信任列表：请联网打开一次本页。', 'No trust list yet: open this page once while online.'),
  );
}

const wordsOf = (finding: Finding) => {
  const words = findingWords(finding);
  return currentLang() === 'zh' ? words.zh : words.en;
};

/** One verdict line: the answer and its reasons in words (with their codes, for the hub's staff). */
function answerBlock(
  label: string,
  yes: boolean | undefined,
  reasons: { code: string; text: string; warning: boolean }[],
) {
  const answer = yes === undefined ? t('未能确定', 'not established') : yes ? t('是', 'yes') : t('否', 'NO');
  const list = el('ul', { class: 'reasons' });
  for (const r of reasons) {
    list.append(
      el('li', { class: r.warning ? 'warning' : 'reason', 'data-code': r.code }, r.text, ' ', el('code', {}, r.code)),
    );
  }
  return el('div', { class: `answer ${yes ? 'yes' : 'no'}` }, el('strong', {}, `${label}: ${answer}`), list);
}

const offlineReasons = (findings: readonly Finding[]) =>
  findings.map((f) => ({ code: f.code, text: wordsOf(f), warning: f.warning }));

const onlineReasons = (reasons: VerdictReasonJson[]) =>
  reasons.map((r) => ({
    code: r.code.replace(/^VERIFICATION_REASON_/, ''),
    text: currentLang() === 'zh' ? r.textZh : r.textEn,
    warning: r.warning,
  }));

const STATUS_WORDS: Record<string, [string, string]> = {
  LICENCE_STATUS_VALID: ['有效', 'valid'],
  LICENCE_STATUS_SUSPENDED: ['暂扣', 'suspended'],
  LICENCE_STATUS_WITHDRAWN: ['撤回', 'withdrawn'],
  LICENCE_STATUS_CANCELLED: ['注销', 'cancelled'],
  LICENCE_STATUS_EXPIRED: ['过期', 'expired'],
  LICENCE_STATUS_TRANSFERRED_OUT: ['迁出', 'transferred out'],
  LICENCE_STATUS_REVOKED: ['吊销', 'revoked'],
};
const statusWords = (status: string) => {
  const words = STATUS_WORDS[status];
  return words ? t(words[0], words[1]) : t('未知', 'unknown');
};

let last: { text: string; offline?: OfflineVerification; online?: OnlineJson; onlineError?: string } | undefined;

/** The headline: VALID only when both answers are yes (online when the hub answered, else offline). */
function headline(genuine: boolean | undefined, mayOperate: boolean | undefined, codes: string[], source: string) {
  const valid = genuine === true && mayOperate === true;
  const box = $('headline');
  box.dataset.verdict = valid ? 'VALID' : 'NOT VALID';
  box.className = valid ? 'headline ok' : 'headline bad';
  box.replaceChildren(
    el('span', { class: 'big' }, valid ? t('有效', 'VALID') : t('无效', 'NOT VALID')),
    el('span', { class: 'codes' }, valid ? 'VALID' : `NOT VALID  ${codes.join(' ')}`),
    el('span', { class: 'source' }, source),
  );
}

function render(): void {
  if (!last) return;
  const { offline, online, onlineError } = last;
  const result = $('result');
  result.hidden = false;
  if (online) {
    const codes = online.reasons.map((r) => r.replace(/^VERIFICATION_REASON_/, ''));
    headline(
      online.genuine,
      online.mayOperate,
      codes,
      t('已联网核验（发证机关记录）', 'confirmed online (the issuer’s record)'),
    );
  } else if (offline) {
    const codes = [...offline.genuineFindings, ...offline.operationFindings]
      .filter((f) => !f.warning)
      .map((f) => f.code);
    headline(
      offline.genuine,
      offline.mayOperate,
      [...new Set(codes)],
      t('离线核验（本机缓存的信任列表和状态列表）', 'verified offline (cached trust list and status lists)'),
    );
  }
  const answers = $('answers');
  answers.replaceChildren();
  // the two answers of one verification (ADR 033), under its heading
  type Reasons = Parameters<typeof answerBlock>[2];
  const twoAnswers = (
    heading: string,
    genuineLabel: string,
    genuine: boolean | undefined,
    genuineWhy: Reasons,
    may: boolean | undefined,
    mayWhy: Reasons,
  ) =>
    answers.append(
      el('h3', {}, heading),
      answerBlock(genuineLabel, genuine, genuineWhy),
      answerBlock(t('可凭证经营', 'May operate'), may, mayWhy),
    );
  if (offline) {
    twoAnswers(
      t('离线核验', 'Offline verification'),
      t('真实（印章、证书链）', 'Genuine (seal, chain)'),
      offline.genuine,
      offlineReasons(offline.genuineFindings),
      offline.mayOperate,
      offlineReasons(offline.operationFindings),
    );
  }
  if (online) {
    twoAnswers(
      t('联网核验', 'Online verification'),
      t('真实（印章、证书链、记录）', 'Genuine (seal, chain, record)'),
      online.genuine,
      onlineReasons(online.genuineReasons),
      online.mayOperate,
      onlineReasons(online.mayOperateReasons),
    );
  } else if (onlineError) {
    answers.append(el('p', { class: 'notice', id: 'online-note' }, onlineError));
  }
  renderFace(offline?.payload, offline, online);
}

function row(dl: HTMLElement, term: string, value: string | undefined) {
  if (value === undefined || value === '') return;
  dl.append(el('dt', {}, term), el('dd', {}, value));
}

function renderFace(payload: Record<string, unknown> | undefined, offline?: OfflineVerification, online?: OnlineJson) {
  const face = $('face');
  face.replaceChildren();
  if (!payload) return;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const dl = el('dl', {});
  row(dl, t('证照名称', 'Licence'), str(payload.licenceName));
  row(dl, t('证照编号', 'Number'), str(payload.licenceNumber));
  row(dl, t('持证主体', 'Holder'), str(payload.holderName));
  row(dl, t('主体代码', 'Holder code'), str(payload.holderCode));
  row(dl, t('发证机关', 'Issuing department'), `${str(payload.issuer) ?? ''} (${str(payload.issuerCode) ?? ''})`);
  const seal = readJson<StoredTrust | null>(TRUST_KEY, null)?.seals.find((s) => s.kid === offline?.sealKid);
  row(dl, t('电子印章', 'Seal'), seal ? `${seal.name} · ${seal.departmentName} · ${seal.kid}` : offline?.sealKid);
  row(dl, t('签章时间', 'Sealed at'), offline?.sealedAt?.toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB'));
  row(dl, t('有效期', 'Valid'), `${str(payload.validFrom) ?? ''} — ${str(payload.validTo) ?? t('长期', 'long-term')}`);
  row(dl, t('发证日期', 'Issued'), str(payload.issueDate));
  if (online) row(dl, t('当前状态', 'Status now'), statusWords(online.status));
  const fields = payload.face;
  if (fields && typeof fields === 'object') {
    for (const [key, value] of Object.entries(fields as Record<string, unknown>)) row(dl, key, str(value));
  }
  face.append(el('h3', {}, t('照面信息', 'Face of the licence')), dl);
  const industry = payload.industry as { components?: { licenceName: string; licenceId: string }[] } | undefined;
  if (industry?.components) {
    const table = el('table', { id: 'components' });
    table.append(
      el('caption', {}, t('行业综合许可证的各项许可', 'The permits of this industry licence')),
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, t('许可', 'Permit')),
        el('th', { scope: 'col' }, t('标识', 'Identifier')),
        el('th', { scope: 'col' }, t('状态', 'Status')),
      ),
    );
    for (const c of industry.components) {
      const live = online?.industry?.components.find((o) => o.identifier === c.licenceId);
      const status = live
        ? `${statusWords(live.status)}${live.required ? '' : t('（非必备）', ' (optional)')}`
        : t('离线无法核验，请联网', 'not checkable offline: verify online');
      table.append(
        el(
          'tr',
          { 'data-status': live?.status ?? 'UNCHECKED' },
          el('td', {}, c.licenceName),
          el('td', {}, c.licenceId),
          el('td', {}, status),
        ),
      );
    }
    face.append(table);
  }
}

async function renderQr(text: string): Promise<void> {
  const canvas = $<HTMLCanvasElement>('qr');
  try {
    await QRCode.toCanvas(canvas, text.trim(), { errorCorrectionLevel: 'Q', margin: 2, width: 240 });
    canvas.hidden = false;
  } catch {
    canvas.hidden = true;
  }
}

async function verify(): Promise<void> {
  const text = $<HTMLTextAreaElement>('qr-text').value.trim();
  if (text === '') return;
  localStorage.setItem(CALLER_KEY, $<HTMLInputElement>('caller').value.trim());
  $('status').textContent = t('核验中…', 'Verifying…');
  $('status').dataset.state = 'verifying';
  last = { text };
  const lists = () => Object.values(readJson<Record<string, StoredList>>(LISTS_KEY, {})).map((l) => l.jws);
  const check = await offlineVerifier();
  if (check) {
    let offline = await check(text, { statusLists: lists() });
    const issuer = offline.payload?.issuerCode;
    if (navigator.onLine && typeof issuer === 'string' && offline.statusSlot) {
      // online: the issuer's lists as of now, then the same verification again
      if (await refreshLists(issuer, offline.statusSlot.listNumber))
        offline = await check(text, { statusLists: lists() });
    }
    last.offline = offline;
    showCache();
  }
  render();
  void renderQr(text);
  try {
    const body = text.startsWith('OO1:') ? { qrPayload: text } : { jws: text };
    last.online = await callHub<OnlineJson>(`${CERT}/VerifyCertificate`, body, { caller: caller() });
  } catch (err) {
    const offlineNote = t(
      '无法联网确认：以上为离线核验结果。',
      'Could not confirm online: the verdict above is offline.',
    );
    last.onlineError =
      err instanceof HubError && err.code !== 'unavailable'
        ? `${offlineNote} (${err.code}: ${err.message})`
        : offlineNote;
  }
  render();
  $('status').textContent = t('核验完成', 'Verified');
  $('status').dataset.state = 'done';
}

let stream: MediaStream | undefined;

/** Scans with the camera (getUserMedia), decoding frames with jsQR until a QR text is found. */
async function scan(): Promise<void> {
  const video = $<HTMLVideoElement>('camera');
  if (stream) return stopScan();
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch {
    $('status').textContent = t('无法使用摄像头', 'The camera is not available');
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const tick = () => {
    if (!stream || !context) return;
    if (video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(image.data, image.width, image.height);
      if (code?.data) {
        $<HTMLTextAreaElement>('qr-text').value = code.data;
        stopScan();
        void verify();
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function stopScan(): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = undefined;
  $<HTMLVideoElement>('camera').hidden = true;
}

function main(): void {
  registerServiceWorker();
  setUpLang(() => {
    showCache();
    render();
  });
  $<HTMLInputElement>('caller').value = localStorage.getItem(CALLER_KEY) ?? '';
  $('verify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void verify();
  });
  $('scan').addEventListener('click', () => void scan());
  $('refresh').addEventListener('click', () => void refreshAll());
  showCache();
  if (navigator.onLine) void refreshAll();
  document.body.dataset.ready = 'true';
}

main();
