import { join } from 'node:path';
import { freePort, type HubProcess, readEnvFile, runCli, startHubProcess, stopProcess } from '@onceonly/testing';

/** The processes of the suite, each an `onceonly start --services <services>` of its own. */
export type Role = 'certificate-a' | 'certificate-b' | 'audit' | 'credit';

const SERVICES: Record<Role, string> = {
  'certificate-a': 'certificate',
  'certificate-b': 'certificate',
  audit: 'audit',
  credit: 'credit',
};

/** One role's process: started again on the same ports after a kill, as an orchestrator would. */
export interface Member {
  readonly role: Role;
  readonly address: string;
  current(): HubProcess;
  /** SIGKILL; resolves when it is gone. */
  kill(): Promise<void>;
  /** Starts it again (same ports, same environment); resolves at its ready line. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM); its exit code. */
  stop(): Promise<number | null>;
  /** Exits nobody asked for (a crash), each restarted at once. */
  readonly crashes: string[];
}

/** Keys by `onceonly init` (the hub CA, the passphrase, the audit key): external mode needs them. */
export async function initKeys(main: string, dir: string): Promise<Record<string, string>> {
  const init = await runCli(main, ['--json', 'init', '--dir', join(dir, 'keys')], { timeoutMs: 120_000 });
  if (init.code !== 0) throw new Error(`onceonly init exited ${init.code}:\n${init.stderr}`);
  return readEnvFile((JSON.parse(init.stdout) as { envFile: string }).envFile);
}

/**
 * Starts one role on fixed ports (so that it is found at the same address after a restart); a crash (an exit not
 * asked for) is recorded and the role restarted, as Kubernetes restarts a container.
 */
export async function startMember(
  main: string,
  role: Role,
  env: NodeJS.ProcessEnv,
  onLine: (text: string) => void,
): Promise<Member> {
  const address = `127.0.0.1:${await freePort()}`;
  const memberEnv = {
    ...env,
    ONCEONLY_GRPC_ADDR: address,
    ONCEONLY_HEALTH_ADDR: `127.0.0.1:${await freePort()}`,
    ONCEONLY_HTTP_ADDR: '127.0.0.1:0',
    ONCEONLY_METRICS_ADDR: '127.0.0.1:0',
  };
  const crashes: string[] = [];
  let expected = false;
  let hub: HubProcess;
  const launch = async () => {
    hub = await startHubProcess(main, ['start', '--services', SERVICES[role]], {
      env: memberEnv,
      timeoutMs: 180_000,
    });
    expected = false;
    hub.child.once('exit', (code, signal) => {
      if (expected) return;
      const tail = hub.output().trim().split('\n').slice(-12).join('\n    ');
      crashes.push(`${code ?? signal}`);
      onLine(`${role} exited unasked (${code ?? signal}); restarting it. Its last lines:\n    ${tail}`);
      void launch().catch((error: unknown) => onLine(`${role} did not start again: ${String(error)}`));
    });
  };
  // a process that fails to start is started again, as an orchestrator would (a few times, then the run fails)
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      const last = String(error).trim().split('\n').at(-1);
      crashes.push(`start: ${last}`);
      onLine(`${role} failed to start (${last}); starting it again`);
    }
  }
  return {
    role,
    address,
    crashes,
    current: () => hub,
    kill: async () => {
      expected = true;
      const gone = new Promise((resolve) => hub.child.once('exit', resolve));
      hub.child.kill('SIGKILL');
      await gone;
    },
    restart: launch,
    stop: async () => {
      expected = true;
      return stopProcess(hub.child, 30_000);
    },
  };
}
