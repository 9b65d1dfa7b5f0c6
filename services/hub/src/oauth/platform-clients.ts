import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import type { Migration, Queryable } from '@onceonly/store';

/**
 * Registered platform clients (ADR 036): OAuth 2.0 confidential clients of the token endpoint, kept in the hub's own
 * schema (PostgreSQL or the embedded PGlite alike). The secret is stored only as an scrypt hash; it is shown once,
 * when the client is registered.
 */

/** One registered client. */
export interface PlatformClient {
  readonly clientId: string;
  /** The platform's name (the caller's name). */
  readonly name: string;
  /** The platform's unified social credit code (the caller's code). */
  readonly platformCode: string;
  readonly scopes: readonly string[];
  readonly enabled: boolean;
  readonly createdAt: Date;
}

/** The hub schema's own migrations (outbox ones come from libs/events, 9000 and up). */
export function platformClientMigrations(schema: string): Migration[] {
  return [
    {
      version: 1,
      name: 'platform_clients',
      sql: `CREATE TABLE "${schema}".platform_clients (
        client_id text PRIMARY KEY,
        secret_hash text NOT NULL,
        name text NOT NULL,
        platform_code text NOT NULL,
        scopes text[] NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz
      )`,
    },
  ];
}

// scrypt's recommended interactive cost (N = 2^15, r = 8, p = 1): about 50 ms and 32 MiB per check
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { ...params, maxmem: SCRYPT.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url): the parameters travel with the hash, so that they can be raised later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** A hash no secret matches: checked for an unknown client, so that its answer takes as long as a known one's. */
let decoy: Promise<string> | undefined;

/** True when `secret` is the one `stored` was made from (constant time); false for a malformed hash. */
export async function secretMatches(secret: string, stored: string | undefined): Promise<boolean> {
  decoy ??= hashSecret(randomBytes(32).toString('base64url'));
  const parts = (stored ?? (await decoy)).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, 'base64url');
  const actual = await derive(secret, Buffer.from(parts[4]!, 'base64url'), { N, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected) && stored !== undefined;
}

/** A new client secret: 32 random bytes, base64url (43 characters). */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new client id: `pc_` and 16 random bytes, base64url. */
export function newClientId(): string {
  return `pc_${randomBytes(16).toString('base64url')}`;
}

interface ClientRow {
  client_id: string;
  secret_hash: string;
  name: string;
  platform_code: string;
  scopes: string[];
  enabled: boolean;
  created_at: Date;
}

function toClient(row: ClientRow): PlatformClient {
  return {
    clientId: row.client_id,
    name: row.name,
    platformCode: row.platform_code,
    scopes: row.scopes,
    enabled: row.enabled,
    createdAt: row.created_at,
  };
}

/** The platform clients of one hub schema. */
export function platformClients(db: Queryable, schema: string) {
  const table = `"${schema}".platform_clients`;
  return {
    /** Registers a client with its secret (hashed here); ALREADY_EXISTS when the id is taken. */
    async add(client: Omit<PlatformClient, 'enabled' | 'createdAt'>, secret: string): Promise<PlatformClient> {
      const hash = await hashSecret(secret);
      const { rows } = await db.query<ClientRow>(
        `INSERT INTO ${table} (client_id, secret_hash, name, platform_code, scopes)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id) DO NOTHING RETURNING *`,
        [client.clientId, hash, client.name, client.platformCode, [...client.scopes]],
      );
      if (!rows[0]) throw new AppError('ALREADY_EXISTS', `platform client ${client.clientId} exists`);
      return toClient(rows[0]);
    },
    /** Every client, oldest first. */
    async list(): Promise<PlatformClient[]> {
      const { rows } = await db.query<ClientRow>(`SELECT * FROM ${table} ORDER BY created_at, client_id`);
      return rows.map(toClient);
    },
    /** Disables a client: it gets no more tokens (those issued run out within their lifetime). NOT_FOUND if none. */
    async disable(clientId: string): Promise<void> {
      const { rowCount } = await db.query(
        `UPDATE ${table} SET enabled = false, disabled_at = coalesce(disabled_at, now()) WHERE client_id = $1`,
        [clientId],
      );
      if (rowCount === 0) throw new AppError('NOT_FOUND', `no platform client ${clientId}`);
    },
    /**
     * The client these credentials authenticate: known, enabled, and the secret its hash was made from; undefined
     * otherwise (which of the three is not said: RFC 6749's invalid_client covers them all).
     */
    async authenticate(clientId: string, secret: string): Promise<PlatformClient | undefined> {
      const { rows } = await db.query<ClientRow>(`SELECT * FROM ${table} WHERE client_id = $1`, [clientId]);
      const row = rows[0];
      const matches = await secretMatches(secret, row?.secret_hash);
      return row && matches && row.enabled ? toClient(row) : undefined;
    },
  };
}

/** The store of platform clients. */
export type PlatformClients = ReturnType<typeof platformClients>;
