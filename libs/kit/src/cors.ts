import { AppError } from '@onceonly/errors';

/**
 * CORS on the HTTP listener (ADR 036): browsers on the origins configured may call the Connect RPCs and the token
 * endpoint. Credentials (cookies, client certificates) are never allowed cross-origin: a page sends its access token
 * in `Authorization`, which is named in the allowed headers. The development identity headers are not allowed: a page
 * on another origin cannot use them. Pure: request headers in, response headers out.
 */

/** Headers a Connect client (connect-web) and a token-bearing page send. */
export const CORS_ALLOWED_HEADERS =
  'Content-Type, Connect-Protocol-Version, Connect-Timeout-Ms, Connect-Accept-Encoding, Connect-Content-Encoding, Content-Encoding, Authorization, X-Request-Id';
/** Headers a page may read from an answer. */
export const CORS_EXPOSED_HEADERS = 'Content-Encoding, Connect-Content-Encoding, ETag, WWW-Authenticate';
const ALLOWED_METHODS = 'GET, POST';
/** How long a browser may keep a preflight answer (seconds; Chromium caps it at 2 hours). */
const MAX_AGE = '7200';

/** `*` or a list of exact origins (`https://platform.example`, `http://localhost:5173`). */
export type CorsOrigins = readonly string[];

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * Checks the configured origins: each `*` alone, or `scheme://host[:port]` without a path (what browsers send in
 * `Origin`). CONFIG_INVALID names the first one that is not.
 */
export function parseCorsOrigins(values: readonly string[], variable: string): CorsOrigins {
  if (values.includes('*') && values.length > 1) {
    throw new AppError('CONFIG_INVALID', `${variable}: * allows every origin and goes alone`);
  }
  const bad = values.find((v) => v !== '*' && !ORIGIN.test(v));
  if (bad !== undefined) {
    throw new AppError('CONFIG_INVALID', `${variable}: "${bad}" is not an origin (scheme://host[:port], no path)`);
  }
  return values.map((v) => v.toLowerCase());
}

/** What to answer a request about CORS. */
export interface CorsAnswer {
  /** Headers to add to the answer (none when the origin is not allowed or there is none). */
  headers: Record<string, string>;
  /** A preflight (OPTIONS with Access-Control-Request-Method): answer it with `status` and these headers alone. */
  preflight?: { status: number };
}

/** The CORS headers of a request with these headers, against the allowed origins. */
export function corsAnswer(
  origins: CorsOrigins,
  request: { method?: string | undefined; origin?: string | undefined; requestMethod?: string | undefined },
): CorsAnswer {
  const isPreflight = request.method === 'OPTIONS' && request.requestMethod !== undefined;
  const origin = request.origin;
  const allowed =
    origin !== undefined && origins.length > 0 && (origins[0] === '*' || origins.includes(origin.toLowerCase()));
  if (!allowed) return isPreflight ? { headers: { vary: 'Origin' }, preflight: { status: 403 } } : { headers: {} };
  const base = { 'access-control-allow-origin': origins[0] === '*' ? '*' : origin, vary: 'Origin' };
  if (!isPreflight) return { headers: { ...base, 'access-control-expose-headers': CORS_EXPOSED_HEADERS } };
  return {
    headers: {
      ...base,
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': CORS_ALLOWED_HEADERS,
      'access-control-max-age': MAX_AGE,
    },
    preflight: { status: 204 },
  };
}
