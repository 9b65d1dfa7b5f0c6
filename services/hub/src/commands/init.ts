import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AppError } from '@onceonly/errors';
import { createLogger } from '@onceonly/kit';
import type { Command } from 'commander';
import { print } from '../client.js';
import { loadHubConfig } from '../config.js';
import { devTokenKeyPath } from '../oauth/index.js';
import { startHub } from '../start.js';
import { issueServiceTls } from './tls.js';

/**
 * `onceonly init`: the keys a hub needs outside embedded mode, written once into a folder outside the repository
 * (default `$XDG_CONFIG_HOME/onceonly`, else `~/.config/onceonly`), with an env file that names them all.
 * The keys are made by one embedded start in that folder (the same code that makes them in development: the hub
 * CA under the passphrase, the audit log's signing key, the OAuth 2.0 token signing key), whose throw-away database is then deleted.
 */

/** The file `onceonly init` writes, beside the keys. */
export const ENV_FILE = 'onceonly.env';

/** The default folder of `onceonly init`: outside any repository, readable by its owner only. */
export function defaultInitDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'onceonly');
}

/** The env file's text: one `NAME='value'` per line (values never contain a quote: base64url, paths checked). */
export function envFileText(values: Record<string, string>): string {
  const lines = Object.entries(values).map(([name, value]) => {
    if (value.includes("'"))
      throw new AppError('INVALID_ARGUMENT', `${name}: a path with a quote (') cannot be written`);
    return `${name}='${value}'`;
  });
  return `# written by onceonly init; keep it secret (it holds the key passphrase and the holder hash key)\n${lines.join('\n')}\n`;
}

/** Refuses a folder inside the current git repository: keys must never be committed by accident. */
function assertOutsideRepository(dir: string): void {
  for (let at = process.cwd(); ; at = resolve(at, '..')) {
    if (existsSync(join(at, '.git'))) {
      const inside = relative(at, dir);
      if (!inside.startsWith('..') && !isAbsolute(inside)) {
        throw new AppError(
          'INVALID_ARGUMENT',
          `--dir ${dir} is inside the repository ${at}: choose a folder outside it`,
        );
      }
      return;
    }
    if (resolve(at, '..') === at) return;
  }
}

/** Makes the keys with one embedded start in `dir`, then deletes its database. */
async function generateKeys(dir: string, secrets: Record<string, string>): Promise<void> {
  Object.assign(process.env, secrets);
  const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dir });
  const hub = await startHub({ config, log: createLogger({ level: 'error', process: 'hub' }) });
  await hub.stop('keys made');
  await rm(join(dir, 'pgdata'), { recursive: true, force: true });
}

/** Writes the keys and the env file; returns the env file's path. */
export async function initKeys(dir: string): Promise<{ envFile: string; variables: string[]; tls: string }> {
  const envFile = join(dir, ENV_FILE);
  if (existsSync(envFile)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `${envFile} exists: keep it (its keys opened your database) or move it away`,
    );
  }
  assertOutsideRepository(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secrets = {
    ONCEONLY_KEY_PASSPHRASE: randomBytes(32).toString('base64url'),
    ONCEONLY_HOLDER_HASH_KEY: randomBytes(32).toString('base64url'),
    ONCEONLY_MATERIALS_KEY: randomBytes(32).toString('base64url'),
  };
  await generateKeys(dir, secrets);
  const values = {
    ...secrets,
    ONCEONLY_CA_CERT: join(dir, 'keys', 'ca.pem'),
    ONCEONLY_CA_KEY: join(dir, 'keys', 'ca.key.pem'),
    ONCEONLY_AUDIT_NOTE_KEY: (await readFile(join(dir, 'keys', 'audit-note.key'), 'utf8')).trim(),
    ONCEONLY_OAUTH_KEY: devTokenKeyPath(dir),
  };
  await writeFile(envFile, envFileText(values), { mode: 0o600, flag: 'wx' });
  await chmod(dir, 0o700);
  // the deployment's TLS files, as deploy/ mounts them (`onceonly tls` issues them again, for other names)
  const { folder } = await issueServiceTls({ dir, passphrase: secrets.ONCEONLY_KEY_PASSPHRASE });
  return { envFile, variables: Object.keys(values), tls: folder };
}

/** Adds `onceonly init` to the command line. */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('make the keys a hub needs outside embedded mode, and an env file naming them (run once)')
    .option('--dir <dir>', 'where to write them, outside the repository (default: ~/.config/onceonly)')
    .action(async (opts: { dir?: string }, cmd: Command) => {
      const dir = resolve(opts.dir ?? defaultInitDir());
      const { envFile, variables, tls } = await initKeys(dir);
      const text = [
        `wrote the hub CA, the audit log key, the token signing key and ${envFile} (${variables.join(', ')})`,
        `and in ${tls} each service's server certificate for its Compose and Kubernetes names (onceonly tls: other names)`,
        `load it before \`npm start\` with DATABASE_URL or KAFKA_BROKERS:  set -a; . ${envFile}; set +a`,
      ].join('\n');
      print({ json: cmd.optsWithGlobals<{ json?: boolean }>().json === true }, { dir, envFile, variables, tls }, text);
    });
}
