import {
  databaseLogSource,
  inThreadLogChecks,
  logChecksThread,
  type ReplayBusSource,
  type ReplayLogSource,
  type ReplayProgress,
  replay,
  transportBusSource,
} from '@onceonly/audit/client';
import { createKafkaTransport } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import { Kafka, logLevel } from 'kafkajs';
import { countingDatabase } from './counting-database.js';
import { profiled } from './cpu-profile.js';
import { statCpuMs } from './machine-cpu.js';
import { progress } from './progress.js';
import { nowMs } from './stats.js';

/** Where a measured replay runs its log checks: see {@link auditReplayRate}. */
export type ReplayChecks = 'cli' | 'worker' | 'in-thread';

const REPLAY_NAMES: Record<ReplayChecks, string> = {
  cli: 'audit replay (`replay`: Kafka + stored log in PostgreSQL), the log checks where the CLI runs them',
  worker: 'audit replay, the log checks in a worker thread whatever the size (ADR 022)',
  'in-thread': "audit replay, the log checks in the replay's thread (before ADR 022)",
};

/** One replay-rate measurement. */
export interface ReplayRate {
  name: string;
  events: number;
  seconds: number;
  perSecond: number;
  note: string;
}

/** The audit replay's run, with its phases and verdict. */
export interface AuditReplayResult extends ReplayRate {
  /**
   * Seconds from the start until the bus read ended (Kafka, fresh group: offsets, join, records, leave) and until
   * the last stored entry was read and handed to the log checks (the two run at the same time, ADR 015; the checks
   * in a worker thread, ADR 022), then the rest after both (the checks catching up, consistency, the verdict).
   */
  phases: { bus: number; log: number; checks: number };
  /** SQL statements the replay sent (each a round trip): log info, checkpoints, pages of entries, proofs. */
  statements: number;
  /** CPU seconds of this process during the replay (user + system, all threads: the log checks' worker included). */
  cpuSeconds: number;
  /**
   * CPU seconds of the main thread alone during the replay (Linux: `/proc/thread-self/stat`, 10 ms ticks); elsewhere
   * the seconds its event loop was busy (`eventLoopUtilization`), which a loaded machine inflates.
   */
  mainThreadBusySeconds: number;
  /** Where the log checks ran (ADR 022: a worker thread when the built worker file exists). */
  checksIn: string;
  ok: boolean;
  divergences: number;
  findings: string[];
  busRecords: number;
  entries: number;
  checkpointsVerified: number;
  checkpoints: number;
}

/**
 * `onceonly audit replay --from-database --brokers …` as a library call: `replay` over the stored log read from
 * PostgreSQL (`databaseLogSource`) and the bus re-read from Kafka from the beginning (`transportBusSource`, a
 * throwaway group), with the published key pinned. It recomputes every leaf of the bus's events, rebuilds the tree
 * from the stored leaves, checks every checkpoint's signature and root, consistency between consecutive
 * checkpoints, and the per-source sequences.
 */
export async function auditReplayRate(options: {
  db: Database;
  brokers: string[];
  verifierKey: string;
  events: number;
  /**
   * Where the log checks run: `cli` as the CLI chooses (ADR 043: a worker thread from 20,000 entries, else the
   * replay's thread; the default), `worker` in a worker thread whatever the size (ADR 022), `in-thread` in the
   * replay's thread (as before ADR 022).
   */
  checks?: ReplayChecks;
}): Promise<AuditReplayResult> {
  const transport = await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-audit-replay' });
  let bar: ReturnType<typeof progress> | undefined;
  const phases: ReplayProgress = {
    phase(name, total) {
      bar?.stop();
      bar = progress(`audit replay: ${name}`, Math.max(1, total));
    },
    advance: (done) => bar?.update(done),
  };
  // the two reads timed from outside: when the bus read ended, when the last entry was handed over
  const counted = countingDatabase(options.db);
  const log = databaseLogSource(counted);
  const bus = transportBusSource(transport);
  let checksIn = '';
  let busEnd = 0;
  let logEnd = 0;
  const timedLog: ReplayLogSource = {
    ...log,
    async *entries(size, entryOptions) {
      yield* log.entries(size, entryOptions);
      logEnd = nowMs();
    },
    // the replay reads a source's pages whole when it has them (ADR 055): timed the same way, a page at a time
    ...(log.pages === undefined
      ? {}
      : {
          async *pages(size: number, entryOptions?: { readonly bodies?: boolean }) {
            yield* log.pages!(size, entryOptions);
            logEnd = nowMs();
          },
        }),
  };
  const timedBus: ReplayBusSource = {
    read: (...args) => bus.read(...args).finally(() => (busEnd = nowMs())),
  };
  const checks = options.checks ?? 'cli';
  const meters = cpuMeters();
  const started = nowMs();
  try {
    const report = await profiled(`audit-replay-${checks}`, () =>
      replay({
        log: timedLog,
        bus: timedBus,
        verifierKey: options.verifierKey,
        progress: phases,
        checks: (entries) => {
          if (checks === 'in-thread') {
            checksIn = "log checks in the replay's thread (as before ADR 022)";
            return inThreadLogChecks();
          }
          return logChecksThread({
            log: (choice) => (checksIn = choice.why),
            ...(checks === 'worker' ? { workerFrom: 0 } : {}),
          })(entries);
        },
      }),
    );
    const finished = nowMs();
    const used = meters();
    bar?.stop();
    return {
      name: REPLAY_NAMES[checks],
      events: options.events,
      seconds: (finished - started) / 1000,
      perSecond: options.events / ((finished - started) / 1000),
      note: 'fresh group from the beginning, the stored log read beside it; every leaf recomputed, tree rebuilt, checkpoints, consistency, sequences, subject map',
      phases: {
        bus: (busEnd - started) / 1000,
        log: (logEnd - started) / 1000,
        checks: (finished - Math.max(busEnd, logEnd)) / 1000,
      },
      statements: counted.statements(),
      ...used,
      checksIn,
      ok: report.ok,
      divergences: report.divergences,
      findings: report.findings.map((f) => `${f.severity} ${f.kind}`),
      busRecords: report.busRecords,
      entries: report.entries,
      checkpointsVerified: report.checkpointsVerified,
      checkpoints: report.checkpoints,
    };
  } finally {
    await transport.close();
  }
}

/** One part of the replay timed alone (ADR 062). */
export interface ReplayPart {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** CPU seconds of this process, all threads. */
  readonly cpuSeconds: number;
  /** CPU seconds of the main thread alone (as {@link AuditReplayResult.mainThreadBusySeconds}). */
  readonly mainThreadBusySeconds: number;
  /** SQL statements the part sent (the bus read sends none). */
  readonly statements: number;
}

/** The replay's parts, each timed alone on the same log and bus: see {@link replayParts}. */
export interface ReplayParts {
  /** The bus read (`transportBusSource`, a fresh group, the log's topics), each record dropped. */
  readonly bus: ReplayPart;
  /** The stored log's pages (`databaseLogSource`), every entry decoded from its row and dropped. */
  readonly log: ReplayPart;
  /** The replay with no bus: the stored log read and every check of it, the log checks where the CLI runs them. */
  readonly withoutBus: ReplayPart;
}

/**
 * The replay taken apart (ADR 062): its two reads alone, each with nothing done with what it reads, and the replay
 * without the bus (the stored log and every check of it). In one thread the replay's main thread does at least the
 * work of both reads, so their sum bounds its rate from above, whatever the checks cost; and the replay without the
 * bus shows what the checks add to the log's read.
 */
export async function replayParts(options: {
  db: Database;
  brokers: string[];
  verifierKey: string;
  events: number;
}): Promise<ReplayParts> {
  const { db, events } = options;
  const info = await databaseLogSource(db).info();
  // the transport made and closed outside the time, as around the replay's (the group is left in the close)
  const transport = await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-audit-replay-bus' });
  let bus: ReplayPart;
  try {
    bus = await timedPart('the bus read alone (fresh group, records dropped)', events, undefined, async () => {
      await transportBusSource(transport).read(info.topics, () => undefined);
    });
  } finally {
    await transport.close();
  }
  // one counting handle for both database parts: each part counts the statements it added
  const counted = countingDatabase(db);
  const log = await timedPart("the stored log's pages alone (rows decoded, dropped)", events, counted, async () => {
    const source = databaseLogSource(counted);
    for await (const page of source.pages!(info.size, { bodies: false })) void page;
  });
  const withoutBus = await timedPart(
    'the replay without the bus (the stored log and every check of it)',
    events,
    counted,
    async () => {
      const report = await replay({
        log: databaseLogSource(counted),
        verifierKey: options.verifierKey,
        checks: logChecksThread({}),
      });
      if (!report.ok) throw new Error(`the replay without the bus found ${report.divergences} divergence(s)`);
    },
  );
  return { bus, log, withoutBus };
}

async function timedPart(
  name: string,
  events: number,
  counted: { statements(): number } | undefined,
  fn: () => Promise<void>,
): Promise<ReplayPart> {
  const meters = cpuMeters();
  const before = counted?.statements() ?? 0;
  const started = nowMs();
  await fn();
  const seconds = (nowMs() - started) / 1000;
  return {
    name,
    events,
    seconds,
    perSecond: events / seconds,
    ...meters(),
    statements: (counted?.statements() ?? 0) - before,
  };
}

/**
 * Starts the CPU meters of a timed replay or part; the function answered reads them: CPU seconds of the process (all
 * threads) and of its main thread alone (`/proc/thread-self/stat`; elsewhere the seconds its event loop was busy).
 */
function cpuMeters(): () => { cpuSeconds: number; mainThreadBusySeconds: number } {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const mainCpu = threadCpuSeconds();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      cpuSeconds: (used.user + used.system) / 1e6,
      mainThreadBusySeconds:
        mainCpu === undefined ? performance.eventLoopUtilization(elu).active / 1000 : threadCpuSeconds()! - mainCpu,
    };
  };
}

/** CPU seconds (user + system) of the calling thread so far, from `/proc/thread-self/stat`; undefined off Linux. */
function threadCpuSeconds(): number | undefined {
  const ms = statCpuMs('/proc/thread-self/stat');
  return ms === undefined ? undefined : ms / 1000;
}

/** The baseline: a bare kafkajs consumer (fresh group, from the beginning) reading the same topic, counting records. */
export async function bareKafkaReadRate(options: {
  brokers: string[];
  topic: string;
  group: string;
  events: number;
}): Promise<ReplayRate & { cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const kafka = new Kafka({ clientId: 'bench-audit-bare-read', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: options.group, maxWaitTimeInMs: 500 });
  const bar = progress('bare kafkajs read', options.events);
  let read = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const started = nowMs();
  let last = started;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async () => {
        read++;
        last = nowMs();
        bar.update(read);
        if (read === options.events) resolveDone();
      },
    });
    await done;
    bar.stop();
  } finally {
    await consumer.disconnect();
  }
  const used = process.cpuUsage(cpu);
  return {
    cpuSeconds: (used.user + used.system) / 1e6,
    name: 'bare kafkajs consumer reading the topic',
    events: options.events,
    seconds: (last - started) / 1000,
    perSecond: options.events / ((last - started) / 1000),
    note: 'fresh group from the beginning, counting records (no decoding, no database)',
  };
}
