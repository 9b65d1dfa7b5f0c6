/**
 * What both pages share: calls to the hub's HTTP/JSON face (Connect unary, same origin), the caller headers, and the
 * language switch (Chinese first).
 */

/** The development identity (loopback hubs only, ADR 032), when the user set one; mTLS needs none. */
export interface DevCaller {
  readonly code: string;
  readonly role?: string;
}

/** A Connect error answer, or the network failing; `reason` is the hub's error code (`SCOPE_MISSING`...), if any. */
export class HubError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Calls `POST /<service>/<method>` with a JSON body; throws HubError with the Connect code. */
export async function callHub<T>(
  path: string,
  body: unknown,
  auth: { caller?: DevCaller | undefined; bearer?: string | undefined } = {},
): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'connect-timeout-ms': '15000' };
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  else if (auth.caller?.code) {
    headers['x-onceonly-caller'] = auth.caller.code;
    if (auth.caller.role) headers['x-onceonly-role'] = auth.caller.role;
  }
  let response: Response;
  try {
    response = await fetch(`/${path}`, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new HubError('unavailable', err instanceof Error ? err.message : 'network error');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new HubError('unknown', `HTTP ${response.status}`);
  }
  if (!response.ok) {
    const error = json as { code?: string; message?: string; details?: { debug?: { reason?: string } }[] };
    throw new HubError(
      error.code ?? 'unknown',
      error.message ?? `HTTP ${response.status}`,
      error.details?.find((d) => d.debug?.reason)?.debug?.reason,
    );
  }
  return json as T;
}

export type Lang = 'zh' | 'en';

/** The language chosen (stored), Chinese by default. */
export function currentLang(): Lang {
  return localStorage.getItem('onceonly.lang') === 'en' ? 'en' : 'zh';
}

/**
 * Applies a language: every element with `data-zh` / `data-en` shows its text, labels and the document language
 * follow; the switch button offers the other language.
 */
export function applyLang(lang: Lang): void {
  localStorage.setItem('onceonly.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll<HTMLElement>('[data-zh]')) {
    el.textContent = (lang === 'zh' ? el.dataset.zh : el.dataset.en) ?? '';
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-ph-zh]')) {
    el.setAttribute('placeholder', (lang === 'zh' ? el.dataset.phZh : el.dataset.phEn) ?? '');
  }
}

/** Wires the language button (`#lang`) and applies the stored language; `onChange` re-renders dynamic parts. */
export function setUpLang(onChange: () => void): void {
  applyLang(currentLang());
  document.getElementById('lang')?.addEventListener('click', () => {
    applyLang(currentLang() === 'zh' ? 'en' : 'zh');
    onChange();
  });
}

/** A text in the current language. */
export const t = (zh: string, en: string): string => (currentLang() === 'zh' ? zh : en);

/** Creates an element with text and attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Registers the service worker that keeps the pages and their scripts for offline use. */
export function registerServiceWorker(): void {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}
