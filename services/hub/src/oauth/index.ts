import type { BearerAuth, HttpEndpoint, Logger } from '@onceonly/kit';
import type { Queryable } from '@onceonly/store';
import { platformClients } from './platform-clients.js';
import { PLATFORM_SCOPE_NAMES, PLATFORM_SCOPES } from './scopes.js';
import { loadTokenSigningKey } from './signing-key.js';
import { oauthEndpoints, TOKEN_PATH } from './token-endpoint.js';

export {
  newClientId,
  newClientSecret,
  type PlatformClient,
  type PlatformClients,
  platformClientMigrations,
  platformClients,
} from './platform-clients.js';
export { grantScopes, isPlatformScope, PLATFORM_SCOPE_NAMES, PLATFORM_SCOPES, type PlatformScope } from './scopes.js';
export { devTokenKeyPath, loadTokenSigningKey, type TokenSigningKey } from './signing-key.js';
export { JWKS_PATH, METADATA_PATH, TOKEN_PATH } from './token-endpoint.js';

/** Tolerated clock difference between the hub and itself across replicas (exp, nbf, iat), in seconds. */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * The development platform client, registered only by an embedded hub whose development identity is on (loopback
 * only): its secret is public, written in the README, so that `curl` and the /platform page work after `npm start`.
 */
export const DEV_PLATFORM_CLIENT = {
  clientId: 'dev-platform',
  secret: 'dev-platform-secret',
  name: '示例外卖平台（开发）',
  platformCode: '91310107MA1G8K2D32',
  scopes: PLATFORM_SCOPE_NAMES,
} as const;

/** What the hub's OAuth 2.0 part needs at start. */
export interface OAuthOptions {
  db: Queryable;
  schema: string;
  mode: 'embedded' | 'external';
  dataDir: string;
  /** ONCEONLY_OAUTH_KEY, ONCEONLY_OAUTH_ISSUER, ONCEONLY_OAUTH_AUDIENCE, ONCEONLY_OAUTH_TOKEN_SECONDS. */
  keyFile: string | undefined;
  passphrase: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  tokenSeconds: number;
  /** Register {@link DEV_PLATFORM_CLIENT} (embedded mode with the development identity on). */
  devClient: boolean;
  log: Logger;
}

/** The hub's OAuth 2.0 part: bearer verification for the server, the endpoints for its HTTP listener. */
export interface HubOAuth {
  bearer: BearerAuth;
  endpoints: Record<string, HttpEndpoint>;
  /** Called once the HTTP listener is bound: its base URL is the default issuer and audience. */
  bound(httpUrl: string | undefined): void;
  /** The token endpoint's URL for the ready line (undefined without an HTTP listener). */
  tokenUrl(): string | undefined;
}

/**
 * Starts the OAuth 2.0 part (ADR 036), or returns undefined when the hub has no token signing key (outside the
 * embedded mode without ONCEONLY_OAUTH_KEY): then no token is issued and none accepted.
 */
export async function startOAuth(options: OAuthOptions): Promise<HubOAuth | undefined> {
  const key = await loadTokenSigningKey({
    file: options.keyFile,
    passphrase: options.passphrase,
    mode: options.mode,
    dataDir: options.dataDir,
    log: options.log,
  });
  if (!key) {
    options.log.info('OAuth 2.0 tokens off: ONCEONLY_OAUTH_KEY is not set');
    return undefined;
  }
  const clients = platformClients(options.db, options.schema);
  if (options.devClient) await registerDevClient(clients, options.log);
  let base: string | undefined;
  const issuer = () => options.issuer ?? base ?? '';
  const audience = () => options.audience ?? issuer();
  const keys = [{ kid: key.kid, key: key.publicKey }];
  return {
    bearer: {
      policy: () => ({ keys, issuer: issuer(), audience: audience(), clockSkewSeconds: CLOCK_SKEW_SECONDS }),
      scopes: PLATFORM_SCOPES,
    },
    endpoints: oauthEndpoints({
      clients,
      key,
      issuer,
      audience,
      tokenSeconds: options.tokenSeconds,
      log: options.log.child({ component: 'oauth' }),
    }),
    bound(httpUrl) {
      base = httpUrl;
    },
    tokenUrl: () => (base ? `${base}${TOKEN_PATH}` : undefined),
  };
}

async function registerDevClient(clients: ReturnType<typeof platformClients>, log: Logger): Promise<void> {
  const known = await clients.list();
  if (known.some((c) => c.clientId === DEV_PLATFORM_CLIENT.clientId)) return;
  const { secret, ...client } = DEV_PLATFORM_CLIENT;
  await clients.add(client, secret).catch((err: unknown) => {
    // another process registered it first
    if (!(err instanceof Error && 'code' in err && err.code === 'ALREADY_EXISTS')) throw err;
  });
  log.warn(
    { clientId: client.clientId },
    'registered the development platform client (its secret is in the README: development only)',
  );
}
