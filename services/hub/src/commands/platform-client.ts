import { AppError } from '@onceonly/errors';
import { isUscc } from '@onceonly/ids';
import { createLogger } from '@onceonly/kit';
import type { Command } from 'commander';
import { print } from '../client.js';
import { loadHubConfig } from '../config.js';
import { HUB_SCHEMA } from '../hub-events.js';
import {
  isPlatformScope,
  newClientId,
  newClientSecret,
  PLATFORM_SCOPE_NAMES,
  type PlatformClient,
  platformClients,
} from '../oauth/index.js';
import { migrateHubSchema } from '../start.js';
import { withHubDatabase } from './hub-database.js';

/**
 * `onceonly platform-client add|list|disable`: the OAuth 2.0 clients of platforms (ADR 036), kept in the hub's own
 * schema. The command opens the hub's database itself (DATABASE_URL, else the embedded data folder, which a running
 * embedded hub holds: stop it first), as an operator's tool, not over the API.
 */

const NAME = /^[^\p{Cc}\p{Cf}]{1,200}$/u;

async function withClients<T>(run: (clients: ReturnType<typeof platformClients>) => Promise<T>): Promise<T> {
  return withHubDatabase(loadHubConfig(), async (db) => {
    await migrateHubSchema(db, createLogger({ level: 'warn', process: 'onceonly' }));
    return run(platformClients(db, HUB_SCHEMA));
  });
}

function describeClient(c: PlatformClient): string {
  return `${c.clientId}  ${c.enabled ? 'enabled ' : 'DISABLED'}  ${c.platformCode}  ${c.name}  scopes=${c.scopes.join(' ')}`;
}

function parseScopes(values: readonly string[]): string[] {
  const scopes = [...new Set(values.flatMap((v) => v.split(/[ ,]+/)).filter((v) => v.length > 0))];
  const unknown = scopes.find((s) => !isPlatformScope(s));
  if (unknown !== undefined || scopes.length === 0) {
    throw new AppError('INVALID_ARGUMENT', `--scope: one or more of ${PLATFORM_SCOPE_NAMES.join(', ')}`, {
      details: { fields: [{ field: 'scope', reason: 'UNKNOWN', description: unknown ?? 'none given' }] },
    });
  }
  return scopes;
}

/** Adds `onceonly platform-client` to the command line. */
export function registerPlatformClientCommands(program: Command): void {
  const group = program
    .command('platform-client')
    .description("OAuth 2.0 clients of platforms (client credentials), in the hub's database (ADR 036)");
  const json = (cmd: Command) => ({ json: cmd.optsWithGlobals<{ json?: boolean }>().json === true });

  group
    .command('add <name>')
    .description('register a platform client; prints its secret once (only a hash is kept)')
    .requiredOption('--code <uscc>', "the platform's unified social credit code (the caller's code)")
    .requiredOption('--scope <scopes...>', `what its tokens may do: ${PLATFORM_SCOPE_NAMES.join(', ')}`)
    .option('--client-id <id>', 'the client id (default: generated, pc_...)')
    .action(async (name: string, opts: { code: string; scope: string[]; clientId?: string }, cmd: Command) => {
      if (!NAME.test(name)) throw new AppError('INVALID_ARGUMENT', 'name: 1 to 200 characters, no control characters');
      if (!isUscc(opts.code)) throw new AppError('INVALID_ARGUMENT', '--code: not a unified social credit code');
      if (opts.clientId !== undefined && !/^[A-Za-z0-9._-]{3,64}$/.test(opts.clientId)) {
        throw new AppError('INVALID_ARGUMENT', '--client-id: 3 to 64 letters, digits, ".", "_" or "-"');
      }
      const scopes = parseScopes(opts.scope);
      const secret = newClientSecret();
      const client = await withClients((clients) =>
        clients.add({ clientId: opts.clientId ?? newClientId(), name, platformCode: opts.code, scopes }, secret),
      );
      const text = [
        describeClient(client),
        `client_id=${client.clientId}`,
        `client_secret=${secret}`,
        'the secret is shown this once: only its hash is kept',
      ].join('\n');
      print(json(cmd), { ...client, clientSecret: secret }, text);
    });

  group
    .command('list')
    .description('list the platform clients (never their secrets)')
    .action(async (_opts: unknown, cmd: Command) => {
      const list = await withClients((clients) => clients.list());
      print(
        json(cmd),
        { clients: list },
        list.length === 0 ? 'no platform clients' : list.map(describeClient).join('\n'),
      );
    });

  group
    .command('disable <client-id>')
    .description('disable a client: no more tokens (those issued run out within their lifetime)')
    .action(async (clientId: string, _opts: unknown, cmd: Command) => {
      await withClients((clients) => clients.disable(clientId));
      print(json(cmd), { clientId, enabled: false }, `${clientId} disabled`);
    });
}
