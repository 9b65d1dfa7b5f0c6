import { type KeyObject, verify } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import type { Caller } from './caller.js';

/**
 * OAuth 2.0 bearer tokens (ADR 036): JWT access tokens per RFC 9068, signed by the hub (ES256), checked on every
 * call by `identify()`. Verification is synchronous (node:crypto), because identify runs before the handler on every
 * call and is synchronous; the hub signs with jose. Everything here is pure but for the signature check.
 */

/** Largest token accepted: a real one is about 600 bytes; anything far larger is hostile. */
const MAX_TOKEN_LENGTH = 4096;
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,1024}\.[A-Za-z0-9_-]{2,3000}\.[A-Za-z0-9_-]{86}$/;
/** RFC 9068 §2.1: `at+jwt`, and the full media type `application/at+jwt` (compared case-insensitively). */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);
/** The platform's credit code travels in the token; it ends up in log lines: plain tokens only. */
const CODE = /^[A-Za-z0-9._-]{1,64}$/;
const NAME_MAX = 200;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A public key that verifies access tokens, by its JWK `kid`. */
export interface AccessTokenKey {
  readonly kid: string;
  /** An EC P-256 public (or private) key. */
  readonly key: KeyObject;
}

/** What an access token must say to be accepted. */
export interface AccessTokenPolicy {
  /** The hub's keys (the current one, and during a rotation the previous one). */
  readonly keys: readonly AccessTokenKey[];
  /** The `iss` the hub writes (its issuer URL). */
  readonly issuer: string;
  /** The `aud` a token must name: the hub's HTTP audience. */
  readonly audience: string;
  /** Tolerated clock difference on `exp`, `nbf` and `iat`, in seconds. */
  readonly clockSkewSeconds: number;
}

/** The claims of an accepted access token (RFC 9068 §2.2, and the platform the client belongs to). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  /** Space-separated scopes, as RFC 6749 writes them. */
  readonly scope: string;
  /** The platform's unified social credit code: the caller's code. */
  readonly platform_code: string;
  /** The platform's name. */
  readonly platform_name: string;
  readonly nbf?: number;
}

/** Scope → the RPC paths (`/<package>.<Service>/<Method>`) it lets a platform call. */
export type ScopeTable = Readonly<Record<string, readonly string[]>>;

/** How the kit's server accepts bearer tokens: the policy and the scope table. */
export interface BearerAuth {
  readonly policy: () => AccessTokenPolicy;
  readonly scopes: ScopeTable;
}

function invalid(message: string): AppError {
  return new AppError('TOKEN_INVALID', `access token ${message}`);
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function checkHeader(header: Record<string, unknown>, keys: readonly AccessTokenKey[]): KeyObject | AppError {
  // the algorithm is fixed: a token naming another one (none, HS256 with the public key...) is refused outright
  if (header.alg !== 'ES256') return invalid('is not signed with ES256');
  if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
    return invalid('is not an RFC 9068 access token (typ at+jwt)');
  }
  if (header.crit !== undefined) return invalid('names critical extensions');
  const key = keys.find((k) => k.kid === header.kid);
  return key ? key.key : invalid('is signed by a key the hub does not have');
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Checks the claims of a token whose signature verified: issuer, audience, expiry, not-before and issue time (with
 * the skew), and the claims RFC 9068 requires. Pure: `now` is epoch seconds.
 */
export function checkAccessTokenClaims(
  claims: Record<string, unknown>,
  policy: Pick<AccessTokenPolicy, 'issuer' | 'audience' | 'clockSkewSeconds'>,
  now: number,
): AccessTokenClaims | AppError {
  const skew = policy.clockSkewSeconds;
  if (claims.iss !== policy.issuer) return invalid('was issued by another issuer');
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(policy.audience)) return invalid('is meant for another audience');
  if (!isNumber(claims.exp) || !isNumber(claims.iat)) return invalid('has no exp or iat');
  if (now >= claims.exp + skew) return new AppError('TOKEN_EXPIRED', 'access token expired');
  if (claims.nbf !== undefined && (!isNumber(claims.nbf) || now < claims.nbf - skew)) {
    return invalid('is not valid yet');
  }
  if (claims.iat > now + skew) return invalid('was issued in the future');
  const { sub, jti, client_id: clientId, scope, platform_code: code, platform_name: name } = claims;
  if (!isText(sub) || !isText(jti) || !isText(clientId) || typeof scope !== 'string') {
    return invalid('lacks sub, jti, client_id or scope');
  }
  if (!isText(code) || !CODE.test(code) || !isText(name) || name.length > NAME_MAX) {
    return invalid('names no platform');
  }
  if (scope !== '' && !scope.split(' ').every((s) => SCOPE_TOKEN.test(s))) return invalid('has a malformed scope');
  return claims as unknown as AccessTokenClaims;
}

/**
 * Verifies a compact JWT access token: shape, header (ES256, typ at+jwt, a known kid), signature, then the claims
 * ({@link checkAccessTokenClaims}). A coded error (TOKEN_INVALID, TOKEN_EXPIRED) when anything is wrong.
 */
export function verifyAccessToken(
  token: string,
  policy: AccessTokenPolicy,
  now = Math.floor(Date.now() / 1000),
): AccessTokenClaims | AppError {
  if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) return invalid('is not a compact JWS');
  const [head, body, signature] = token.split('.') as [string, string, string];
  const header = decodeSegment(head);
  if (!header) return invalid('has no readable header');
  const key = checkHeader(header, policy.keys);
  if (key instanceof AppError) return key;
  const signed = Buffer.from(`${head}.${body}`, 'ascii');
  const sig = Buffer.from(signature, 'base64url');
  let ok = false;
  try {
    ok = sig.length === 64 && verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    ok = false;
  }
  if (!ok) return invalid('signature does not verify');
  const claims = decodeSegment(body);
  if (!claims) return invalid('has no readable claims');
  return checkAccessTokenClaims(claims, policy, now);
}

/** The scopes of a token, as a list. */
export function scopesOf(claims: Pick<AccessTokenClaims, 'scope'>): string[] {
  return claims.scope.split(' ').filter((s) => s.length > 0);
}

/** True when one of the granted scopes lets its holder call `method` (a full RPC path). */
export function scopeAllows(table: ScopeTable, granted: readonly string[], method: string): boolean {
  // own keys only: a scope named `constructor` must not reach Object.prototype
  return granted.some((scope) => Object.hasOwn(table, scope) && table[scope]!.includes(method));
}

/** The caller an accepted token names: the platform, by its credit code, with the token's scopes. */
export function callerFromAccessToken(claims: AccessTokenClaims): Caller {
  return {
    departmentCode: claims.platform_code,
    departmentName: claims.platform_name,
    role: 'platform',
    authenticatedBy: 'oauth',
    clientId: claims.client_id,
    scopes: scopesOf(claims),
  };
}

/**
 * The bearer token of a call (`authorization: Bearer <token>`, the scheme case-insensitive, RFC 6750 §2.1);
 * undefined when there is no authorization header, '' when it is there but not a bearer token.
 */
export function bearerTokenOf(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return '';
  const match = /^Bearer +([^ ]+) *$/i.exec(value);
  return match ? match[1]! : '';
}

/**
 * The caller of a bearer token for one method: verified, then its scopes checked against the table
 * (SCOPE_MISSING when none of them covers the method).
 */
export function identifyBearer(token: string, method: string, auth: BearerAuth): Caller | AppError {
  if (token === '') return invalid('is missing: use Authorization: Bearer <token>');
  const claims = verifyAccessToken(token, auth.policy());
  if (claims instanceof AppError) return claims;
  const caller = callerFromAccessToken(claims);
  if (!scopeAllows(auth.scopes, caller.scopes ?? [], method)) {
    return new AppError('SCOPE_MISSING', `the token's scopes (${claims.scope || 'none'}) do not cover ${method}`, {
      details: { meta: { scope: claims.scope, clientId: claims.client_id } },
    });
  }
  return caller;
}
