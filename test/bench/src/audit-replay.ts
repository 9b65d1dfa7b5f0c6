import { databaseLogSource, type ReplayProgress, replay, transportBusSource } from '@onceonly/audit/client';
import { createKafkaTransport } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import { Kafka, logLevel } from 'kafkajs';
import { progress } from './progress.js';
import { nowMs } from './stats.js';

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
  /** Seconds reading the bus (Kafka, fresh group), streaming and checking the stored log, and the final checks. */
  phases: { bus: number; log: number; checks: number };
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
}): Promise<AuditReplayResult> {
  const transport = await createKafkaTransport({ brokers: options.brokers, clientId: 'bench-audit-replay' });
  const marks = new Map<string, number>();
  let bar: ReturnType<typeof progress> | undefined;
  const phases: ReplayProgress = {
    phase(name, total) {
      if (!marks.has(name)) marks.set(name, nowMs());
      bar?.stop();
      bar = progress(`audit replay: ${name}`, Math.max(1, total));
    },
    advance: (done) => bar?.update(done),
  };
  const started = nowMs();
  try {
    const report = await replay({
      log: databaseLogSource(options.db),
      bus: transportBusSource(transport),
      verifierKey: options.verifierKey,
      progress: phases,
    });
    const finished = nowMs();
    bar?.stop();
    const at = (name: string) => marks.get(name) ?? started;
    return {
      name: 'audit replay (`replay`: Kafka + stored log in PostgreSQL)',
      events: options.events,
      seconds: (finished - started) / 1000,
      perSecond: options.events / ((finished - started) / 1000),
      note: 'fresh group from the beginning; every leaf recomputed, tree rebuilt, checkpoints, consistency, sequences',
      phases: {
        bus: (at('log') - started) / 1000,
        log: (at('checks') - at('log')) / 1000,
        checks: (finished - at('checks')) / 1000,
      },
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

/** The baseline: a bare kafkajs consumer (fresh group, from the beginning) reading the same topic, counting records. */
export async function bareKafkaReadRate(options: {
  brokers: string[];
  topic: string;
  group: string;
  events: number;
}): Promise<ReplayRate> {
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
  return {
    name: 'bare kafkajs consumer reading the topic',
    events: options.events,
    seconds: (last - started) / 1000,
    perSecond: options.events / ((last - started) / 1000),
    note: 'fresh group from the beginning, counting records (no decoding, no database)',
  };
}
