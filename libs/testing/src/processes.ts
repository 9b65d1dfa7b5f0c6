import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

// The built `onceonly` CLI and a private Kafka broker in child processes, for the e2e tests and the fault suite
// (test/faults): the hub as an operator runs it (`onceonly start --services ...`), one-shot CLI commands, and
// deploy/kafka/kafka.sh on a state folder and ports of the caller's own.

/** How a one-shot command ended, and what it printed. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A hub process, from its ready line on. */
export interface HubProcess {
  readonly child: ChildProcess;
  /** The `onceonly ready:` line. */
  readonly readyLine: string;
  /** `grpc=` of the ready line. */
  readonly address: string;
  /** `health=` of the ready line (empty without ONCEONLY_HEALTH_ADDR). */
  readonly health: string;
  /** `metrics=` of the ready line: where its Prometheus endpoint listens (empty when it has none). */
  readonly metrics: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

/** The environment every child starts from: PATH, and plain warn-level logs. Nothing else of the caller's leaks. */
export function baseChildEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ONCEONLY_LOG_PRETTY: 'false', ONCEONLY_LOG_LEVEL: 'warn' };
}

/** Runs `node <main> ...args` to its end; SIGKILLed and rejected after `timeoutMs` (default 60 s). */
export function runCli(
  main: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return collect(spawnNode(main, args, options), `onceonly ${args.join(' ')}`, options.timeoutMs ?? 60_000);
}

/** `node <main> ...args` from {@link baseChildEnv} plus `env`, its output piped. */
function spawnNode(main: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string }) {
  return spawn(process.execPath, [main, ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...baseChildEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** {@link runCli}, parsing its standard output as JSON; throws with its output unless it exits 0. */
export async function runCliJson<T>(
  main: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<T> {
  const run = await runCli(main, args, options);
  if (run.code !== 0) throw new Error(`onceonly ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

function collect(child: ChildProcess, what: string, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `node <main> ...args` (for example `start --services certificate`) and resolves at its `onceonly ready:`
 * line; rejects when it exits first or is not ready within `timeoutMs` (default 90 s, then it is SIGKILLed).
 */
export function startHubProcess(
  main: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<HubProcess> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const child = spawnNode(main, args, options);
  let out = '';
  return new Promise<HubProcess>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`onceonly ${args.join(' ')} not ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = ready ? undefined : out.split('\n').find((l) => l.startsWith('onceonly ready:'));
      if (!line) return;
      ready = true;
      clearTimeout(timer);
      resolve({
        child,
        readyLine: line,
        address: /grpc=(\S+)/.exec(line)?.[1] ?? '',
        health: /health=(\S+)/.exec(line)?.[1] ?? '',
        metrics: /metrics=(\S+)/.exec(line)?.[1] ?? '',
        output: () => out,
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`onceonly ${args.join(' ')} exited (${code ?? signal}) before ready:\n${out}`));
    });
  });
}

/** SIGTERM, then SIGKILL after the grace; resolves with the exit code (null when killed by a signal). */
export async function stopProcess(child: ChildProcess | undefined, graceMs = 20_000): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The `NAME='value'` lines of `onceonly init`'s env file. */
export function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) values[m[1]!] = m[2]!;
  }
  return values;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port'))));
    });
  });
}

/** A single-node Kafka broker of the caller's own: its state folder, its ports, stopped and started at will. */
export interface PrivateBroker {
  /** `127.0.0.1:<port>`: the same across {@link PrivateBroker.stop} and {@link PrivateBroker.start}. */
  readonly brokers: string;
  /** Starts it again on the same ports and data (after {@link PrivateBroker.stop}). */
  start(): Promise<void>;
  /** Stops it (kafka.sh stop: SIGTERM, then SIGKILL); its data stays. */
  stop(): Promise<void>;
}

function kafkaSh(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliRun> {
  const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, `kafka.sh ${args.join(' ')}`, timeoutMs);
}

/**
 * Starts a broker with deploy/kafka/kafka.sh in `stateDir` (empty) on free ports; the jars of the repository's own
 * broker (`<repo>/.kafka/lib`) are linked when fetched already, else kafka.sh fetches them (Maven, once per folder).
 */
export async function startPrivateBroker(repoRoot: string, stateDir: string): Promise<PrivateBroker> {
  const script = join(repoRoot, 'deploy/kafka/kafka.sh');
  const jars = join(repoRoot, '.kafka/lib');
  mkdirSync(stateDir, { recursive: true });
  if (existsSync(join(jars, '.fetched-3.9.1')) && !existsSync(join(stateDir, 'lib'))) {
    symlinkSync(jars, join(stateDir, 'lib'));
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
    KAFKA_HOME_DIR: stateDir,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_HEAP_OPTS: '-Xmx256m',
    KAFKA_START_TIMEOUT: '120',
  };
  // the ports were free a moment ago; another process may have taken one since: then again on others
  let started = await kafkaSh(script, ['start'], env, 600_000);
  for (let attempt = 1; started.code !== 0 && /port \d+ .*is in use/.test(started.stderr) && attempt < 3; attempt++) {
    env.KAFKA_PORT = String(await freePort());
    env.KAFKA_CONTROLLER_PORT = String(await freePort());
    rmSync(join(stateDir, 'data'), { recursive: true, force: true });
    started = await kafkaSh(script, ['start'], env, 600_000);
  }
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(started.stdout)?.[1];
  if (started.code !== 0 || !brokers) throw new Error(`could not start a Kafka broker:\n${started.stderr}`);
  const must = async (args: string[]) => {
    const run = await kafkaSh(script, args, env, 180_000);
    if (run.code !== 0) throw new Error(`kafka.sh ${args.join(' ')} failed (${run.code}):\n${run.stderr}`);
  };
  return { brokers, start: () => must(['start']), stop: () => must(['stop']) };
}
