/**
 * vitest globalSetup of the `int` project: one Kafka broker and one PostgreSQL server for the whole test run.
 *
 * Kafka, first that applies:
 *  1. `KAFKA_BROKERS` is set: used as is (nothing is started or stopped).
 *  2. A container runtime answers within 2 s (DOCKER_HOST, or a Docker/Podman socket): an `apache/kafka` container
 *     through testcontainers (disable with `ONCEONLY_TESTCONTAINERS=0`). If that fails, falls through to 3.
 *  3. The local broker from Maven Central jars: `deploy/kafka/kafka.sh start --lease <pid>`. At the end it is
 *     stopped only if a test run started it, no other test run still uses it, and `ONCEONLY_KEEP_KAFKA` is unset.
 * PostgreSQL: `DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/test; it must answer `select 1`.
 *
 * Tests read the values with `inject('kafkaBrokers')` / `inject('databaseUrl')` (or `kafkaBrokers()`);
 * `KAFKA_BROKERS` is also set for the test workers and the processes they spawn.
 * This file runs in vitest's main process: it must not import the `vitest` runtime.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type {} from './context.js';
import { adminDatabaseUrl } from './database.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const kafkaScript = path.join(repoRoot, 'deploy/kafka/kafka.sh');
const kafkaImage = process.env.ONCEONLY_KAFKA_IMAGE ?? 'apache/kafka:3.9.1';
const runtimeProbeMs = 2_000;

interface KafkaHandle {
  brokers: string;
  /** Where the broker comes from, for the log line. */
  source: string;
  stop(): Promise<void>;
}

function info(message: string): void {
  console.info(`[onceonly/testing] ${message}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = await checkDatabase();
  const kafka = await resolveKafka();
  info(`Kafka ${kafka.brokers} (${kafka.source}); PostgreSQL ${redact(databaseUrl)}`);

  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('databaseUrl', databaseUrl);
  // vitest builds the workers' environment from process.env when it starts them, after this setup:
  // code under test and the processes it spawns find the broker the usual way.
  const previousBrokers = process.env.KAFKA_BROKERS;
  process.env.KAFKA_BROKERS = kafka.brokers;

  return async () => {
    if (previousBrokers === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = previousBrokers;
    await kafka.stop();
  };
}

// ---- PostgreSQL ----

async function checkDatabase(): Promise<string> {
  const url = adminDatabaseUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${redact(url)} does not answer (${(error as Error).message}). ` +
        'Start it, or set DATABASE_URL to a server the tests may create databases on.',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return url;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

// ---- Kafka ----

async function resolveKafka(): Promise<KafkaHandle> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) return { brokers: fromEnv, source: 'KAFKA_BROKERS', stop: async () => undefined };

  const runtime = process.env.ONCEONLY_TESTCONTAINERS === '0' ? undefined : await findContainerRuntime();
  if (runtime) {
    try {
      return await startKafkaContainer(runtime);
    } catch (error) {
      info(`could not start ${kafkaImage} through ${runtime} (${(error as Error).message}); using the local broker`);
    }
  }
  return startLocalBroker();
}

// -- container runtime detection: bounded by runtimeProbeMs per endpoint, never hangs --

type Endpoint = { socketPath: string } | { host: string; port: number; tls: boolean };

function runtimeEndpoints(): Endpoint[] {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) return [{ socketPath: dockerHost.slice('unix://'.length) }];
    if (dockerHost.startsWith('tcp://')) {
      const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      const tls = Boolean(process.env.DOCKER_TLS_VERIFY);
      return [{ host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), tls }];
    }
    return [];
  }
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  const sockets = [
    '/var/run/docker.sock',
    runtimeDir && path.join(runtimeDir, 'docker.sock'),
    runtimeDir && path.join(runtimeDir, 'podman/podman.sock'),
    path.join(homedir(), '.docker/run/docker.sock'),
  ];
  return sockets
    .filter((socket): socket is string => Boolean(socket) && existsSync(socket as string))
    .map((socketPath) => ({ socketPath }));
}

async function findContainerRuntime(): Promise<string | undefined> {
  for (const endpoint of runtimeEndpoints()) {
    const name = 'socketPath' in endpoint ? endpoint.socketPath : `${endpoint.host}:${endpoint.port}`;
    if (await pingRuntime(endpoint)) return name;
    info(`container runtime at ${name} does not answer within ${runtimeProbeMs} ms; not using testcontainers`);
  }
  return undefined;
}

/** GET /_ping (or, for a TLS endpoint, a TCP connect), with a hard deadline. */
function pingRuntime(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    let abort = () => {};
    const timer = setTimeout(() => {
      abort();
      done(false);
    }, runtimeProbeMs);
    let settled = false;
    function done(ok: boolean): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    }
    if ('tls' in endpoint && endpoint.tls) {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port });
      abort = () => socket.destroy();
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
      return;
    }
    const request = http.request({ ...endpoint, path: '/_ping', method: 'GET' }, (response) => {
      response.resume();
      done(response.statusCode === 200);
    });
    abort = () => request.destroy();
    request.once('error', () => done(false));
    request.end();
  });
}

// -- testcontainers --

async function startKafkaContainer(runtime: string): Promise<KafkaHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // Kafka tells clients the address to use (advertised.listeners), so the host port must be known before start:
  // bind the same free port on both sides.
  const port = await freePort();
  const host = containerHostName();
  info(`starting ${kafkaImage} through ${runtime} (testcontainers)`);
  const container = await new GenericContainer(kafkaImage)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://localhost:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_NUM_PARTITIONS: '3',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return {
    brokers: `${host}:${port}`,
    source: `${kafkaImage} container ${container.getId().slice(0, 12)}`,
    stop: async () => {
      if (process.env.ONCEONLY_KEEP_KAFKA) return;
      await container.stop();
    },
  };
}

function containerHostName(): string {
  if (process.env.TESTCONTAINERS_HOST_OVERRIDE) return process.env.TESTCONTAINERS_HOST_OVERRIDE;
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost?.startsWith('tcp://')) return new URL(dockerHost.replace(/^tcp:/, 'http:')).hostname;
  return 'localhost';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// -- the local broker (deploy/kafka/kafka.sh) --

/**
 * `kafka.sh start --lease <pid>` starts the broker or finds it running, and records that this run uses it.
 * `kafka.sh release <pid>` at the end stops it only if a test run started it and no other test run still uses it
 * (a broker someone started by hand keeps running), so parallel test runs never lose their broker midway.
 */
async function startLocalBroker(): Promise<KafkaHandle> {
  if (!existsSync(kafkaScript)) throw new Error(`No KAFKA_BROKERS, no container runtime, and no ${kafkaScript}`);
  const lease = String(process.pid);
  const started = await runKafkaScript(['start', '--lease', lease], 'inherit');
  if (started.code !== 0) {
    throw new Error(`deploy/kafka/kafka.sh start failed (exit ${started.code}); its messages are above`);
  }
  return {
    brokers: parseBrokers(started.stdout),
    source: 'local broker from deploy/kafka/kafka.sh',
    stop: async () => {
      const keep = Boolean(process.env.ONCEONLY_KEEP_KAFKA);
      const released = await runKafkaScript(['release', lease, ...(keep ? ['--keep'] : [])], 'inherit');
      if (released.code !== 0) info(`deploy/kafka/kafka.sh release exited ${released.code}`);
    },
  };
}

function parseBrokers(stdout: string): string {
  const match = /^KAFKA_BROKERS=(\S+)$/m.exec(stdout);
  if (!match?.[1]) throw new Error(`deploy/kafka/kafka.sh printed no KAFKA_BROKERS= line (stdout: ${stdout.trim()})`);
  return match[1];
}

/** Runs kafka.sh; its stdout is captured, its stderr (progress) shown or dropped. Bounded by 15 minutes. */
function runKafkaScript(args: string[], stderr: 'inherit' | 'ignore'): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [kafkaScript, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', stderr] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 15 * 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout });
    });
  });
}
