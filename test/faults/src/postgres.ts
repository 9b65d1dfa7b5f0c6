import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@onceonly/testing';

const run = promisify(execFile);

/** A PostgreSQL cluster of the run's own: a temporary data folder, a free port, trust auth, loopback only. */
export interface PrivateCluster {
  /** `postgres://postgres@127.0.0.1:<port>/onceonly`. */
  readonly url: string;
  readonly port: number;
  /** `pg_ctl restart -m fast`: every connection is cut; resolves when it accepts connections again. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast` (nothing when stopped already). */
  stop(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<version>/bin` (Debian's layout), found at run time. */
export function postgresBin(root = '/usr/lib/postgresql'): string {
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}: install the postgresql package`);
  return join(root, versions[0]!, 'bin');
}

/**
 * initdb and pg_ctl refuse to run as root: as root, they run as the `postgres` user (runuser), which owns the data
 * folder; as anyone else, as that user.
 */
function asOwner(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function pg(bin: string, tool: string, args: string[], timeoutMs = 180_000): Promise<string> {
  const [command, argv] = asOwner(join(bin, tool), args);
  const { stdout } = await run(command, argv, { timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 });
  return stdout;
}

/**
 * Creates and starts a cluster in `<dir>/pg` (dir: a fresh temporary folder; made traversable for the `postgres`
 * user when run as root), on a free port, with the database `onceonly`.
 */
export async function startPrivateCluster(dir: string): Promise<PrivateCluster> {
  const bin = postgresBin();
  const data = join(dir, 'pg');
  mkdirSync(data, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o755);
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(data, Number(stdout.trim()), Number(gid.trim()));
  }
  await pg(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${data}`,
    // four hub processes with their pools, the checks and the replay
    '-c max_connections=300',
  ].join(' ');
  const ctl = (args: string[]) =>
    pg(bin, 'pg_ctl', ['-D', data, '-l', join(data, 'server.log'), '-w', '-t', '120', ...args]);
  await ctl(['-o', options, 'start']);
  await pg(bin, 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'onceonly']);
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/onceonly`,
    port,
    restart: async () => {
      await ctl(['-m', 'fast', '-o', options, 'restart']);
    },
    stop: async () => {
      if (!running) return;
      running = false;
      await ctl(['-m', 'fast', 'stop']).catch(() => undefined);
    },
  };
}
