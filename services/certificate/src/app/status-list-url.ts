import type { StatusPurpose } from '../domain/status-list.js';

/** The URL of an issuer's status list credential: `<base>/<issuer code>/<purpose>/<list number>`. */
export function statusListUrl(baseUrl: string, issuerCode: string, purpose: StatusPurpose, listNumber: number): string {
  return `${issuerUrl(baseUrl, issuerCode)}/${purpose}/${listNumber}`;
}

/** The issuer of status list credentials, as a URL: `<base>/<issuer code>`. */
export function issuerUrl(baseUrl: string, issuerCode: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${issuerCode}`;
}
