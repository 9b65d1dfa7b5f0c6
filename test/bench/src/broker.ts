import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../deploy/kafka/kafka.sh', import.meta.url));

/** The broker of a bench run: KAFKA_BROKERS when set, else the local broker (started, and stopped after, if needed). */
export interface Broker {
  brokers: string[];
  local: boolean;
  /** The local broker's JVM (for its CPU per event), when this checkout's kafka.sh runs it. */
  pid?: number;
  stop(): Promise<void>;
}

export async function useBroker(): Promise<Broker> {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) return { brokers: given.split(','), local: false, stop: async () => undefined };
  const wasRunning = await run('bash', [SCRIPT, 'status']).then(
    () => true,
    () => false,
  );
  process.stderr.write(wasRunning ? 'using the running local broker\n' : 'starting the local Kafka broker...\n');
  const { stdout } = await run('bash', [SCRIPT, 'start'], { maxBuffer: 10 * 1024 * 1024 });
  const address = /KAFKA_BROKERS=(\S+)/.exec(stdout)?.[1];
  if (!address) throw new Error(`kafka.sh start printed no address:\n${stdout}`);
  const pid = localBrokerPid();
  return {
    brokers: address.split(','),
    local: true,
    ...(pid === undefined ? {} : { pid }),
    stop: async () => {
      if (!wasRunning) await run('bash', [SCRIPT, 'stop']);
    },
  };
}

/** The pid of the broker kafka.sh runs for this checkout (its state folder's kafka.pid), if it is that JVM. */
function localBrokerPid(): number | undefined {
  const state = process.env.KAFKA_HOME_DIR || fileURLToPath(new URL('../../../.kafka', import.meta.url));
  try {
    const pid = Number(readFileSync(`${state}/kafka.pid`, 'utf8').trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return cmdline.includes('kafka.Kafka') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Kafka's own producer perf test on the same broker: records/s it reached. */
export async function kafkaProducerPerf(options: {
  brokers: string[];
  topic: string;
  records: number;
  recordSize: number;
}): Promise<{ recordsPerSecond: number; avgLatencyMs: number; p50Ms: number; p99Ms: number; raw: string }> {
  const args = [
    SCRIPT,
    'perf',
    '--topic',
    options.topic,
    '--num-records',
    String(options.records),
    '--record-size',
    String(options.recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${options.brokers.join(',')}`,
    'acks=all',
    'enable.idempotence=true',
  ];
  const { stdout } = await run('bash', args, { maxBuffer: 10 * 1024 * 1024 });
  // last line: "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P50 ms 50th, ... ms 99th, ..."
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const num = (re: RegExp) => Number(re.exec(last)?.[1] ?? Number.NaN);
  return {
    recordsPerSecond: num(/([\d.]+) records\/sec/),
    avgLatencyMs: num(/([\d.]+) ms avg latency/),
    p50Ms: num(/(\d+) ms 50th/),
    p99Ms: num(/(\d+) ms 99th/),
    raw: last,
  };
}
