import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEndpoint, Logger } from '@onceonly/kit';
import { SignJWT } from 'jose';
import type { PlatformClients } from './platform-clients.js';
import { grantScopes, PLATFORM_SCOPE_NAMES } from './scopes.js';
import type { TokenSigningKey } from './signing-key.js';

/**
 * The OAuth 2.0 authorization server of the hub (ADR 036): the client-credentials grant (RFC 6749 §4.4) at
 * `POST /oauth2/token`, its metadata (RFC 8414) and the public keys (JWKS). Tokens are JWT access tokens per RFC 9068.
 */

/** Paths served beside the RPCs. */
export const TOKEN_PATH = '/oauth2/token';
export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** A form body is a few hundred bytes: anything past this is refused unread. */
const MAX_FORM_BYTES = 8 * 1024;

/** What the token endpoint needs. */
export interface TokenEndpointOptions {
  clients: PlatformClients;
  key: TokenSigningKey;
  /** The issuer URL (`iss`) and the audience (`aud`): known once the listener is bound. */
  issuer: () => string;
  audience: () => string;
  /** Lifetime of an access token, in seconds. */
  tokenSeconds: number;
  log: Logger;
  /** Epoch milliseconds (tests freeze it). */
  now?: () => number;
}

/** An RFC 6749 §5.2 error answer. */
class OAuthError {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type',
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
  ) {}
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function readForm(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parameters of the form, each at most once (RFC 6749 §3.2). */
function parseForm(text: string): Map<string, string> | OAuthError {
  const params = new URLSearchParams(text);
  const form = new Map<string, string>();
  for (const [name, value] of params) {
    if (form.has(name)) return new OAuthError('invalid_request', `parameter ${name} given more than once`);
    form.set(name, value);
  }
  return form;
}

/** RFC 6749 §2.3.1: the id and secret in Basic are form-urlencoded first. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

interface Credentials {
  clientId: string;
  secret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

/** The client's credentials, by HTTP Basic or in the form; exactly one method (RFC 6749 §2.3). */
function credentialsOf(req: IncomingMessage, form: Map<string, string>): Credentials | OAuthError {
  const header = req.headers.authorization;
  const posted = form.has('client_id') || form.has('client_secret');
  if (header !== undefined) {
    if (posted) return new OAuthError('invalid_request', 'use one client authentication method, not two');
    const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const clientId = colon > 0 ? formDecode(decoded.slice(0, colon)) : undefined;
    const secret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : undefined;
    if (!clientId || secret === undefined) return new OAuthError('invalid_client', 'malformed Basic credentials');
    return { clientId, secret, method: 'client_secret_basic' };
  }
  const clientId = form.get('client_id');
  const secret = form.get('client_secret');
  if (!clientId || !secret) return new OAuthError('invalid_client', 'client authentication is required');
  return { clientId, secret, method: 'client_secret_post' };
}

/** The three endpoints, by path, for the HTTP listener. */
export function oauthEndpoints(options: TokenEndpointOptions): Record<string, HttpEndpoint> {
  const now = options.now ?? Date.now;
  const { log, key } = options;

  const issue = async (req: IncomingMessage): Promise<Record<string, unknown> | OAuthError> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      return new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const text = await readForm(req);
    if (text === undefined) return new OAuthError('invalid_request', 'the body is too large');
    const form = parseForm(text);
    if (form instanceof OAuthError) return form;
    const grant = form.get('grant_type');
    if (!grant) return new OAuthError('invalid_request', 'grant_type is required');
    if (grant !== 'client_credentials') {
      return new OAuthError('unsupported_grant_type', 'only client_credentials is supported');
    }
    const credentials = credentialsOf(req, form);
    if (credentials instanceof OAuthError) return credentials;
    const client = await options.clients.authenticate(credentials.clientId, credentials.secret);
    if (!client) {
      log.warn({ clientId: credentials.clientId.slice(0, 64) }, 'token refused: client not authenticated');
      return new OAuthError('invalid_client', 'unknown client, wrong secret, or a disabled client');
    }
    const granted = grantScopes(form.get('scope'), client.scopes);
    if (!granted.ok) return new OAuthError('invalid_scope', `scope ${granted.refused.slice(0, 64)} is not granted`);
    const iat = Math.floor(now() / 1000);
    const jti = randomUUID();
    const scope = granted.scopes.join(' ');
    const token = await new SignJWT({
      client_id: client.clientId,
      scope,
      platform_code: client.platformCode,
      platform_name: client.name,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .setIssuer(options.issuer())
      .setAudience(options.audience())
      .setSubject(client.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + options.tokenSeconds)
      .setJti(jti)
      .sign(key.privateKey);
    log.info({ clientId: client.clientId, method: credentials.method, scope, jti }, 'access token issued');
    return { access_token: token, token_type: 'Bearer', expires_in: options.tokenSeconds, scope };
  };

  const token: HttpEndpoint = async (req, res) => {
    if (req.method !== 'POST') {
      return json(res, 405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' });
    }
    const answer = await issue(req);
    if (!(answer instanceof OAuthError)) return json(res, 200, answer);
    // RFC 6749 §5.2: a client that tried to authenticate and failed is told how to (WWW-Authenticate, 401)
    const challenge: Record<string, string> =
      answer.status === 401 ? { 'www-authenticate': 'Basic realm="onceonly", charset="UTF-8"' } : {};
    json(res, answer.status, { error: answer.error, error_description: answer.description }, challenge);
  };

  const jwks: HttpEndpoint = (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, {}, { allow: 'GET' });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
    res.end(JSON.stringify({ keys: [key.jwk] }));
  };

  const metadata: HttpEndpoint = (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, {}, { allow: 'GET' });
    const issuer = options.issuer();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
    res.end(
      JSON.stringify({
        issuer,
        token_endpoint: `${issuer}${TOKEN_PATH}`,
        jwks_uri: `${issuer}${JWKS_PATH}`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: PLATFORM_SCOPE_NAMES,
        response_types_supported: [],
        service_documentation: `${issuer}/docs`,
      }),
    );
  };

  return { [TOKEN_PATH]: token, [JWKS_PATH]: jwks, [METADATA_PATH]: metadata };
}
